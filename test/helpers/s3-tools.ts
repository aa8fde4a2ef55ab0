import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type TestSeawall, tempDir } from './seawall.js';

export function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Files under `dir` by relative path, with their bytes' MD5 (hex). */
export function fileTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = md5(readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/** Writes `files` (relative path to contents) under `dir`, making their directories; answers `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): string {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** The keys of a bucket's first listing page under `prefix`, sorted. */
export async function bucketKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key as string).sort();
}

/** An s3cmd configuration for the test server's root keys (SigV4, path style, plain HTTP), with `extra` lines. */
export function s3cmdConfig(t: TestSeawall, extra: string[] = []): string {
  const config = join(tempDir('seawall-s3cmd-'), 's3cfg');
  const host = new URL(t.url).host;
  writeFileSync(
    config,
    [
      '[default]',
      `access_key = ${t.credentials.accessKeyId}`,
      `secret_key = ${t.credentials.secretAccessKey}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      `bucket_location = ${t.credentials.region}`,
      'use_https = False',
      'signature_v2 = False',
      ...extra,
      '',
    ].join('\n'),
  );
  return config;
}

/** rclone's remote `sw:` for the test server's root keys, through the environment, with `extra` settings. */
export function rcloneEnv(t: TestSeawall, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RCLONE_CONFIG_SW_TYPE: 's3',
    RCLONE_CONFIG_SW_PROVIDER: 'Other',
    RCLONE_CONFIG_SW_ACCESS_KEY_ID: t.credentials.accessKeyId,
    RCLONE_CONFIG_SW_SECRET_ACCESS_KEY: t.credentials.secretAccessKey,
    RCLONE_CONFIG_SW_ENDPOINT: t.url,
    RCLONE_CONFIG_SW_REGION: t.credentials.region,
    RCLONE_CONFIG_SW_FORCE_PATH_STYLE: 'true',
    ...extra,
  };
}

/** Runs a command-line tool with only PATH and a scratch HOME from this environment, plus `env`; never throws. */
export function runTool(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir('seawall-tools-home-'), ...env },
        maxBuffer: 16 * 2 ** 20,
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
