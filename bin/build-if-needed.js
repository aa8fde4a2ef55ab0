// Builds what `npm start` runs, but only what changed since the last build: a build takes tens of seconds
// on a small machine, and starting again after a stop should not.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const STAMP = '.build-stamp.json';

/** The server (tsc into dist/) and the console (vite into web/dist/), each with what it is built from. */
export function seawallBuilds() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return [
    {
      name: 'server',
      inputs: ['src', 'tsconfig.json', 'package.json', 'package-lock.json'],
      // Unit tests sit beside the code but are not compiled into dist/.
      ignore: (path) => path.endsWith('.test.ts'),
      outputDir: 'dist',
      command: [process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
    },
    {
      name: 'console',
      inputs: [
        'web/src',
        'web/public',
        'web/index.html',
        'web/vite.config.ts',
        'web/tsconfig.json',
        'web/package.json',
        'package-lock.json',
      ],
      ignore: () => false,
      outputDir: 'web/dist',
      command: [npm, ['run', 'build', '-w', 'web']],
    },
  ];
}

/** Every file under the given paths, sorted, relative to root; missing paths count as empty. */
function filesUnder(root, paths, ignore = () => false) {
  const found = [];
  const pending = paths.map((path) => join(root, path));
  while (pending.length > 0) {
    const path = pending.pop();
    if (!existsSync(path)) continue;
    const stat = lstatSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
    else if (stat.isFile() && !ignore(path)) found.push(relative(root, path));
  }
  return found.sort();
}

/** Sources by content, so a checkout that only touches mtimes does not rebuild. */
function sourcesHash(root, build) {
  const hash = createHash('sha256');
  for (const file of filesUnder(root, build.inputs, build.ignore)) {
    hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Outputs by name, size and mtime: enough to see that another build (npm run build) rewrote them. */
function outputsHash(root, build) {
  const hash = createHash('sha256');
  for (const file of filesUnder(root, [build.outputDir])) {
    if (file.endsWith(STAMP)) continue;
    const stat = lstatSync(join(root, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  return hash.digest('hex');
}

function readStamp(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs each build whose sources or outputs changed since its last successful run here, recorded in a stamp
 * file in its output directory. Answers the names it built; throws if a build fails.
 */
export function buildIfNeeded(root, builds, log = () => {}) {
  const built = [];
  for (const build of builds) {
    const stampPath = join(root, build.outputDir, STAMP);
    const sources = sourcesHash(root, build);
    const stamp = readStamp(stampPath);
    if (stamp?.sources === sources && stamp.outputs === outputsHash(root, build)) continue;
    log(`building the ${build.name} (its sources changed since the last build)…`);
    const [command, args] = build.command;
    const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      const why = result.error?.message ?? `exit ${result.status}`;
      throw new Error(`building the ${build.name} failed (${why})`);
    }
    writeFileSync(stampPath, `${JSON.stringify({ sources, outputs: outputsHash(root, build) })}\n`);
    built.push(build.name);
  }
  return built;
}
