import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DiffBattError } from '@diffbatt/core';

/** The conditions Node's `import` matches in a package's `exports`. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/** `@scope/name/sub` -> [`@scope/name`, `./sub`]; `name` -> [`name`, `.`]. */
function splitSpecifier(specifier: string): [name: string, subpath: string] {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return [parts.slice(0, length).join('/'), rest === '' ? '.' : `./${rest}`];
}

/** The target of the first condition `import` matches, as Node picks it (object order, arrays in turn). */
function conditionalTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  const options = Array.isArray(target)
    ? target
    : typeof target === 'object' && target !== null
      ? Object.entries(target)
          .filter(([condition]) => IMPORT_CONDITIONS.has(condition))
          .map(([, value]) => value)
      : [];
  for (const option of options) {
    const found = conditionalTarget(option);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The file `subpath` names in a package (its `exports`, else `main` or the path itself). */
function packageTarget(manifest: { exports?: unknown; main?: unknown }, subpath: string): string | undefined {
  const { exports } = manifest;
  if (exports === undefined) {
    return subpath === '.' ? (typeof manifest.main === 'string' ? manifest.main : 'index.js') : subpath;
  }
  const bySubpath =
    typeof exports === 'object' &&
    exports !== null &&
    Object.keys(exports).some((key) => key.startsWith('.'));
  if (bySubpath) return conditionalTarget((exports as Record<string, unknown>)[subpath]);
  return subpath === '.' ? conditionalTarget(exports) : undefined;
}

/**
 * The file that importing the package `specifier` from a module in `dir` loads: `node_modules` searched
 * upwards, then the package's `exports` (exact subpaths; no `*` patterns) or `main`. Node 20 cannot resolve
 * from another folder without a flag, and `require.resolve` misses packages that export only `import`.
 */
export function resolvePackageEntry(specifier: string, dir: string): string {
  const [name, subpath] = splitSpecifier(specifier);
  for (let folder = resolve(dir); ; folder = dirname(folder)) {
    const root = join(folder, 'node_modules', name);
    const manifestFile = join(root, 'package.json');
    if (existsSync(manifestFile)) {
      const target = packageTarget(JSON.parse(readFileSync(manifestFile, 'utf8')), subpath);
      if (target === undefined) {
        throw new DiffBattError(`package "${name}" exports no "${subpath}" for import`, { file: root });
      }
      return join(root, target);
    }
    if (dirname(folder) === folder) break;
  }
  const hint = /\.[cm]?js$/.test(specifier) ? ` (a file path starts with ./ or /)` : '';
  throw new DiffBattError(`no package "${name}" in node_modules of ${dir} or above${hint}`);
}
