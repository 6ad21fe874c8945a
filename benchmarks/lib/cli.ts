/** Running the diffbatt CLI from the workspace sources in a child process, as the benchmarks do. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPOSITORY_ROOT } from './results.js';

/**
 * The node arguments (after `process.execPath`) that run `diffbatt <args>` from the sources. `peakRss`
 * preloads benchmarks/io/peak-rss.ts, which writes the process's own peak RSS to the file named by
 * DIFFBATT_PEAK_RSS_FILE when it exits.
 */
export function diffbattNodeArgs(args: readonly string[], options: { peakRss?: boolean } = {}): string[] {
  return [
    '--conditions=@diffbatt/source',
    '--import',
    'tsx',
    ...(options.peakRss
      ? ['--import', pathToFileURL(join(REPOSITORY_ROOT, 'benchmarks', 'io', 'peak-rss.ts')).href]
      : []),
    join(REPOSITORY_ROOT, 'apps', 'cli', 'src', 'bin.ts'),
    ...args,
  ];
}
