import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './fs.js';

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
});
