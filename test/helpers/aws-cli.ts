import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dataDirLayout } from '../../src/data-dir.js';

/**
 * Debian's aws cli; the pip-installed one some machines put first on PATH is not what CI installs.
 * SEAWALL_TEST_AWS_CLI names another one, to run the same tests against it.
 */
export const AWS_CLI =
  process.env.SEAWALL_TEST_AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
/** Whatever `aws` is first on PATH (on some machines a pip-installed v1), to check both signers where both exist. */
export const AWS_CLI_ON_PATH = 'aws';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `aws --profile seawall --endpoint-url URL …` with the data directory's credentials and config files. */
export function awsCli(
  dataDir: string,
  url: string,
  args: string[],
  input?: string,
  cli = AWS_CLI,
): Promise<CliResult> {
  const layout = dataDirLayout(dataDir);
  return new Promise((resolve) => {
    const child = execFile(
      cli,
      ['--profile', 'seawall', '--endpoint-url', url, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? tmpdir(),
          AWS_SHARED_CREDENTIALS_FILE: layout.credentials,
          AWS_CONFIG_FILE: layout.awsConfig,
          AWS_EC2_METADATA_DISABLED: 'true',
          // Instead of --no-cli-pager, which v1 does not know.
          AWS_PAGER: '',
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
