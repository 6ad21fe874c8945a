import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DatasetPlugin, DiffBattError, isDiffBattError } from '@diffbatt/core';
import { type } from 'arktype';
import { describeModule, type ModuleOrigin } from './plugin-origin.js';
import { resolvePackageEntry } from './plugin-package.js';
import { thrownMessage } from './thrown-message.js';

/** The `DatasetPlugin` specification this CLI reads (core's interface fixes it; tsc fails here if it moves). */
const SPECIFICATION_VERSION: DatasetPlugin['specificationVersion'] = 1;

/** `DatasetPlugin` as far as it can be checked at run time. */
const pluginShape = type({
  id: 'string > 0',
  description: 'string',
  recognises: 'string',
  detect: 'Function',
  'claims?': 'Function',
  load: 'Function',
});

/** The file `specifier` names from `base`: a path (`./`, `../`, absolute, `file:`) or a package name. */
function moduleFile(specifier: string, base: string): string {
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  if (!isAbsolute(specifier) && !/^\.\.?[\\/]/.test(specifier)) return resolvePackageEntry(specifier, base);
  const file = resolve(base, specifier);
  if (!existsSync(file)) throw new DiffBattError(`no such file: ${file}`);
  return file;
}

/** Its default export, or without one every export whose name ends in `DatasetPlugin`. */
function pluginExports(namespace: Record<string, unknown>): [name: string, value: unknown][] {
  if (namespace['default'] !== undefined) return [['default', namespace['default']]];
  return Object.entries(namespace).filter(([name]) => name.endsWith('DatasetPlugin'));
}

/** Why `value` is not a plugin this CLI can use (the specification version first), or null. */
function pluginProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null)
    return `is not a dataset plugin object (was ${typeof value})`;
  const version = (value as { specificationVersion?: unknown }).specificationVersion;
  if (version === undefined) {
    return `has no specificationVersion; this diffbatt reads dataset plugins of specification ${SPECIFICATION_VERSION}`;
  }
  if (version !== SPECIFICATION_VERSION) {
    return `implements dataset plugin specification ${JSON.stringify(version)}; this diffbatt reads specification ${SPECIFICATION_VERSION}`;
  }
  const shape = pluginShape(value);
  return shape instanceof type.errors
    ? `is not a dataset plugin: ${shape[0]?.message ?? shape.summary}`
    : null;
}

/**
 * The dataset plugins of the module `origin.module` (a path relative to `base`, or a package name found
 * from `base`). Anything wrong (not found, throws on import, no plugin export, wrong shape or specification)
 * is a one-line DiffBattError naming the module and who named it.
 */
export async function importPluginModule(base: string, origin: ModuleOrigin): Promise<DatasetPlugin[]> {
  const fail = (problem: string) => new DiffBattError(`${describeModule(origin)}: ${problem}`);
  let file: string;
  try {
    file = moduleFile(origin.module, base);
  } catch (error) {
    throw fail(`cannot find it: ${isDiffBattError(error) ? error.message : thrownMessage(error)}`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(pathToFileURL(file).href);
  } catch (error) {
    throw fail(`throws on import: ${thrownMessage(error)}`);
  }
  const exports = pluginExports(namespace);
  if (exports.length === 0) {
    throw fail('exports no dataset plugin (a default export, or named exports ending in DatasetPlugin)');
  }
  return exports.map(([name, value]) => {
    const problem = pluginProblem(value);
    if (problem !== null) throw fail(`export "${name}" ${problem}`);
    return value as DatasetPlugin;
  });
}
