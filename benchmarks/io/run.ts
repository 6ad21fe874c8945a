/**
 * I/O benchmark (`pnpm bench:io`): the dataset-file round trip of a 100-cell split and the CSV parse of
 * a Qdlin-sized numeric table, timings that used to be wall-clock assertions in core's unit tests (a
 * bound that fails on a loaded machine); then the conversion of a large SYNTHETIC Arbin CSV (default
 * 2 GB, in the temp folder, deleted after) by `diffbatt datasets convert` in a child process: file size,
 * rows, wall time and that process's peak RSS (issue 20's target: under 500 MB). Inputs are synthetic.
 * Writes benchmarks/results/io.json.
 *
 *   pnpm bench:io [--repeats 20] [--arbin-gb 2]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ModelSample,
  parseCsv,
  readDatasetFile,
  SeededRandom,
  writeDatasetFile,
} from '../../packages/core/src/index.js';
import { isCount, numberList } from '../lib/args.js';
import { benchmarkProvenance, writeBenchmarkResult } from '../lib/results.js';
import { measureArbinConversion, PEAK_RSS_TARGET_BYTES, SAMPLES_PER_CYCLE } from './arbin-convert.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '20' },
    'arbin-gb': { type: 'string', default: '2' },
  },
});
const [repeats] = numberList(
  'repeats',
  values.repeats,
  (n) => isCount(n) && n > 0,
  'one positive integer',
) as [number];
const [arbinGb] = numberList(
  'arbin-gb',
  values['arbin-gb'],
  (n) => Number.isFinite(n) && n > 0,
  'one positive number',
) as [number];

/** Synthetic model samples of the MATR shape (256-point curve, 100 x 100 capacity matrix). */
function syntheticSamples(count: number): ModelSample[] {
  const random = new SeededRandom(7);
  return Array.from({ length: count }, (_, index) => ({
    cellId: `synthetic-${index}`,
    source: 'bench-io',
    sohCurve: Float32Array.from({ length: 256 }, () => random.uniform() * 2 - 1),
    capacityMatrix: Float32Array.from({ length: 100 * 100 }, () => random.normal() * 0.01),
    capacityMatrixRows: 100,
    synthetic: true,
  }));
}

async function medianMs(run: () => Promise<unknown> | unknown): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const directory = await mkdtemp(join(tmpdir(), 'bench-io-'));
try {
  const samples = syntheticSamples(100);
  const path = join(directory, 'split.dbds');
  const datasetMs = await medianMs(async () => {
    await writeDatasetFile(path, samples);
    await readDatasetFile(path);
  });
  const row = Array.from({ length: 99 }, (_, i) => (1.0123456 + i / 1000).toFixed(8)).join(',');
  const text = Array.from({ length: 1000 }, () => row).join('\n');
  const csvMs = await medianMs(() =>
    parseCsv(text, { file: 'synthetic.csv', header: 'none' }).numberMatrix(),
  );
  process.stdout.write(`converting a ${arbinGb} GB SYNTHETIC Arbin CSV (minutes)\n`);
  const arbin = await measureArbinConversion(arbinGb * 1e9);
  const met = arbin.peakRssBytes < PEAK_RSS_TARGET_BYTES;
  const file = writeBenchmarkResult({
    id: 'io',
    title: 'I/O: dataset files, CSV parsing and a large Arbin CSV',
    summary: [
      `Median of ${repeats} runs after one warm-up, on synthetic inputs (seeded random values). ` +
        'These were wall-clock assertions in the unit tests (500 ms and 1000 ms), which failed on a loaded machine.',
      `Large file: a SYNTHETIC MATR-style Arbin export (15 columns, ${SAMPLES_PER_CYCLE} rows a cycle, a 3C ` +
        'charge and a 4C discharge whose capacity fades), generated in the temp folder, converted once by ' +
        '`diffbatt datasets convert` (from the sources through tsx, plugin detected as a user would run it) ' +
        'in a child process that reports its own peak RSS, then deleted. Target (issue 20): peak RSS under ' +
        `${PEAK_RSS_TARGET_BYTES / 1e6} MB for a 2 GB file; ${met ? 'met' : 'NOT met'} here ` +
        `(${(arbin.peakRssBytes / 1e6).toFixed(0)} MB for ${(arbin.bytes / 1e9).toFixed(2)} GB). The reader ` +
        'streams the file and keeps the samples of the first 128 cycles with a discharge curve (what the ' +
        'capacity matrix reads) and only the capacities of later cycles.',
    ],
    tables: [
      {
        title: 'Median wall time',
        columns: ['workload', 'ms'],
        rows: [
          ['write + read a 100-cell .dbds split (100 x 100 matrices)', datasetMs.toFixed(1)],
          ['parse a 1000 x 99 numeric CSV (a Qdlin file)', csvMs.toFixed(1)],
        ],
      },
      {
        title: `Converting a ${(arbin.bytes / 1e9).toFixed(2)} GB SYNTHETIC Arbin CSV (one run)`,
        columns: [
          'file size',
          'rows',
          'cycles',
          'generate (s)',
          'convert (s)',
          'peak RSS',
          'CLI floor',
          'target',
        ],
        rows: [
          [
            `${(arbin.bytes / 1e9).toFixed(2)} GB`,
            arbin.rows.toLocaleString('en-US'),
            arbin.cycles.toLocaleString('en-US'),
            arbin.generateSeconds.toFixed(0),
            arbin.convertSeconds.toFixed(0),
            `${(arbin.peakRssBytes / 1e6).toFixed(0)} MB`,
            `${(arbin.floorRssBytes / 1e6).toFixed(0)} MB`,
            `< ${PEAK_RSS_TARGET_BYTES / 1e6} MB: ${met ? 'met' : 'NOT met'}`,
          ],
        ],
        notes: [
          'Convert time is the child process from start to exit (Node start-up and tsx compilation included); ' +
            'peak RSS is its `process.resourceUsage().maxRSS`; CLI floor is the same for `diffbatt datasets ' +
            'list` (start-up, tsx and every plugin loaded, no data read), so the conversion itself adds the ' +
            `difference. 1-minute load average at the start: ${arbin.loadAverage.toFixed(2)} on ` +
            `${cpus().length} cores. GB and MB are 10^9 and 10^6 bytes.` +
            (arbin.withCapacityMatrix
              ? ''
              : ' The converted sample has NO capacity matrix: check the generator.'),
        ],
      },
    ],
    raw: { repeats, datasetMs, csvMs, arbin },
    ...benchmarkProvenance(
      `pnpm bench:io --repeats ${repeats} --arbin-gb ${arbinGb}`,
      'none (plain TypeScript)',
    ),
  });
  process.stdout.write(`wrote ${file}\n`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
