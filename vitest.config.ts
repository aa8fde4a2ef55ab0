import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on servers, engines and clients in other processes, so two files run at
    // once even on a two-core machine (Vitest's default there is one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    allowOnly: false,
    // A temporary directory of the run's own, removed when it ends (see test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Files share a worker's module cache: importing the server and the SDKs once per worker rather than once
    // per file saves minutes. Each file starts its own servers in its own temporary directories.
    isolate: false,
  },
});
