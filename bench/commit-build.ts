import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** Runs a command to completion; its output is kept for the error when it fails. */
function run(command: string, args: string[], cwd: string): string {
  const done = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (done.error) throw done.error;
  if (done.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${done.signal ?? done.status}):\n${done.stdout}${done.stderr}`,
    );
  return done.stdout;
}

/** A change made to a built commit's sources before they are compiled; named in the build's directory. */
export interface SourcePatch {
  name: string;
  /** Edits the extracted tree in `dir`; throws when the sources are not as it expects. */
  apply(dir: string): Promise<void>;
}

/**
 * Replaces `find` by `replace` in one source file of a tree, where it occurs exactly once; an edit that no
 * longer finds its text fails loudly rather than building something else.
 */
export async function replaceOnce(dir: string, file: string, find: string, replace: string): Promise<void> {
  const path = join(dir, file);
  const text = await fs.readFile(path, 'utf8');
  const count = text.split(find).length - 1;
  if (count !== 1) throw new Error(`${file}: expected one ${JSON.stringify(find)}, found ${count}`);
  await fs.writeFile(
    path,
    text.replace(find, () => replace),
  );
}

/**
 * The `bin/seawall.js` of Seawall as it was at `revision` (a commit of this repository), built as `npm run
 * build` builds the server (tsc; the console is not built, so that build serves every API but not the console),
 * with `patch` applied to its sources first if given. The tree is taken with `git archive`, which leaves the
 * repository's work tree, index and HEAD as they are, and shares this checkout's node_modules. Kept in the
 * temporary directory under the commit's hash (and the patch's name), so a second run reuses it; built aside
 * and renamed into place, so a build cut short is never taken for a finished one.
 */
export async function builtAtCommit(
  revision: string,
  patch?: SourcePatch,
): Promise<{ commit: string; bin: string; built: boolean }> {
  const commit = run('git', ['-C', ROOT, 'rev-parse', '--verify', `${revision}^{commit}`], ROOT).trim();
  // A patch is named by its name and its code, so an edited patch never reuses a build of the old one.
  const patched = patch
    ? `-${patch.name}-${createHash('sha256').update(patch.apply.toString()).digest('hex').slice(0, 12)}`
    : '';
  const dir = join(tmpdir(), `seawall-bench-build-${commit}${patched}`);
  const bin = join(dir, 'bin', 'seawall.js');
  if (existsSync(join(dir, 'dist', 'cli', 'main.js'))) return { commit, bin, built: false };
  const partial = `${dir}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(partial, { recursive: true });
  try {
    // bash for pipefail: a failing git archive must not pass for an empty tree that tar extracted.
    run(
      'bash',
      ['-o', 'pipefail', '-c', 'git -C "$0" archive "$1" | tar -x -C "$2"', ROOT, commit, partial],
      ROOT,
    );
    await patch?.apply(partial);
    await fs.symlink(join(ROOT, 'node_modules'), join(partial, 'node_modules'), 'dir');
    run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      partial,
    );
    await fs.rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another run finished the same build first: its copy serves as well.
      if (!existsSync(join(dir, 'dist', 'cli', 'main.js'))) throw error;
      await fs.rm(partial, { recursive: true, force: true });
    });
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true });
    throw error;
  }
  return { commit, bin, built: true };
}
