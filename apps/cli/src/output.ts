import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { atomicWriteTarget, DiffBattError, writeFileAtomic } from '@diffbatt/core';
import { terminal } from './terminal.js';

/** The output path that means standard output. */
export const STANDARD_OUTPUT = '-';

/**
 * Claims standard output for the one result option given as `-` (human-readable lines then go to
 * stderr, so the result stays parseable); more than one such option is refused.
 */
export function claimStandardOutput(outputs: Record<string, string | undefined>): void {
  const toStdout = Object.entries(outputs).filter(([, path]) => path === STANDARD_OUTPUT);
  if (toStdout.length > 1) {
    throw new DiffBattError(
      `only one output can go to standard output (-), got ${toStdout.map(([option]) => option).join(' and ')}`,
    );
  }
  if (toStdout.length === 1) terminal.reserveStdout();
}

/** Writes a result file atomically, or to standard output for `-`; says where it went (on stderr). */
export async function writeOutput(path: string, text: string, what: string): Promise<void> {
  if (path === STANDARD_OUTPUT) {
    process.stdout.write(text);
    return;
  }
  await writeFileAtomic(path, text);
  terminal.info(`${what} written to ${path}`);
}

/**
 * Fails fast, before minutes of sampling, when an output file could not be written; creates no
 * directory, so a refused run leaves nothing behind.
 */
export async function assertWritable(path: string, option: string): Promise<void> {
  if (path === STANDARD_OUTPUT) return;
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
