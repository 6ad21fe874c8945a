import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiffBattError } from '@diffbatt/core';
import { type } from 'arktype';
import { readJsonFile } from './json-file.js';
import { thrownMessage } from './thrown-message.js';

/** The config files looked for in the working directory; at most one may exist. */
const CONFIG_FILE_NAMES = ['diffbatt.config.json', 'diffbatt.config.mjs', 'diffbatt.config.js'];

/** Unknown fields are refused, so a misspelt `plugins` is reported instead of silently ignored. */
const configSchema = type({
  /** Package names, or module paths relative to the config file. */
  plugins: type('string > 0').array(),
}).onUndeclaredKey('reject');

export interface PluginConfig {
  /** Absolute path of the config file. */
  file: string;
  plugins: string[];
}

/** The config's object: the JSON, or a `.js`/`.mjs` module's default export. */
async function readConfigValue(file: string): Promise<unknown> {
  if (file.endsWith('.json')) return readJsonFile(file);
  try {
    return (await import(pathToFileURL(file).href)).default;
  } catch (error) {
    throw new DiffBattError(`throws on import: ${thrownMessage(error)}`, { file });
  }
}

/** The `diffbatt.config.*` file in `dir`, validated; null when there is none. */
export async function readPluginConfig(dir: string): Promise<PluginConfig | null> {
  const found = CONFIG_FILE_NAMES.map((name) => join(dir, name)).filter((file) => existsSync(file));
  if (found.length === 0) return null;
  if (found.length > 1) throw new DiffBattError(`${found.join(' and ')}: keep one config file`);
  const file = found[0]!;
  const config = configSchema(await readConfigValue(file));
  if (config instanceof type.errors) {
    const first = config[0]!;
    const field = first.path.length === 0 ? undefined : first.path.stringify();
    const problem =
      first.expected === 'removed' ? 'is not a config field (the config holds "plugins")' : first.problem;
    throw new DiffBattError(problem, { file, ...(field === undefined ? {} : { field }) });
  }
  return { file, plugins: config.plugins };
}
