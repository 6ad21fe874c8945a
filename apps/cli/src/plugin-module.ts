import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** The URL `specifier` names from `base`: a path (`./`, `../`, absolute, `file:`) or a package name. */
function moduleURL(specifier: string, base: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (!isAbsolute(specifier) && !/^\.\.?[\\/]/.test(specifier)) return resolvePackageEntry(specifier, base);
  const file = resolve(base, specifier);
  if (!existsSync(file)) throw new DiffBattError(`no such file: ${file}`);
  return pathToFileURL(file).href;
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
 * `plugin` with its reads guarded: what its own code throws, other than our one-line errors, becomes one
 * line naming the module and the path it was reading (the fault is in that module, not the CLI, so no
 * stack).
 */
function guarded(plugin: DatasetPlugin, origin: ModuleOrigin): DatasetPlugin {
  const fail = (path: string, error: unknown) =>
    isDiffBattError(error)
      ? error
      : new DiffBattError(`${describeModule(origin)}: throws reading ${path}: ${thrownMessage(error)}`);
  const { claims } = plugin;
  return {
    specificationVersion: plugin.specificationVersion,
    id: plugin.id,
    description: plugin.description,
    recognises: plugin.recognises,
    detect: (path) =>
      Promise.resolve()
        .then(() => plugin.detect(path))
        .catch((error: unknown) => {
          throw fail(path, error);
        }),
    // The registry already treats a throwing `claims` as no claim.
    ...(claims === undefined ? {} : { claims: (path: string) => claims.call(plugin, path) }),
    async *load(path, options) {
      try {
        yield* plugin.load(path, options);
      } catch (error) {
        throw fail(path, error);
      }
    },
  };
}

/**
 * The dataset plugins of the module `origin.module` (a path relative to `base`, or a package name found
 * from `base`). Anything wrong (not found, throws on import, no plugin export, wrong shape or specification)
 * is a one-line DiffBattError naming the module and who named it, and so is what its plugins throw later.
 */
export async function importPluginModule(base: string, origin: ModuleOrigin): Promise<DatasetPlugin[]> {
  const fail = (problem: string) => new DiffBattError(`${describeModule(origin)}: ${problem}`);
  let url: string;
  try {
    url = moduleURL(origin.module, base);
  } catch (error) {
    throw fail(`cannot find it: ${isDiffBattError(error) ? error.message : thrownMessage(error)}`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(url);
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
    return guarded(value as DatasetPlugin, origin);
  });
}
