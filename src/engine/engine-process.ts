import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type {
  EngineErrorKind,
  EngineParam,
  EngineReply,
  EngineRequest,
  ResultLimits,
  StreamOpened,
  StreamPage,
} from './protocol.js';
import type { ColumnInfo } from './result-format.js';

/** How long an interrupted request may take to give up before its engine is killed. */
const INTERRUPT_GRACE_MS = 2000;
/** Small results (metadata, sniffing, counts) stay well below this unless asked otherwise. */
const DEFAULT_ROWS_LIMIT = 8 * 2 ** 20;

/**
 * Why engine work failed. `engine`: DuckDB's own error (bad SQL, unreadable data); `limit`: a result over
 * its limits; `interrupted`: stopped on request; `crashed`: the engine process died (a hostile file can do
 * that, and only the engine goes down); `memory`: the engine went over its memory and was stopped.
 */
export type EngineFailureKind = EngineErrorKind | 'crashed' | 'memory';

export class EngineFailure extends Error {
  override readonly name = 'EngineFailure';
  constructor(
    message: string,
    readonly kind: EngineFailureKind,
  ) {
    super(message);
  }
}

export type StopReason = 'memory' | 'unresponsive' | 'closed';

/** A result being read: its columns, then pages of Athena-style CSV lines. */
export interface EngineResult extends AsyncIterable<Buffer> {
  readonly columns: ColumnInfo[];
  /** Rows read so far. */
  readonly rows: number;
  /** Ends the result in the engine, if it is still open (a consumer that never read it must call this). */
  close(): Promise<void>;
}

/** A request before it is numbered (Omit distributed over the union). */
type Unsent = EngineRequest extends infer R ? (R extends EngineRequest ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The server's handle on one engine worker process (see worker.ts). */
export class EngineProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopReason: StopReason | undefined;
  private stderrTail = '';
  private ended = false;
  private refusedOverLimit = false;
  /** Resolves once the process has exited (or never started), with why. */
  readonly exited: Promise<EngineFailure>;

  constructor(
    private readonly child: ChildProcess,
    /** DuckDB's memory_limit in this engine. */
    readonly memoryLimitMb: number,
  ) {
    child.on('message', (message: EngineReply) => this.settle(message));
    child.stderr?.on('data', (data: Buffer) => {
      this.stderrTail = (this.stderrTail + data.toString()).slice(-4096);
    });
    this.exited = new Promise((resolve) => {
      const end = (failure: EngineFailure) => {
        if (this.ended) return;
        this.ended = true;
        for (const pending of this.pending.values()) pending.reject(failure);
        this.pending.clear();
        resolve(failure);
      };
      child.once('exit', (code, signal) => end(this.failureOfExit(code, signal)));
      // A process that could not be started (EAGAIN, EMFILE) never exits; a closed channel is followed by the
      // exit. Either way the error must be handled here, or it would end the server.
      child.on('error', (error) => {
        if (child.pid === undefined)
          end(new EngineFailure(`The engine could not be started: ${error.message}`, 'crashed'));
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /**
   * Bytes the engine process has read from files so far (Linux's `rchar` of /proc/PID/io: its read and pread
   * calls, page cache included; its requests come over a socket, which `rchar` does not count), or undefined
   * where the system does not say. Read synchronously: procfs answers from the kernel's counters in
   * microseconds, while an asynchronous read is four trips through the thread pool, each waiting its turn on a
   * busy server (milliseconds per query, twice per query).
   */
  async bytesRead(): Promise<number | undefined> {
    try {
      const io = readFileSync(`/proc/${this.child.pid}/io`, 'utf8');
      const match = /^rchar:\s*(\d+)$/m.exec(io);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The process's resident memory in MiB (VmRSS of Linux's /proc/PID/status, in kB whatever the page size), or
   * undefined where the system does not say or once the process has ended (its pid may be another's by then).
   * Read synchronously, as `bytesRead` is.
   */
  residentMb(): number | undefined {
    if (!this.alive) return undefined;
    try {
      const match = /^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Whether a request of this engine failed on a result limit (a row too large to return): the engine built what
   * it refused and may still hold it, or go on growing; it is not given other work (see the query engine pool).
   */
  get spent(): boolean {
    return this.refusedOverLimit;
  }

  get alive(): boolean {
    return !this.ended && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the worker printed last (for the server's log, never for users: it may name engine paths). */
  get stderr(): string {
    return this.stderrTail;
  }

  private failureOfExit(code: number | null, signal: NodeJS.Signals | null): EngineFailure {
    if (this.stopReason === 'memory' || /heap out of memory|Allocation failed/i.test(this.stderrTail)) {
      return new EngineFailure(
        `Query exhausted resources at this scale factor: the engine used more than its ${this.memoryLimitMb} MB of memory.`,
        'memory',
      );
    }
    if (this.stopReason === 'closed') return new EngineFailure('The engine was shut down.', 'interrupted');
    if (this.stopReason === 'unresponsive')
      return new EngineFailure('The engine did not stop when asked and was ended.', 'interrupted');
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    return new EngineFailure(
      `The engine stopped unexpectedly (${how}); a malformed or hostile input file can cause this.`,
      'crashed',
    );
  }

  private settle(reply: EngineReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      pending.resolve(reply.result);
      return;
    }
    // Noted from the reply itself, whatever error the caller is shown (a cancellation may take its place).
    if (reply.error.kind === 'limit') this.refusedOverLimit = true;
    pending.reject(new EngineFailure(reply.error.message, reply.error.kind));
  }

  private send<T>(request: Unsent, id = this.nextId++): Promise<T> {
    if (!this.alive) return Promise.reject(new EngineFailure('The engine is not running.', 'crashed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id } as EngineRequest, (error) => {
        if (error && this.pending.delete(id)) reject(new EngineFailure(error.message, 'crashed'));
      });
    });
  }

  /**
   * Sends a request that `signal` may interrupt: the engine is asked to interrupt the work of `target`, and
   * killed if it has not given up within a grace period. The promise then rejects with the signal's reason.
   */
  private interruptible<T>(request: Unsent, signal: AbortSignal | undefined, target?: number): Promise<T> {
    signal?.throwIfAborted();
    const id = this.nextId++;
    const sent = this.send<T>(request, id);
    if (!signal) return sent;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // The engine may be gone already (its exit then fails the request); nothing to report here.
      if (this.alive)
        this.child.send(
          { id: this.nextId++, op: 'interrupt', target: target ?? id } satisfies EngineRequest,
          () => {},
        );
      timer = setTimeout(() => this.stop('unresponsive'), INTERRUPT_GRACE_MS);
      timer.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return sent
      .catch((error: unknown) => {
        throw signal.aborted ? signal.reason : error;
      })
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      });
  }

  /** Creates the engine's DuckDB instance and runs its setup statements. */
  open(settings: Record<string, string>, setup: string[]): Promise<void> {
    return this.send({ op: 'open', settings, setup });
  }

  /** Runs SQL and returns its rows as JSON-friendly objects; for small results only (bounded). */
  rows(
    sql: string,
    options: { params?: EngineParam[]; limitBytes?: number; signal?: AbortSignal } = {},
  ): Promise<Record<string, unknown>[]> {
    return this.interruptible(
      { op: 'rows', sql, params: options.params ?? [], limitBytes: options.limitBytes ?? DEFAULT_ROWS_LIMIT },
      options.signal,
    );
  }

  /**
   * Runs SQL and reads its result as pages of CSV lines, one page at a time as the consumer asks. The first
   * page comes with the columns and the last says it is the last, so a result of one page costs one request.
   */
  async stream(sql: string, options: { limits: ResultLimits; signal?: AbortSignal }): Promise<EngineResult> {
    const opened = await this.interruptible<StreamOpened>(
      { op: 'stream', sql, limits: options.limits },
      options.signal,
    );
    const engine = this;
    let rows = 0;
    // The worker closes an exhausted result itself.
    let open = !opened.first.last;
    const close = async () => {
      if (!open) return;
      open = false;
      if (engine.alive)
        await engine.send({ op: 'close-stream', stream: opened.stream }).catch(() => undefined);
    };
    return {
      columns: opened.columns,
      get rows() {
        return rows;
      },
      close,
      async *[Symbol.asyncIterator]() {
        try {
          let page = opened.first;
          for (;;) {
            if (page.last) open = false;
            rows += page.rows;
            if (page.data.byteLength > 0)
              yield Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength);
            if (page.last) return;
            page = await engine.interruptible<StreamPage>(
              { op: 'next', stream: opened.stream },
              options.signal,
              opened.stream,
            );
          }
        } finally {
          await close();
        }
      },
    };
  }

  /** Ends the process; pending work fails with a failure saying why. */
  stop(reason: StopReason): void {
    if (!this.alive) return;
    this.stopReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Lets the worker exit on its own (it exits when disconnected), killing it if it lingers. */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.stopReason ??= 'closed';
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), INTERRUPT_GRACE_MS);
    timer.unref();
    await this.exited;
    clearTimeout(timer);
  }
}
