import { createScratchDirectory, type ScratchDirectory } from '@diffbatt/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPluginConfig } from './plugin-config.js';

// A folder per test: Node caches a config module by its path.
let dir: ScratchDirectory;
beforeEach(async () => {
  dir = await createScratchDirectory('diffbatt-plugin-config');
});
afterEach(() => dir.remove());

/** The error of reading the config `name` holding `content`, as one line. */
async function configError(name: string, content: string): Promise<string> {
  const file = await dir.write(name, content);
  const error = await readPluginConfig(dir.path).catch((e: Error) => e);
  return (error as Error).message.replace(file, '<config>');
}

describe('diffbatt.config.*', () => {
  it('is optional; in a .mjs file it is the default export', async () => {
    expect(await readPluginConfig(dir.path)).toBeNull();
    const file = await dir.write('diffbatt.config.mjs', "export default { plugins: ['./synthetic.mjs'] };");
    expect(await readPluginConfig(dir.path)).toEqual({ file, plugins: ['./synthetic.mjs'] });
  });

  it('refuses bad JSON in one line naming the file', async () => {
    expect(await configError('diffbatt.config.json', '{ "plugins": [')).toMatch(
      /^<config>: not valid JSON: /,
    );
  });

  it('refuses a wrong field type in one line naming file and field', async () => {
    expect(await configError('diffbatt.config.json', '{ "plugins": ["./a.mjs", 3] }')).toBe(
      '<config>, field "plugins[1]": must be a string (was a number)',
    );
  });

  it('refuses an unknown field, so that a misspelt one is not ignored', async () => {
    expect(await configError('diffbatt.config.json', '{ "plugins": [], "plugin": [] }')).toBe(
      '<config>, field "plugin": is not a config field (the config holds "plugins")',
    );
  });

  it('refuses a module that throws', async () => {
    expect(await configError('diffbatt.config.mjs', "throw new Error('synthetic');")).toBe(
      '<config>: throws on import: Error: synthetic',
    );
  });

  it('refuses two config files', async () => {
    await dir.write('diffbatt.config.mjs', 'export default { plugins: [] };');
    await dir.write('diffbatt.config.json', '{ "plugins": [] }');
    await expect(readPluginConfig(dir.path)).rejects.toThrow(/diffbatt\.config\.mjs: keep one config file$/);
  });
});
