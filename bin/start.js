#!/usr/bin/env node
// `npm start`: says at once what would only fail after a build (Seawall already running on the data
// directory, the port taken by another program), builds only what changed since the last build, then runs
// `seawall` with the same arguments (`demo --data-dir ./data`, plus whatever follows `npm start --`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildIfNeeded, seawallBuilds } from './build-if-needed.js';

// As in seawall.js: the thread-pool size must be set before the checks below first use the pool.
process.env.UV_THREADPOOL_SIZE ??= '16';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

// Runs in a worker: its modules are the last build's, and must not stay in this process's module cache,
// which imports the new build's once building is done.
const PREFLIGHT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module)
  .then(({ preflight }) => (typeof preflight === 'function' ? preflight(workerData.args, process.env) : null))
  .then((problem) => parentPort.postMessage(problem ?? null), () => parentPort.postMessage(null));
`;

/** The checks of the last build, if there is one: a Seawall can only be running from a build. */
function preflight() {
  const module = join(root, 'dist', 'cli', 'preflight.js');
  if (!existsSync(module)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const worker = new Worker(PREFLIGHT_WORKER, {
      eval: true,
      workerData: { module: pathToFileURL(module).href, args },
    });
    worker.once('message', resolve);
    // A last build too old or broken to check: the command itself checks again after building.
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}

async function start() {
  const problem = await preflight();
  if (problem) {
    process.stderr.write(`${problem}\n`);
    return 1;
  }
  try {
    buildIfNeeded(root, seawallBuilds(), (line) => process.stderr.write(`${line}\n`));
  } catch (error) {
    process.stderr.write(`npm start: ${error.message}\n`);
    return 1;
  }
  await import('./seawall.js');
  return undefined;
}

const code = await start();
if (code !== undefined) process.exitCode = code;
