import { resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiffBattError } from '@diffbatt/core';
import { resolve } from 'import-meta-resolve';

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * The URL that importing the package `specifier` from a module in `dir` loads, as Node resolves it
 * (`node_modules` upwards, `exports` with the `node`/`import` conditions, else `main`). Node 20's own
 * `import.meta.resolve` cannot take another folder as the parent, hence the ponyfill.
 */
export function resolvePackageEntry(specifier: string, dir: string): string {
  const folder = resolvePath(dir);
  try {
    return resolve(specifier, pathToFileURL(folder.endsWith(sep) ? folder : `${folder}${sep}`).href);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const name = packageName(specifier);
    // The same code also means a package without an entry file; only a missing package gets the hint.
    if (code === 'ERR_MODULE_NOT_FOUND' && message.startsWith(`Cannot find package '${name}' `)) {
      const hint = /\.[cm]?js$/.test(specifier) ? ' (a file path starts with ./ or /)' : '';
      throw new DiffBattError(`no package "${name}" in node_modules of ${dir} or above${hint}`);
    }
    throw new DiffBattError(String(message).split('\n')[0]!);
  }
}
