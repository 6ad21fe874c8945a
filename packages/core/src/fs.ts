import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DiffBattError } from './errors.js';

/**
 * Where an atomic write to `target` may rename its temporary file: `target` itself when it does not exist
 * or is a regular file; the file a symbolic link resolves to (so the link stays a link); refused with one
 * line for a directory, device, FIFO or socket, which a rename would replace with a plain file.
 */
export async function atomicWriteTarget(target: string): Promise<string> {
  let link: Awaited<ReturnType<typeof lstat>>;
  try {
    link = await lstat(target);
  } catch (error) {
    // Absent (or under a non-directory, which creating the directory reports): a new file.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return target;
    throw new DiffBattError(`cannot write: ${code}`, { file: target });
  }
  let path = target;
  let info = link;
  if (link.isSymbolicLink()) {
    try {
      path = await realpath(target);
      info = await stat(path);
    } catch (error) {
      // A dangling link: its target would be created through the link, which rename cannot do.
      throw new DiffBattError(
        `cannot write through a symbolic link whose target is missing (${(error as NodeJS.ErrnoException).code})`,
        { file: target },
      );
    }
  }
  if (info.isFile()) return path;
  const kind = info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO'
      : info.isSocket()
        ? 'a socket'
        : 'a device';
  throw new DiffBattError(`cannot write: the output path is ${kind}, not a regular file`, { file: target });
}

/**
 * Creates `directory` and any missing parents, like `mkdir -p`. Node's own `mkdir({ recursive: true })`
 * never settles under a pseudo file system that refuses new entries (it spins at 100 % CPU on /proc/x),
 * so each missing level is created on its own and the first refusal is reported with one line.
 */
export async function makeDirectory(directory: string): Promise<void> {
  const missing: string[] = [];
  for (let path = resolve(directory); ; path = dirname(path)) {
    try {
      if ((await stat(path)).isDirectory()) break;
      throw new DiffBattError('cannot create output directory: a file is in the way', { file: path });
    } catch (error) {
      if (error instanceof DiffBattError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || dirname(path) === path) {
        throw new DiffBattError(`cannot create output directory: ${code}`, { file: path });
      }
      missing.push(path);
    }
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(path)).isDirectory()) continue; // made meanwhile
      throw new DiffBattError(`cannot create output directory: ${code}`, { file: path });
    }
  }
}

/** Whether process `pid` still runs (signal 0 probes without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files `<stem><pid>-<hex>.tmp` in `directory` left by processes that no longer run. */
async function removeStaleTemporaries(directory: string, stem: string): Promise<void> {
  const pattern = /^(\d+)-[0-9a-f]{12}\.tmp$/;
  for (const entry of await readdir(directory).catch(() => [] as string[])) {
    if (!entry.startsWith(stem)) continue;
    const pid = Number(pattern.exec(entry.slice(stem.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      await rm(join(directory, entry), { force: true });
    }
  }
}

/**
 * Writes a file so that a reader (or a killed run) sees either the old content or the new one, never a
 * partial file: write to a temporary file beside it, flush it to disk, then rename over the target. A
 * temporary file that a killed process left for the same target is removed by the next write.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const path = await atomicWriteTarget(target);
  const directory = dirname(path);
  await makeDirectory(directory);
  const stem = `.${basename(path).slice(0, 100)}.`;
  await removeStaleTemporaries(directory, stem);
  // Named after the target and this process, so that a later write can tell a killed run's leftover
  // from another live writer's file in flight.
  const temporary = join(directory, `${stem}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
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
    // Any file-system refusal (permissions, read-only, full disk, a pseudo file system such as /proc)
    // is the user's path, not a bug: one line naming it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new DiffBattError(`cannot write: ${code}`, { file: path });
    throw error;
  }
}
