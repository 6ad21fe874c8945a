import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test support (subpath `@diffbatt/core/testing`): where the reference data lives. Integration tests read
 * `../shared` beside the repository (CI has it; a user's clone may not), or `DIFFBATT_SHARED`.
 */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function sharedDir(): string {
  return process.env['DIFFBATT_SHARED'] ?? join(repositoryRoot, '..', 'shared');
}

/** Absolute path of a file under ../shared; throws a clear error when the integration data is missing. */
export function sharedPath(...parts: string[]): string {
  const path = join(sharedDir(), ...parts);
  if (!existsSync(path)) {
    throw new Error(`integration data missing: ${path} (set DIFFBATT_SHARED to the shared/ folder)`);
  }
  return path;
}
