import { execFileSync, spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory, writeFileAtomic } from './fs.js';

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const target = join(dir, 'nested', 'out.json');
    await writeFileAtomic(target, 'first');
    await writeFileAtomic(target, 'second');
    expect(await readFile(target, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'nested'))).toEqual(['out.json']);
  });

  it('reports an output path that cannot be created in one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await writeFile(join(dir, 'file'), '');
    await expect(writeFileAtomic(join(dir, 'file', 'out.json'), 'x')).rejects.toThrow(
      /cannot create output directory/,
    );
  });

  // /proc refuses new entries even to root; Node's recursive mkdir never settles there.
  it.runIf(process.platform === 'linux')(
    'settles with one line under a file system that refuses new files (/proc)',
    async () => {
      await expect(makeDirectory('/proc/diffbatt-never/nested')).rejects.toThrow(
        /^\/proc\/diffbatt-never: cannot create output directory: ENOENT$/,
      );
      await expect(writeFileAtomic('/proc/diffbatt-never.json', 'x')).rejects.toThrow(
        /^\/proc\/diffbatt-never\.json: cannot write: ENOENT$/,
      );
    },
  );

  it("removes a killed writer's temporary file for the same target, never a live writer's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // a process that has exited
    const stale = `.out.json.${dead}-0123456789ab.tmp`;
    const live = `.out.json.${process.ppid}-0123456789ab.tmp`;
    const other = `.other.json.${dead}-0123456789ab.tmp`;
    for (const name of [stale, live, other]) await writeFile(join(dir, name), 'partial');
    await writeFileAtomic(join(dir, 'out.json'), 'done');
    expect((await readdir(dir)).sort()).toEqual([live, other, 'out.json'].sort());
  });

  it('creates every missing level and accepts one that exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(join(dir, 'a', 'b'));
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c']);
  });

  it('writes through a symbolic link and leaves the link a link (as --json /dev/stdout must)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await writeFile(join(dir, 'real.json'), 'old');
    await symlink(join(dir, 'real.json'), join(dir, 'link.json'));
    await writeFileAtomic(join(dir, 'link.json'), 'new');
    expect((await lstat(join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'link.json'))).toBe(join(dir, 'real.json'));
    expect(await readFile(join(dir, 'real.json'), 'utf8')).toBe('new');
    expect((await readdir(dir)).sort()).toEqual(['link.json', 'real.json']);
  });

  it('refuses a directory, a FIFO and a dangling link in one line, leaving them as they were', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await mkdir(join(dir, 'folder'));
    await expect(writeFileAtomic(join(dir, 'folder'), 'x')).rejects.toThrow(
      /folder: cannot write: the output path is a directory, not a regular file/,
    );
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await expect(writeFileAtomic(join(dir, 'pipe'), 'x')).rejects.toThrow(/the output path is a FIFO/);
    expect((await lstat(join(dir, 'pipe'))).isFIFO()).toBe(true);
    await symlink(join(dir, 'missing'), join(dir, 'dangling'));
    await expect(writeFileAtomic(join(dir, 'dangling'), 'x')).rejects.toThrow(/target is missing/);
    expect((await readdir(dir)).sort()).toEqual(['dangling', 'folder', 'pipe']);
  });
});
