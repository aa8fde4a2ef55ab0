import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSeawall, type TestSeawall, tempDir } from './helpers/seawall.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');
// Not Seawall's default region, so a query only succeeds when the region really came from where it should.
const REGION = 'us-west-2';

let t: TestSeawall;
let home: string;
let deadEndpoint: string;

interface QueryResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A loopback endpoint nothing listens on (its port was free a moment ago). */
async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * `seawall query` in a clean environment: only PATH, the temporary HOME and what the test gives. Never
 * spawnSync here: the server runs in this process and must keep answering while the command waits.
 */
function query(env: Record<string, string>, ...args: string[]): Promise<QueryResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'query', 'SELECT 40 + 2 AS answer', '--output', 'csv', ...args],
      {
        env: { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
      },
    );
  });
}

function expectAnswer(result: QueryResult): void {
  expect(result).toEqual({ code: 0, stdout: 'answer\n42', stderr: '' });
}

function expectFailure(result: QueryResult, message: string | RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr.split('\n')).toHaveLength(1);
  if (typeof message === 'string') expect(result.stderr).toBe(`seawall query: ${message}`);
  else expect(result.stderr).toMatch(message);
}

beforeAll(async () => {
  t = await startTestSeawall({ env: { SEAWALL_REGION: REGION } });
  deadEndpoint = await closedEndpoint();
  home = tempDir('seawall-home-');
  mkdirSync(join(home, '.aws'));
  const { accessKeyId, secretAccessKey } = t.credentials;
  const keys = `aws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
  writeFileSync(join(home, '.aws', 'credentials'), `[dev]\n${keys}[local]\n${keys}[wrong-region]\n${keys}`);
  writeFileSync(
    join(home, '.aws', 'config'),
    [
      `[profile dev]\nregion = ${REGION}\n`,
      `[profile local]\nregion = ${REGION}\nservices = seawall-local\n`,
      `[services seawall-local]\nathena =\n  endpoint_url = ${t.url}\n`,
      `[profile wrong-region]\nregion = ca-west-1\nendpoint_url = ${t.url}\n`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await t?.close();
});

describe('seawall query finds credentials, region and endpoint as the AWS tools do', () => {
  it('takes keys, region and AWS_ENDPOINT_URL from the environment', async () => {
    const { accessKeyId, secretAccessKey } = t.credentials;
    expectAnswer(
      await query({
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: t.url,
      }),
    );
  });

  it('takes AWS_PROFILE from the shared files in HOME, and AWS_ENDPOINT_URL_ATHENA over AWS_ENDPOINT_URL', async () => {
    expectAnswer(
      await query({ AWS_PROFILE: 'dev', AWS_ENDPOINT_URL_ATHENA: t.url, AWS_ENDPOINT_URL: deadEndpoint }),
    );
  });

  it('takes --profile NAME with the region and endpoint its profile names', async () => {
    expectAnswer(await query({}, '--profile', 'local'));
    expectFailure(
      await query({}, '--profile', 'wrong-region'),
      /^seawall query: http:\/\/127\.0\.0\.1:\d+ answered \w+: .*'ca-west-1'.*'us-west-2'/,
    );
    expectFailure(
      await query({}, '--profile', 'nobody'),
      /^seawall query: no credentials for profile nobody in the AWS shared credentials or config file/,
    );
  });

  it('finds the server on --data-dir by itself, on whatever port it took; --endpoint-url wins over everything', async () => {
    const elsewhere = {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'ca-west-1',
      AWS_ENDPOINT_URL: deadEndpoint,
    };
    expectAnswer(await query(elsewhere, '--data-dir', t.dataDir));
    expectFailure(
      await query(elsewhere, '--data-dir', t.dataDir, '--endpoint-url', deadEndpoint),
      new RegExp(`^seawall query: no Seawall answers at ${deadEndpoint} \\(ECONNREFUSED\\); start one with`),
    );
    expectFailure(
      await query({}, '--data-dir', t.dataDir, '--profile', 'dev'),
      'give --data-dir or --profile, not both',
    );
  });

  it('says in one line where credentials can come from when there are none', async () => {
    expectFailure(
      await query({ HOME: tempDir('seawall-empty-home-') }),
      /^seawall query: no credentials: pass --data-dir DIR or --profile NAME, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
  });
});
