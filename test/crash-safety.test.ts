import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { targetFromDataDir } from '../src/cli/client-target.js';
import { rawRequest } from './helpers/raw.js';
import { tempDir } from './helpers/seawall.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'seawall.js');

async function credentialsOf(dir: string) {
  return (await targetFromDataDir(dir)).credentials;
}

function serve(dir: string) {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dir, '--port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /serving on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
  });
  return { child, url };
}

describe('crash safety', () => {
  it('a process killed mid-upload leaves no visible object and no stray bytes', async () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [BIN, 'init', '--data-dir', dir]).status).toBe(0);
    const first = serve(dir);
    const url = await first.url;
    const s3 = new S3Client({
      endpoint: url,
      region: 'ca-west-1',
      forcePathStyle: true,
      credentials: await credentialsOf(dir),
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: 'kept.txt', Body: 'survives' }));

    // Start a 64 MiB upload, then kill -9 the server while the bytes are still arriving.
    const size = 64 * 1024 * 1024;
    async function* slowBody() {
      const chunk = Buffer.alloc(1024 * 1024, 1);
      for (let sent = 0; sent < size; sent += chunk.length) {
        yield chunk;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const upload = s3
      .send(
        new PutObjectCommand({
          Bucket: 'crash',
          Key: 'half.bin',
          Body: (await import('node:stream')).Readable.from(slowBody()),
          ContentLength: size,
        }),
      )
      .catch(() => 'failed');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const tmpBefore = readdirSync(join(dir, 'objects', 'tmp'));
    expect(tmpBefore.length).toBe(1);
    first.child.kill('SIGKILL');
    expect(await upload).toBe('failed');
    s3.destroy();

    // Something a crash between rename and commit would leave: a blob no object refers to.
    mkdirSync(join(dir, 'objects', 'blobs', 'ff'), { recursive: true });
    const stray = join(dir, 'objects', 'blobs', 'ff', 'ff'.repeat(16));
    writeFileSync(stray, 'orphan');

    const second = serve(dir);
    const url2 = await second.url;
    const s3b = new S3Client({
      endpoint: url2,
      region: 'ca-west-1',
      forcePathStyle: true,
      credentials: await credentialsOf(dir),
    });
    const gone = await s3b
      .send(new HeadObjectCommand({ Bucket: 'crash', Key: 'half.bin' }))
      .catch((e: { name: string }) => e.name);
    expect(gone).toBe('NotFound');
    const kept = await s3b.send(new GetObjectCommand({ Bucket: 'crash', Key: 'kept.txt' }));
    expect(await kept.Body?.transformToString()).toBe('survives');
    expect(readdirSync(join(dir, 'objects', 'tmp'))).toEqual([]);
    expect(existsSync(stray)).toBe(false);
    const blobs = readdirSync(join(dir, 'objects', 'blobs'), { recursive: true }).filter((n) =>
      /[0-9a-f]{32}$/.test(String(n)),
    );
    expect(blobs).toHaveLength(1);
    expect((await rawRequest(url2, { method: 'GET', path: '/_seawall/health' })).status).toBe(200);
    s3b.destroy();
    second.child.kill('SIGTERM');
  });
});
