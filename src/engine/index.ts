/**
 * The engine host: DuckDB runs in worker processes, so engine work over user files (queries, crawler sniffing,
 * recipe jobs) can fail, run out of memory or crash without taking the server with it.
 */
export {
  EngineFailure,
  type EngineFailureKind,
  type EngineProcess,
  type EngineResult,
} from './engine-process.js';
export { createEngineLauncher, type EngineLauncher, type EngineSpec, overgrownMb } from './launcher.js';
export type { EngineParam, ResultLimits } from './protocol.js';
export { athenaColumn, type ColumnInfo, csvField } from './result-format.js';
export { reusableEngine, type Scratch, type StartedEngine, startEngine } from './reusable-engine.js';
