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

  it('hands a path no plugin detects to the one plugin that claims it by name', async () => {
    // gamma detects by content (never here: the file is "damaged") but claims *.g by name.
    const claiming = (id: string, suffix: string): DatasetPlugin => ({
      ...plugin(id, suffix),
      detect: async () => false,
      claims: async (path) => path.endsWith(suffix),
    });
    const throwing: DatasetPlugin = {
      ...plugin('broken', '.x'),
      claims: async () => {
        throw new Error('a claims that throws counts as no');
      },
    };
    const dir = await mkdtemp(join(tmpdir(), 'registry-'));
    for (const name of ['x.g', 'x.h', 'x.c']) await writeFile(join(dir, name), '');
    const withClaims = createDatasetRegistry([
      throwing,
      plugin('alpha', '.a'),
      claiming('gamma', '.g'),
      claiming('eta', '.h'),
      claiming('eta2', '.h'),
    ]);
    expect((await withClaims.resolve(join(dir, 'x.g'))).id).toBe('gamma');
    await expect(withClaims.resolve(join(dir, 'x.h'))).rejects.toThrow(
      /x\.h: named like the input of eta and eta2, but none recognises its content/,
    );
    await expect(withClaims.resolve(join(dir, 'x.c'))).rejects.toThrow(
      /no dataset plugin recognises this path/,
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
