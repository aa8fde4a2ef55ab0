import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * A package a bench compares Seawall with, kept out of the project's dependency tree: installed on first use
 * into a cache directory of its own (XDG_CACHE_HOME, else ~/.cache, `seawall-bench/`), so that its own
 * dependencies (s3rver's pull in packages with known advisories: busboy's dicer, fast-xml-parser 3) are never
 * installed with the project, nor counted by `npm audit`. Answers the path to require it by.
 */
export function peerPackage(name: string, version: string): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const prefix = join(cache, 'seawall-bench', `${name}-${version}`);
  const entry = join(prefix, 'node_modules', name);
  if (existsSync(join(entry, 'package.json'))) return entry;
  console.log(`  installing ${name}@${version}, the bench's peer, into ${prefix}`);
  const installed = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      `${name}@${version}`,
    ],
    { encoding: 'utf8' },
  );
  if (installed.status !== 0) throw new Error(`could not install ${name}@${version}: ${installed.stderr}`);
  return entry;
}
