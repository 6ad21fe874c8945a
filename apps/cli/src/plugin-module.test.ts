import { createScratchDirectory, type ScratchDirectory } from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExternalPlugins } from './plugin-setup.js';
import { createRunPlugins } from './plugins.js';

// Broken plugin modules, each named on the command line from a scratch folder.
let dir: ScratchDirectory;
beforeAll(async () => {
  dir = await createScratchDirectory('diffbatt-broken-plugins');
});
afterAll(() => dir.remove());

const plugin = (fields: string) =>
  `export default { specificationVersion: 1, id: 'synthetic-x', description: '', recognises: '', ${fields} };`;
const functions = 'detect: async () => false, async *load() {}';

/** The error of registering the module `specifier` (written from `source` when given) by --plugin-module. */
async function loadError(specifier: string, source?: string): Promise<string> {
  if (source !== undefined) await dir.write(specifier, source);
  try {
    createRunPlugins().useExternal(await loadExternalPlugins(dir.path, specifier));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${specifier} loaded`);
}

describe('a broken plugin module is one line naming it', () => {
  const named = (name: string) => `plugin module "${name}" (named by --plugin-module): `;

  it('throws on import', async () => {
    expect(await loadError('./throws.mjs', "throw new TypeError('synthetic\\nsecond line');")).toBe(
      `${named('./throws.mjs')}throws on import: TypeError: synthetic`,
    );
  });

  it('exports no plugin', async () => {
    expect(await loadError('./empty.mjs', 'export const other = 1;')).toBe(
      `${named('./empty.mjs')}exports no dataset plugin (a default export, or named exports ending in DatasetPlugin)`,
    );
  });

  it('has the wrong shape', async () => {
    expect(await loadError('./shape.mjs', plugin('detect: 1, async *load() {}'))).toBe(
      `${named('./shape.mjs')}export "default" is not a dataset plugin: detect must be a function (was number)`,
    );
  });

  it('implements another specification, or none', async () => {
    const newer = plugin(functions).replace('specificationVersion: 1', 'specificationVersion: 2');
    expect(await loadError('./newer.mjs', newer)).toBe(
      `${named('./newer.mjs')}export "default" implements dataset plugin specification 2; this diffbatt reads specification 1`,
    );
    const unversioned = plugin(functions).replace('specificationVersion: 1,', '');
    expect(await loadError('./unversioned.mjs', unversioned)).toMatch(
      /"default" has no specificationVersion;/,
    );
  });

  it('takes the id of a built-in plugin', async () => {
    const clash = plugin(functions).replace("'synthetic-x'", "'matr'");
    expect(await loadError('./clash.mjs', clash)).toBe(
      `${named('./clash.mjs')}dataset plugin id "matr" is taken (built in)`,
    );
  });

  it('throws something other than our errors while reading a file', async () => {
    const file = await dir.write('cell.synthetic-x', '');
    const read = async (module: string, fields: string) => {
      await dir.write(module, plugin(fields));
      const plugins = createRunPlugins();
      plugins.useExternal(await loadExternalPlugins(dir.path, `./${module}`));
      try {
        for await (const _ of (await plugins.registry.resolve(file)).load(file));
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${module} read ${file}`);
    };
    const detects = "detect: async (path) => path.endsWith('.synthetic-x')";
    expect(
      await read('load.mjs', `${detects}, async *load() { throw new Error('synthetic\\nsecond'); }`),
    ).toBe(`${named('./load.mjs')}throws reading ${file}: Error: synthetic`);
    expect(await read('detect.mjs', "detect: () => { throw 'synthetic'; }, async *load() {}")).toBe(
      `${named('./detect.mjs')}throws reading ${file}: synthetic`,
    );
  });

  it('cannot be found', async () => {
    expect(await loadError('./nowhere.mjs')).toMatch(/cannot find it: no such file: .*nowhere\.mjs$/);
    await dir.write(
      'node_modules/synthetic-require-only/package.json',
      JSON.stringify({ name: 'synthetic-require-only', exports: { require: './index.cjs' } }),
    );
    expect(await loadError('synthetic-require-only')).toMatch(
      /"synthetic-require-only" .*cannot find it: No "exports" main defined in .*package\.json imported from .*$/,
    );
    expect(await loadError('synthetic-missing.mjs')).toMatch(
      /"synthetic-missing.mjs" .*cannot find it: no package "synthetic-missing.mjs" in node_modules of .* or above \(a file path starts with \.\/ or \/\)$/,
    );
  });
});
