import { stat } from 'node:fs/promises';
import { DatasetError } from './errors.js';

/**
 * Size in bytes of a file a plugin is about to read, checked first so that a missing path or a directory
 * where a file is expected is one DatasetError naming it (a read would fail later with EISDIR, or on a
 * huge file with an error that names nothing).
 */
export async function inputFileSize(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw fileReadError(error, path);
  }
  if (info.isDirectory()) throw new DatasetError('is a directory, expected a file', { file: path });
  return info.size;
}

/** A file system's refusal to read `file` (ENOENT, EACCES, EIO, ...) as one line naming it. */
export function fileReadError(error: unknown, file: string): DatasetError {
  const code = (error as NodeJS.ErrnoException).code;
  return new DatasetError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`, { file });
}
