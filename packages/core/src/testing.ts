import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/** A temporary directory for tests that write small input files. */
export interface ScratchDirectory {
  readonly path: string;
  /** Writes `content` to `relative` (creating parent folders) and returns the absolute path. */
  write(relative: string, content: string | Uint8Array): Promise<string>;
  remove(): Promise<void>;
}

export async function createScratchDirectory(prefix: string): Promise<ScratchDirectory> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return {
    path,
    async write(relative, content) {
      const file = join(path, relative);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
