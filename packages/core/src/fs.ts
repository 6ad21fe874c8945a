import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DiffBattError } from './errors.js';

/**
 * Writes a file so that a reader (or a killed run) sees either the old content or the new one, never a
 * partial file: write to a temporary file beside it, flush it to disk, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const directory = dirname(path);
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new DiffBattError(`cannot create output directory: ${(error as NodeJS.ErrnoException).code}`, {
      file: directory,
    });
  }
  const temporary = join(directory, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC' || code === 'EPERM') {
      throw new DiffBattError(`cannot write: ${code}`, { file: path });
    }
    throw error;
  }
}
