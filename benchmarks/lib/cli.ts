/** Running the diffbatt CLI in a child process, as the benchmarks do. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPOSITORY_ROOT } from './results.js';

/** The built CLI (`pnpm build`): the `diffbatt` binary a user installs. */
export const BUILT_CLI = join(REPOSITORY_ROOT, 'apps', 'cli', 'dist', 'bin.js');

/**
 * The node arguments (after `process.execPath`) that run `diffbatt <args>`: from the workspace sources
 * through tsx (default), or `built` from `apps/cli/dist` as a user runs it, without tsx and its transform
 * caches in every thread. `peakRss` preloads benchmarks/io/peak-rss.mjs, which writes the process's own
 * peak RSS to the file named by DIFFBATT_PEAK_RSS_FILE when it exits.
 */
export function diffbattNodeArgs(
  args: readonly string[],
  options: { peakRss?: boolean; built?: boolean } = {},
): string[] {
  const peakRss = options.peakRss
    ? ['--import', pathToFileURL(join(REPOSITORY_ROOT, 'benchmarks', 'io', 'peak-rss.mjs')).href]
    : [];
  if (options.built) return [...peakRss, BUILT_CLI, ...args];
  return [
    '--conditions=@diffbatt/source',
    '--import',
    'tsx',
    ...peakRss,
    join(REPOSITORY_ROOT, 'apps', 'cli', 'src', 'bin.ts'),
    ...args,
  ];
}
