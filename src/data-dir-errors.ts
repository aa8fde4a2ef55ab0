/**
 * A problem with the data directory, said in one line with what to do about it: what `seawall` prints when
 * it cannot create, use or lock the directory.
 */
export class DataDirError extends Error {
  override readonly name: string = 'DataDirError';
}

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const CHOOSE = 'choose a directory you can write to with --data-dir';

/** Why creating `dir` failed when the file system refused to make `component` inside `parent`. */
export function cannotCreate(dir: string, parent: string, error: unknown): DataDirError {
  const code = errnoOf(error) ?? 'unknown error';
  const reasons: Record<string, string> = {
    EACCES: `${parent} is not writable`,
    EPERM: `${parent} does not allow new directories`,
    EROFS: `${parent} is on a read-only file system`,
    ENOENT: `${parent} does not allow new directories`,
    ENOTDIR: `${parent} is a file, not a directory`,
    ENOSPC: `the file system of ${parent} is full`,
    EDQUOT: `the disk quota on ${parent} is used up`,
  };
  const reason = reasons[code] ?? `the file system refused to create it in ${parent}`;
  return new DataDirError(`cannot create ${dir}: ${reason} (${code}); ${CHOOSE}`);
}

export function notADirectory(dir: string): DataDirError {
  return new DataDirError(`${dir} is a file, not a directory (EEXIST); ${CHOOSE}`);
}

/** Why a path inside the data directory could not be made private (chmod). */
export function cannotMakePrivate(path: string, error: unknown): DataDirError {
  const code = errnoOf(error) ?? 'unknown error';
  const reason =
    code === 'EPERM'
      ? 'it belongs to another user; run seawall as that user or give the files to this one'
      : code === 'EROFS'
        ? 'the data directory is on a read-only file system'
        : 'the file system refused to change its mode';
  return new DataDirError(`cannot make ${path} private (${code}): ${reason}`);
}
