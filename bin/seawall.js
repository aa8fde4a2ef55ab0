#!/usr/bin/env node
// fsync and file reads run on libuv's thread pool; four threads (the default) leave concurrent uploads
// queueing behind each other's fsyncs. Must be set before the pool is first used.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
