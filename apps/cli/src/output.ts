import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { atomicWriteTarget, DiffBattError } from '@diffbatt/core';

/**
 * Fails fast, before minutes of sampling, when an output file could not be written; creates no
 * directory, so a refused run leaves nothing behind.
 */
export async function assertWritable(path: string, option: string): Promise<void> {
  // A directory, FIFO or device is refused now; a symbolic link is checked where it points.
  let directory = dirname(resolve(await atomicWriteTarget(path)));
  // Walk up to the first directory that exists: that one must be writable.
  for (;;) {
    try {
      await access(directory, constants.W_OK);
      if (!(await stat(directory)).isDirectory()) {
        throw new DiffBattError(`cannot write ${option} output: ${directory} is not a directory`, {
          file: path,
        });
      }
      return;
    } catch (error) {
      if (error instanceof DiffBattError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        throw new DiffBattError(
          `cannot write ${option} output: ${code === 'EACCES' ? 'permission denied' : code}`,
          {
            file: path,
          },
        );
      }
      const parent = dirname(directory);
      if (parent === directory) throw new DiffBattError(`cannot write ${option} output`, { file: path });
      directory = parent;
    }
  }
}
