import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestSeawall, tempDir } from './seawall.js';

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
