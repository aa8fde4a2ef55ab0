import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Request logs carry chosen fields only (never headers, query strings or bodies), and
 * these paths are redacted as a second line of defence should a secret be logged by mistake.
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
  if (destination && 'file' in destination)
    return pino(options, pino.destination({ dest: destination.file, mkdir: true, sync: false }));
  return destination ? pino(options, destination) : pino(options);
}
