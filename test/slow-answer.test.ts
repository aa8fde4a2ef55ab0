import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { CompleteMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import type { ApiRequest, ApiResponse } from '../src/lib/http.js';
import type { Operation } from '../src/lib/operation.js';
import { xmlResponse } from '../src/storage/s3-wire.js';
import { AWS_CLI, AWS_CLI_ON_PATH, type CliResult } from './helpers/aws-cli.js';
import { type BareServer, startBareServer } from './helpers/bare-server.js';
import { rawRequest, signedHeaders } from './helpers/raw.js';

/**
 * S3's whitespace keep-alive through the real listener: an operation that offers its headers and then takes
 * several intervals to answer, in front of the SDK, both aws clis and raw HTTP.
 */
const INTERVAL_MS = 20;
const VERSION_ID = 'Vers1onOfTheSlowAnswerXXXXXXXXXX';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Offers its headers, waits `waitMs`, then answers or fails as `outcome` says ('other': answers another version
 * than it offered).
 */
function slowOperation(outcome: 'answer' | 'fail' | 'other', waitMs: number): Operation {
  return {
    service: 's3',
    name: 'CompleteMultipartUpload',
    action: 's3:PutObject',
    decode: () => undefined,
    resources: () => ['*'],
    async handle(_input: unknown, req: ApiRequest): Promise<ApiResponse> {
      for await (const _ of req.body);
      const headers = { 'x-amz-version-id': VERSION_ID, 'x-amz-server-side-encryption': 'AES256' };
      req.slowAnswer?.offer(headers);
      await sleep(waitMs);
      if (outcome === 'fail')
        throw new AppError(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
          {
            fields: { Condition: 'If-None-Match' },
          },
        );
      return xmlResponse(
        'CompleteMultipartUploadResult',
        { Location: '/b/k', Bucket: 'b', Key: 'k', ETag: '"0123456789abcdef0123456789abcdef-2"' },
        200,
        outcome === 'other'
          ? { ...headers, 'x-amz-version-id': 'AnotherVersionOfTheSlowAnswerXXX' }
          : headers,
      );
    },
  };
}

const servers: BareServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

async function serve(outcome: 'answer' | 'fail' | 'other', waitMs: number): Promise<BareServer> {
  const server = await startBareServer({ slowAnswerIntervalMs: INTERVAL_MS }, slowOperation(outcome, waitMs));
  servers.push(server);
  return server;
}

const COMPLETE =
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>';

async function completeRaw(server: BareServer) {
  const path = '/b/k';
  const query = { uploadId: 'u' };
  const headers = await signedHeaders(server, {
    method: 'POST',
    path,
    query,
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return rawRequest(server.url, { method: 'POST', path: `${path}?uploadId=u`, headers, body: COMPLETE });
}

function client(server: BareServer): S3Client {
  return new S3Client({
    endpoint: server.url,
    region: server.credentials.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: server.credentials.accessKeyId,
      secretAccessKey: server.credentials.secretAccessKey,
    },
  });
}

/** `aws s3api complete-multipart-upload` against the bare server, with its keys in the environment. */
function cliComplete(server: BareServer, cli: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      cli,
      [
        's3api',
        'complete-multipart-upload',
        '--endpoint-url',
        server.url,
        '--bucket',
        'b',
        '--key',
        'k',
        '--upload-id',
        'u',
        '--multipart-upload',
        JSON.stringify({ Parts: [{ PartNumber: 1, ETag: '"e"' }] }),
        '--output',
        'json',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? tmpdir(),
          AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
          AWS_DEFAULT_REGION: server.credentials.region,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('a slow answer (S3 whitespace keep-alive)', () => {
  it('sends its status and offered headers once an interval passes, spaces after the XML declaration, then its body', async () => {
    const server = await serve('answer', INTERVAL_MS * 10);
    const res = await completeRaw(server);
    expect(res.status).toBe(200);
    expect(res.headers['x-amz-version-id']).toBe(VERSION_ID);
    expect(res.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['content-security-policy']).toBe('sandbox');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    const match = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n( +)<CompleteMultipartUploadResult /.exec(
      res.body,
    );
    expect(match, res.body).not.toBeNull();
    // A space at each interval of the wait (the first interval passes before the headers go out).
    expect(match?.[1]?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(res.body.match(/<\?xml/g)).toHaveLength(1);
    expect(res.body.endsWith('</CompleteMultipartUploadResult>')).toBe(true);
  });

  it('keeps the connection while it works for longer than the idle timeout, the spaces being activity', async () => {
    const server = await startBareServer(
      { slowAnswerIntervalMs: INTERVAL_MS, idleTimeoutMs: INTERVAL_MS * 10 },
      slowOperation('answer', INTERVAL_MS * 50),
    );
    servers.push(server);
    const res = await completeRaw(server);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/ {5,}<CompleteMultipartUploadResult /);
  });

  it('ends in an error document when its answer would not keep to the headers it offered', async () => {
    const res = await completeRaw(await serve('other', INTERVAL_MS * 5));
    expect(res.status).toBe(200);
    expect(res.headers['x-amz-version-id']).toBe(VERSION_ID);
    expect(res.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n +<Error><Code>InternalError<\/Code>/,
    );
    expect(res.body.endsWith('</Error>')).toBe(true);
  });

  it('refuses an interval that the idle timeout would cut', async () => {
    await expect(startBareServer({ slowAnswerIntervalMs: 1000, idleTimeoutMs: 1000 })).rejects.toThrow(
      /shorter than idleTimeoutMs/,
    );
  });

  it('answers as usual when it answers within the interval', async () => {
    const server = await startBareServer({ slowAnswerIntervalMs: 5_000 }, slowOperation('answer', 0));
    servers.push(server);
    const res = await completeRaw(server);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(res.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<CompleteMultipartUploadResult /);
    const failing = await startBareServer({ slowAnswerIntervalMs: 5_000 }, slowOperation('fail', 0));
    servers.push(failing);
    const refused = await completeRaw(failing);
    expect(refused.status).toBe(412);
    expect(refused.body).toContain('<Code>PreconditionFailed</Code>');
  });

  it('ends in an error document in the 200 when it fails after its headers went out', async () => {
    const server = await serve('fail', INTERVAL_MS * 5);
    const res = await completeRaw(server);
    expect(res.status).toBe(200);
    expect(res.headers['x-amz-request-id']).toBeDefined();
    expect(res.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n +<Error><Code>PreconditionFailed<\/Code>/,
    );
    // The SDKs look for the error at the end of the body.
    expect(res.body.endsWith('</Error>')).toBe(true);
  });

  it('gives the SDK its output, or its error, either way', async () => {
    const answering = client(await serve('answer', INTERVAL_MS * 5));
    const failing = client(await serve('fail', INTERVAL_MS * 5));
    try {
      const input = {
        Bucket: 'b',
        Key: 'k',
        UploadId: 'u',
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"e"' }] },
      };
      const done = await answering.send(new CompleteMultipartUploadCommand(input));
      expect(done.VersionId).toBe(VERSION_ID);
      expect(done.ServerSideEncryption).toBe('AES256');
      expect(done.ETag).toBe('"0123456789abcdef0123456789abcdef-2"');
      const error = await failing.send(new CompleteMultipartUploadCommand(input)).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PreconditionFailed' });
    } finally {
      answering.destroy();
      failing.destroy();
    }
  });

  // Debian's aws cli (2.9) parses a 200's body as the operation's output before it makes the status a 500, so
  // it names an error in a 200 "Unknown", whoever sent it; later botocore (the pip aws cli) names its code.
  it.each([
    ['Debian aws cli', AWS_CLI, /\((Unknown|PreconditionFailed)\)/],
    ['aws cli on PATH', AWS_CLI_ON_PATH, /\(PreconditionFailed\)/],
  ])('gives the %s its output, or its error, either way', async (_name, cli, named) => {
    const done = await cliComplete(await serve('answer', INTERVAL_MS * 5), cli);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      VersionId: VERSION_ID,
      ServerSideEncryption: 'AES256',
      ETag: '"0123456789abcdef0123456789abcdef-2"',
    });
    const failed = await cliComplete(await serve('fail', INTERVAL_MS * 5), cli);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(named);
  });
});
