import { configFrom } from '../config.js';
import { dataDirLayout, exists } from '../data-dir.js';
import { acquireDataDirLock, DataDirBusyError, describeHolder } from '../data-dir-lock.js';
import type { CheckReport } from '../lib/check-report.js';
import { CliError, type CliIo, type Command } from './commands.js';

/** Prints findings as they come and counts what was verified, for the summary line. */
function printingReport(io: CliIo, verbose: boolean) {
  const verified = new Map<string, number>();
  let problems = 0;
  let notes = 0;
  const report: CheckReport = {
    problem(subject, detail) {
      problems++;
      io.out(`${subject}: ${detail}`);
    },
    note(subject, detail) {
      notes++;
      io.out(`note: ${subject}: ${detail}`);
    },
    ok(kind, subject) {
      verified.set(kind, (verified.get(kind) ?? 0) + 1);
      if (verbose) io.out(`ok: ${subject}`);
    },
  };
  const plural = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
  const summary = (dataDir: string) => {
    const counts = [...verified].map(([kind, count]) => plural(count, kind));
    const found = problems === 0 ? 'no problems' : plural(problems, 'problem');
    return `checked ${dataDir}: ${counts.length > 0 ? counts.join(', ') : 'nothing'} verified; ${found}${notes > 0 ? `, ${plural(notes, 'note')}` : ''}`;
  };
  return { report, summary, problems: () => problems };
}

/** `seawall check`: verifies a stopped installation and says exactly what is wrong; exits 1 if anything is. */
export const checkCommand: Command = {
  usage:
    'seawall check --data-dir DIR [--metadata-url postgres://…] [--cold-storage-dir DIR] [--quick] [--verbose]',
  options: {
    'data-dir': { type: 'string' },
    'metadata-url': { type: 'string' },
    'cold-storage-dir': { type: 'string' },
    'cold-storage-class': { type: 'string' },
    'kms-key-store-key': { type: 'string' },
    'kms-key-store-endpoint': { type: 'string' },
    'kms-key-store-region': { type: 'string' },
    'kms-key-store-credentials': { type: 'string' },
    'kms-key-store-profile': { type: 'string' },
    quick: { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  // 1 says that something is wrong with the installation; a check that cannot run at all says 2.
  failureCode: 2,
  async run({ values }, io) {
    const config = configFrom(values, io.env);
    const layout = dataDirLayout(config.dataDir);
    if (!(await exists(layout.rootKey)) && !(config.rootKey && (await exists(layout.credentials))))
      throw new CliError(`${config.dataDir} is not a Seawall data directory; choose one with --data-dir`);
    // Imported when it runs, never for the command's help or its flags (and before the lock is taken).
    const { CheckError, checkInstallation } = await import('../check/index.js');
    // Held while checking: a server cannot start on the directory meanwhile, and one that runs is never disturbed.
    const lock = await acquireDataDirLock(layout.root, layout.lock, 0).catch((error: unknown) => {
      if (error instanceof DataDirBusyError && error.state === 'alive')
        throw new CliError(
          `Seawall is running on ${config.dataDir} (${describeHolder(error.holder)}); stop it first (kill ${error.holder.pid}), then check the stopped installation`,
        );
      throw error;
    });
    const printing = printingReport(io, values.verbose === true);
    try {
      await checkInstallation(config, printing.report, { quick: values.quick === true });
    } catch (error) {
      if (error instanceof CheckError) throw new CliError(error.message);
      throw error;
    } finally {
      await lock.release();
    }
    io.out(printing.summary(config.dataDir));
    return printing.problems() > 0 ? 1 : 0;
  },
};
