// The repository's own files for the check scripts: a walk that skips installed, built and run-output
// folders (which hold no source of ours).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', '.turbo', '.git', 'out', 'runs', 'coverage']);

/** Every file under `dir` whose name matches `name`, outside the skipped folders. */
export function* repositoryFiles(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* repositoryFiles(path, name);
    else if (name.test(entry.name)) yield path;
  }
}
