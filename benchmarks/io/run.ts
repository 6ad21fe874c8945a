/**
 * I/O speed benchmark (`pnpm bench:io`): the dataset-file round trip of a 100-cell split and the CSV
 * parse of a Qdlin-sized numeric table, timings that used to be wall-clock assertions in core's unit
 * tests (a bound that fails on a loaded machine). Inputs are synthetic (seeded random values). Writes
 * benchmarks/results/io.json.
 *
 *   pnpm bench:io [--repeats 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '20' } } });
const [repeats] = numberList(
  'repeats',
  values.repeats,
  (n) => isCount(n) && n > 0,
  'one positive integer',
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
  const file = writeBenchmarkResult({
    id: 'io',
    title: 'I/O speed: dataset files and CSV parsing',
    summary: [
      `Median of ${repeats} runs after one warm-up, on synthetic inputs (seeded random values). ` +
        'These were wall-clock assertions in the unit tests (500 ms and 1000 ms), which failed on a loaded machine.',
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
    ],
    raw: { repeats, datasetMs, csvMs },
    ...benchmarkProvenance(`pnpm bench:io --repeats ${repeats}`, 'none (plain TypeScript)'),
  });
  process.stdout.write(`wrote ${file}\n`);
} finally {
  await rm(directory, { recursive: true, force: true });
}
