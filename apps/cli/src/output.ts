import { randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
  const refuse = (why: string) => new DiffBattError(`cannot write ${option} output: ${why}`, { file: path });
  // Walk up to the first directory that exists: a file must be creatable there (permission bits alone do
  // not say so: root may "write" /proc, where no file can be created).
  for (;;) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw refuse(code === 'EACCES' ? 'permission denied' : String(code));
      const parent = dirname(directory);
      if (parent === directory) throw refuse('no existing directory above it');
      directory = parent;
      continue;
    }
    if (!info.isDirectory()) throw refuse(`${directory} is not a directory`);
    const probe = join(directory, `.diffbatt-probe-${randomBytes(6).toString('hex')}`);
    try {
      await (await open(probe, 'wx')).close();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw refuse(
        `no file can be created in ${directory} (${code === 'EACCES' ? 'permission denied' : code})`,
      );
    }
    await rm(probe, { force: true });
    return;
  }
}
