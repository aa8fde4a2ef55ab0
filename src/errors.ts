/**
 * The one error type domains throw. `code` is the AWS error code clients parse (`NoSuchKey`,
 * `AccessDenied`, `InvalidRequestException`…); the server renders it in the protocol's own shape.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra fields rendered into the error body (S3 XML elements such as `BucketName`, `Key`). */
  readonly fields: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The same failure's name in other protocols, where AWS names it differently (auth failures mostly). */
  readonly protocolCodes: Readonly<{ json?: string; query?: string }>;
  /** The status in the awsJson protocol, where AWS answers another (its AccessDeniedException is a 400). */
  readonly awsJsonStatus: number | undefined;
  /** The message in the JSON and query protocols, where AWS words the same failure otherwise than S3 does. */
  readonly protocolMessage: string | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options: {
      cause?: unknown;
      fields?: Record<string, string>;
      headers?: Record<string, string>;
      protocolCodes?: { json?: string; query?: string };
      awsJsonStatus?: number;
      protocolMessage?: string;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
    this.protocolCodes = options.protocolCodes ?? {};
    this.awsJsonStatus = options.awsJsonStatus;
    this.protocolMessage = options.protocolMessage;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const badRequest = (code: string, message: string, fields?: Record<string, string>): AppError =>
  new AppError(code, 400, message, fields ? { fields } : {});

export const notFound = (code: string, message: string, fields?: Record<string, string>): AppError =>
  new AppError(code, 404, message, fields ? { fields } : {});

export const conflict = (code: string, message: string, fields?: Record<string, string>): AppError =>
  new AppError(code, 409, message, fields ? { fields } : {});

export const internalError = (cause: unknown): AppError =>
  new AppError('InternalError', 500, 'We encountered an internal error. Please try again.', { cause });

/** Errors of a disk that is full or over its quota: the file system's, and SQLite's. */
const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Whether an error, or one that caused it, is a full disk. */
export function isOutOfSpace(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (OUT_OF_SPACE.has(String((cause as { code?: unknown }).code))) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * A full disk, answered as S3 on Outposts answers a write it has no room for (507 InsufficientCapacity): the one
 * failure of the server's own that a client is told plainly, since deleting data or adding space ends it.
 */
export const insufficientCapacity = (cause: unknown): AppError =>
  new AppError(
    'InsufficientCapacity',
    507,
    'Seawall does not have sufficient capacity: its disk is full. Delete objects or versions, or add space, and try again.',
    { cause },
  );

/** Any error as the AppError a client is answered with: a full disk is said; anything else is InternalError. */
export function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return isOutOfSpace(error) ? insufficientCapacity(error) : internalError(error);
}
