import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.js';
import type { DatasetPlugin } from './plugin.js';
import { createDatasetRegistry } from './registry.js';

const plugin = (id: string, suffix: string): DatasetPlugin => ({
  specificationVersion: 1,
  id,
  description: `${id} files`,
  recognises: `*${suffix}`,
  detect: async (path) => path.endsWith(suffix),
  load: async function* () {},
});

describe('dataset registry', () => {
  const registry = createDatasetRegistry([plugin('alpha', '.a'), plugin('beta', '.b')]);

  it('resolves by id and by sniffing a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-'));
    await writeFile(join(dir, 'x.b'), '');
    expect(registry.get('alpha').id).toBe('alpha');
    expect((await registry.resolve(join(dir, 'x.b'))).id).toBe('beta');
    expect((await registry.resolve(join(dir, 'x.b'), 'alpha')).id).toBe('alpha');
  });

  it('names the known plugins for an unknown id or an unrecognised path', async () => {
    expect(() => registry.get('gamma')).toThrow(
      new DatasetError('unknown dataset plugin "gamma"; known: alpha, beta'),
    );
    const dir = await mkdtemp(join(tmpdir(), 'registry-'));
    await writeFile(join(dir, 'x.c'), '');
    await expect(registry.resolve(join(dir, 'x.c'))).rejects.toThrow(
      /no dataset plugin recognises this path; known: alpha, beta/,
    );
  });

  it('names the path that cannot be read', async () => {
    await expect(registry.resolve('/definitely/not/here')).rejects.toThrow(
      '/definitely/not/here: cannot read: no such file or directory',
    );
  });

  it('refuses duplicate ids and foreign specification versions', () => {
    expect(() => createDatasetRegistry([plugin('a', '.a'), plugin('a', '.b')])).toThrow(/share the id "a"/);
    const future = { ...plugin('z', '.z'), specificationVersion: 2 } as unknown as DatasetPlugin;
    expect(() => createDatasetRegistry([future])).toThrow(/specification 2/);
  });
});
