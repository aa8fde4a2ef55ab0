#!/usr/bin/env node
// Everything Seawall creates is private to this user (files 0600, directories 0700): the data directory holds
// the root key, secrets and every object's bytes. Set before anything is created, SQLite's files included.
process.umask(0o077);
// fsync and file reads run on libuv's thread pool; four threads (the default) leave concurrent uploads
// queueing behind each other's fsyncs. Must be set before the pool is first used.
process.env.UV_THREADPOOL_SIZE ??= '16';
// The AWS SDK warns on every start that future releases will need Node 22; Seawall pins its SDK versions.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
