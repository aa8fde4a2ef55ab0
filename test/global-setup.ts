import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary directory for the whole run, removed when the run ends: the workers inherit it as TMPDIR, so
 * every test's temporary files (data directories, files for the CLIs, Parquet the tests write) go under it and
 * none is left on the machine, whatever a test did not clean up. The machine's own temporary directory is named
 * in SEAWALL_TEST_SYSTEM_TMPDIR, for the test that searches it for plaintext.
 */
let run: string | undefined;

export function setup(): void {
  const system = tmpdir();
  run = mkdtempSync(join(system, 'seawall-tests-'));
  process.env.SEAWALL_TEST_SYSTEM_TMPDIR = system;
  process.env.TMPDIR = run;
}

export function teardown(): void {
  if (run) rmSync(run, { recursive: true, force: true });
}
