import { type Logger, pino } from 'pino';

export type { Logger };

/** Receives each log line a logger writes (JSON, newline-terminated), after redaction. */
export type LogTap = (line: string) => void;

const taps = new WeakMap<Logger, Set<LogTap>>();

/**
 * Structured JSON logs. Request logs carry chosen fields only (never headers, query strings or bodies), and
 * these paths are redacted as a second line of defence should a secret be logged by mistake. What a logger
 * writes can also be tapped (CloudWatch Logs keeps Seawall's own logs): a tap sees exactly the written lines.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream | { file: string }): Logger {
  const options = {
    level,
    base: { service: 'seawall' },
    redact: {
      paths: [
        'secret',
        'secretAccessKey',
        '*.secretAccessKey',
        'authorization',
        '*.authorization',
        'headers',
      ],
      censor: '[redacted]',
    },
  };
  const target =
    destination && 'file' in destination
      ? pino.destination({ dest: destination.file, mkdir: true, sync: false })
      : (destination ?? pino.destination(1));
  const sinks = new Set<LogTap>();
  const tee = {
    write(line: string) {
      for (const sink of sinks) sink(line);
      return target.write(line);
    },
    flush(callback?: (error?: Error) => void) {
      const flushable = target as { flush?: (cb?: (error?: Error) => void) => void };
      if (flushable.flush) flushable.flush(callback);
      else callback?.();
    },
  };
  const logger = pino(options, tee);
  taps.set(logger, sinks);
  return logger;
}

/** Calls `tap` with each line `logger` writes from now on (children included); answers the untap. */
export function tapLogger(logger: Logger, tap: LogTap): () => void {
  const sinks = taps.get(logger);
  if (!sinks) return () => {};
  sinks.add(tap);
  return () => sinks.delete(tap);
}
