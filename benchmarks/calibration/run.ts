/**
 * Calibrated life intervals on pooled test cells (issue 19), with no test data in the calibration.
 *
 *   pnpm bench:calibration --model bundled=packages/model-matr1/model --model released=<dir>
 *                          [--seeds 0,1,2] [--samples 8] [--workers <n>]
 *
 * Every model must have been trained on MATR-1 training cells only (the bundled model; the released
 * matr_1 weights after `diffbatt import`). The calibration cells are the CLO test cells that are none of
 * MATR-1 train, MATR-1 test or MATR-2 test (content hash and near-duplicate rules of
 * @diffbatt/datasets-diffbatt): the same cell type and lab, cycled on other protocols, never trained on
 * and never reported. Per model and seed, @diffbatt/pipeline's calibrateLifeIntervals fits split-conformal
 * margins on them (DPM-Solver++ 20, x0 clipped, w = 0), and the MATR-1 and MATR-2 test cells are sampled
 * the same way (other seeds) and scored by @diffbatt/eval with and without the calibration: coverage of
 * the 50/80/95 % intervals per split and pooled, and CRPS of the sampled lives.
 * Writes benchmarks/results/calibration-matr.json (rendered by `pnpm bench:report`).
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../packages/core/src/backend.js';
import type { ModelSample } from '../../packages/core/src/index.js';
import { readDiffBattSplit, selectLeakageFree } from '../../packages/datasets-diffbatt/src/index.js';
import { deriveSeed } from '../../packages/diffusion/src/index.js';
import {
  DEFAULT_INTERVAL_LEVELS,
  type LifeIntervalCalibration,
  scoreSohCurves,
} from '../../packages/eval/src/index.js';
import { calibrateLifeIntervals, generateCurves } from '../../packages/pipeline/src/index.js';
import { loadDiffBattModel } from '../../packages/unet/src/index.js';
import { fail, isCount, numberList } from '../lib/args.js';
import { meetsCoverageTarget } from '../lib/coverage-target.js';
import { benchmarkProvenance, meanAndSpread, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const args = process.argv.slice(2);
const { values } = parseArgs({
  args,
  options: {
    model: { type: 'string', multiple: true },
    seeds: { type: 'string', default: '0,1,2' },
    samples: { type: 'string', default: '8' },
    workers: { type: 'string' },
  },
});
const models = (values.model ?? []).map((spec) => {
  const at = spec.indexOf('=');
  if (at <= 0) fail(`--model takes <label>=<model directory>, got '${spec}'`);
  return { label: spec.slice(0, at), directory: resolve(spec.slice(at + 1)) };
});
if (models.length === 0) fail('give at least one --model <label>=<model directory>');
const seeds = numberList('seeds', values.seeds, isCount, 'integers >= 0');
const samplesPerCell = Number(values.samples);
const workers = values.workers === undefined ? undefined : Number(values.workers);
if (!(Number.isInteger(samplesPerCell) && samplesPerCell >= 2)) fail('--samples: an integer >= 2');

const shared = resolve(process.env.DIFFBATT_SHARED ?? join(REPOSITORY_ROOT, '..', 'shared'));
const dataDirectory = join(shared, 'data', 'diffbatt', 'data');
if (!existsSync(dataDirectory)) fail(`needs the original splits at ${dataDirectory} (set DIFFBATT_SHARED)`);
const split = (part: string) => readDiffBattSplit(join(dataDirectory, `${part}_ds`));
const [matr1Train, matr1Test, matr2Test, cloTest] = await Promise.all(
  ['matr_1_train', 'matr_1_test', 'matr_2_test', 'clo_test'].map(split),
);
const calibration = selectLeakageFree(cloTest!, [...matr1Train!, ...matr1Test!, ...matr2Test!]);
const calibrationCells = calibration.kept.map((entry) => entry.sample);
const testSplits = [
  { name: 'MATR-1 test', cells: matr1Test! },
  { name: 'MATR-2 test', cells: matr2Test! },
];
const backend = (await selectBackend()).backend;
const sampler = { kind: 'dpm-solver++', steps: 20, clipSample: { min: -1, max: 1 } } as const;
const levels = DEFAULT_INTERVAL_LEVELS;

interface Coverage {
  split: string;
  cells: number;
  crps: number;
  before: number[];
  after: number[];
}
const runs: { model: string; seed: number; margins: number[]; coverage: Coverage[] }[] = [];

function coverageOf(
  name: string,
  cells: readonly ModelSample[],
  curves: Float32Array[][],
  lifeCalibration: LifeIntervalCalibration,
): Coverage {
  const scores = scoreSohCurves(
    { reference: cells.map((c) => c.sohCurve), generated: curves, cellIds: cells.map((c) => c.cellId) },
    { lifeCalibration, intervalLevels: levels },
  );
  const calibrated = scores.rulSamplesCalibrated!.intervals;
  return {
    split: name,
    cells: cells.length,
    crps: scores.rulSamples.crps,
    before: calibrated.map((i) => i.uncalibratedCoverage),
    after: calibrated.map((i) => i.coverage),
  };
}

for (const { label, directory } of models) {
  const { model, config } = await loadDiffBattModel(directory);
  for (const seed of seeds) {
    const common = {
      model,
      config,
      samplesPerCell,
      sampler,
      guidanceWeight: 0,
      ...(workers === undefined ? {} : { workers }),
    };
    const fitted = await calibrateLifeIntervals({
      ...common,
      seed: deriveSeed(seed, 0xca1),
      cells: calibrationCells,
      levels,
      trainingCellIds: [],
    });
    const perSplit: { name: string; cells: ModelSample[]; curves: Float32Array[][] }[] = [];
    for (const [index, { name, cells }] of testSplits.entries()) {
      const curves = await generateCurves({
        ...common,
        seed: deriveSeed(seed, 0x7e5 + index),
        conditions: cells.map((c) => c.capacityMatrix),
      });
      perSplit.push({ name, cells, curves });
    }
    const coverage = perSplit.map(({ name, cells, curves }) =>
      coverageOf(name, cells, curves, fitted.calibration),
    );
    coverage.push(
      coverageOf(
        'pooled',
        perSplit.flatMap((s) => s.cells),
        perSplit.flatMap((s) => s.curves),
        fitted.calibration,
      ),
    );
    runs.push({
      model: label,
      seed,
      margins: fitted.calibration.margins.map((m) => m.logMargin),
      coverage,
    });
    console.log(`${label} seed ${seed}: pooled ${JSON.stringify(coverage.at(-1))}`);
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (xs: number[]) => meanAndSpread(xs.map((x) => 100 * x));
const splitNames = [...testSplits.map((s) => s.name), 'pooled'];
const rows: string[][] = [];
const verdicts: string[] = [];
for (const { label } of models) {
  const mine = runs.filter((r) => r.model === label);
  for (const name of splitNames) {
    const of = mine.map((r) => r.coverage.find((c) => c.split === name)!);
    rows.push([
      label,
      name,
      String(of[0]!.cells),
      ...levels.map((_, i) => `${pct(of.map((c) => c.before[i]!))} → ${pct(of.map((c) => c.after[i]!))}`),
      meanAndSpread(of.map((c) => c.crps)),
    ]);
  }
  const pooled = mine.map((r) => r.coverage.find((c) => c.split === 'pooled')!);
  const checked = levels
    .map((level, i) => ({ level, after: mean(pooled.map((c) => c.after[i]!)) }))
    .filter(({ level }) => level >= 0.8);
  const met = meetsCoverageTarget((level) => 100 * checked.find((c) => c.level === level)!.after);
  verdicts.push(
    `${label}: calibrated ${checked.map(({ level, after }) => `${level * 100} % intervals cover ${(100 * after).toFixed(1)} %`).join(', ')} of the pooled test cells: ${met ? 'within' : 'NOT within'} 5 points of nominal (target ${met ? 'met' : 'missed'}).`,
  );
}

const modelList = models.map((m) => `${m.label} (\`${relative(REPOSITORY_ROOT, m.directory)}\`)`).join(', ');
writeBenchmarkResult({
  id: 'calibration-matr',
  title: 'Calibrated life intervals on the pooled MATR-1 and MATR-2 test cells',
  summary: [
    `Models trained on the MATR-1 training cells only: ${modelList}. Calibration cells: the ${calibrationCells.length} CLO test cells that are none of the MATR-1 training, MATR-1 test or MATR-2 test cells (of ${cloTest!.length}; ${calibration.dropped.length} dropped as exact or near duplicates by @diffbatt/datasets-diffbatt's leakage rules): the same commercial cell type cycled on other fast-charging protocols, never trained on and never reported, so the calibration reads no test cell. Per model and seed, split-conformal margins on ln cycle life (\`calibrateLifeIntervals\`) are fitted on them, then the ${matr1Test!.length} MATR-1 and ${matr2Test!.length} MATR-2 test cells are sampled with other seeds and scored with and without them (\`scoreSohCurves({ lifeCalibration })\`). Sampler: DPM-Solver++ 20 steps, x0 clipped, ${samplesPerCell} samples per cell, w = 0. Mean ± sd over seeds ${seeds.join(', ')}.`,
    ...verdicts,
    'CRPS (cycles) is that of the sampled lives; the calibration widens or narrows the intervals only, so it leaves the samples and their CRPS as they are. A calibration carries over only as far as the calibration cells resemble the test cells: CLO protocols are not MATR protocols, which is part of what this measures.',
  ],
  tables: [
    {
      title: 'Coverage of the central life intervals, as sampled → calibrated (%, mean ± sd over seeds)',
      columns: [
        'model',
        'test cells',
        'cells',
        ...levels.map((l) => `${l * 100} % interval`),
        'CRPS (cycles)',
      ],
      rows,
      notes: [
        `Calibration cells: ${calibrationCells.map((c) => c.cellId).join(', ')}.`,
        'A measured life inside the interval, bounds included, counts as covered. Pooled = both test splits as one set of cells.',
      ],
    },
  ],
  raw: { calibrationCells: calibrationCells.map((c) => c.cellId), dropped: calibration.dropped, runs },
  ...benchmarkProvenance(`pnpm bench:calibration ${args.join(' ')}`, backend),
});
