import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dataDirLayout } from '../../src/data-dir.js';

/** Debian's aws cli; the pip-installed one some machines put first on PATH is not what CI installs. */
export const AWS_CLI = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `aws --profile seawall --endpoint-url URL …` with the data directory's credentials and config files. */
export function awsCli(dataDir: string, url: string, args: string[], input?: string): Promise<CliResult> {
  const layout = dataDirLayout(dataDir);
  return new Promise((resolve) => {
    const child = execFile(
      AWS_CLI,
      ['--profile', 'seawall', '--endpoint-url', url, '--no-cli-pager', ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          AWS_SHARED_CREDENTIALS_FILE: layout.credentials,
          AWS_CONFIG_FILE: layout.awsConfig,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
