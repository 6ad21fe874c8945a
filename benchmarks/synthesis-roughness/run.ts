/**
 * Roughness of synthetic MATR-1 curves by sampler (issue 18): synthetic curves are 3-6x rougher than
 * measured ones under the default DPM-Solver++ 20 (bench:synthesis), which no feature space of levels
 * and slopes sees but the engineer-v1 smoothness feature does. Is that the sampler or the network? Per
 * model (bundled, released) and seed, `diffbatt synthesize` draws K curves for each of C life-stratified
 * MATR-1 training cells (w = 0) with: DPM-Solver++ at 20 and 100 steps (the probability-flow ODE),
 * DDIM with eta = 1 at 100 steps and DDPM-1000 (stochastic); each set's median smoothness (mean
 * |second difference| of SOH %, @diffbatt/eval's engineerFeatures) is set beside the measured cells', with
 * the share of curves rising above the measured floor (as bench:synthesis) and the sampling cost.
 * Writes benchmarks/results/synthesis-roughness-matr_1.json and re-renders BENCHMARKS.md.
 *
 *   pnpm bench:roughness [--seeds 0,1,2] [--k 2] [--conditions 10] [--models bundled,released]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sohCurveSummary, writeDatasetFile } from '../../packages/core/src/index.js';
import { lifeStratifiedSubsample } from '../../packages/datasets-diffbatt/src/index.js';
import {
  engineerFeatures,
  quantileOfSorted,
  shareAbove,
  sortedFinite,
} from '../../packages/eval/src/index.js';
import { fail, isCount, numberList } from '../lib/args.js';
import {
  readMeasuredSplit,
  SAMPLER,
  type SamplerSetting,
  synthesisModels,
  synthesize,
  TEST,
  TRAIN,
} from '../lib/bundled-matr1.js';
import { benchmarkProvenance, meanAndSpread, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const SAMPLERS: { label: string; setting: SamplerSetting }[] = [
  { label: 'DPM-Solver++ 20 (default)', setting: SAMPLER },
  { label: 'DPM-Solver++ 100', setting: { ...SAMPLER, steps: 100 } },
  { label: 'DDIM 100, eta = 1', setting: { sampler: 'ddim', steps: 100, eta: 1, clip: 'auto' } },
  { label: 'DDPM 1000', setting: { sampler: 'ddpm', clip: 'auto' } },
];
/** The condition cells, written for `diffbatt synthesize --condition` (out/ is not committed). */
const CONDITIONS = 'out/synthesis-roughness/conditions.dbds';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    k: { type: 'string', default: '2' },
    conditions: { type: 'string', default: '10' },
    models: { type: 'string', default: 'bundled,released' },
  },
});
const seeds = numberList('seeds', args.seeds, isCount, 'integers >= 0');
const [k, conditionCount] = [Number(args.k), Number(args.conditions)];
if (!(Number.isInteger(k) && k >= 1)) fail(`--k must be an integer >= 1: ${args.k}`);
const { models } = synthesisModels(args.models);
const [train, test] = [await readMeasuredSplit(TRAIN), await readMeasuredSplit(TEST)];
if (!(Number.isInteger(conditionCount) && conditionCount >= 1 && conditionCount <= train.length)) {
  fail(`--conditions must be an integer in 1..${train.length}: ${args.conditions}`);
}
const life = (curve: ArrayLike<number>) => {
  const { endOfLifeCycle, lastMeasuredCycle } = sohCurveSummary(curve);
  return endOfLifeCycle ?? lastMeasuredCycle;
};
const conditions = lifeStratifiedSubsample(train, (s) => life(s.sohCurve), conditionCount / train.length, 0);
mkdirSync(join(REPOSITORY_ROOT, 'out', 'synthesis-roughness'), { recursive: true });
await writeDatasetFile(join(REPOSITORY_ROOT, CONDITIONS), conditions, {
  source: `${TRAIN}, ${conditionCount} life-stratified cells (seed 0)`,
});

const median = (values: readonly number[]) => quantileOfSorted(sortedFinite(values), 0.5);
const smoothnessOf = (curves: readonly ArrayLike<number>[]) =>
  median(curves.map((c) => engineerFeatures(c).smoothness));
// As bench:synthesis: the largest rise any measured test cell's curve holds is the noise real curves show.
const riseFloor = Math.max(...test.map((cell) => engineerFeatures(cell.sohCurve).largestRise));
const measured = {
  test: smoothnessOf(test.map((s) => s.sohCurve)),
  train: smoothnessOf(train.map((s) => s.sohCurve)),
  conditions: smoothnessOf(conditions.map((s) => s.sohCurve)),
};

interface Run {
  model: string;
  sampler: string;
  seed: number;
  curves: number;
  smoothness: number;
  shareAboveRiseFloor: number;
  secondsPerCurve: number;
}
const runs: Run[] = [];
let backend = 'unknown';
for (const model of models) {
  for (const { label, setting } of SAMPLERS) {
    for (const seed of seeds) {
      const done = await synthesize(model, { condition: CONDITIONS, n: k, guidance: 0, seed }, setting);
      backend = done.backend === 'unknown' ? backend : done.backend;
      const curves = done.samples.map((s) => s.sohCurve);
      runs.push({
        model: model.id,
        sampler: label,
        seed,
        curves: curves.length,
        smoothness: smoothnessOf(curves),
        shareAboveRiseFloor: shareAbove(
          curves.map((c) => engineerFeatures(c).largestRise),
          riseFloor,
        ),
        secondsPerCurve: done.seconds / curves.length,
      });
      process.stderr.write(
        `${model.id} ${label} seed ${seed}: smoothness ${runs.at(-1)!.smoothness.toFixed(3)}\n`,
      );
    }
  }
}

const rowsOf = (model: string, sampler: string) =>
  runs.filter((r) => r.model === model && r.sampler === sampler);
const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const table = models.flatMap((model) =>
  SAMPLERS.map(({ label }) => {
    const rows = rowsOf(model.id, label);
    const smooth = rows.map((r) => r.smoothness);
    return [
      model.id,
      label,
      String(rows[0]!.curves),
      meanAndSpread(smooth, 3),
      (meanOf(smooth) / measured.test).toFixed(1),
      meanAndSpread(
        rows.map((r) => 100 * r.shareAboveRiseFloor),
        1,
      ),
      Number.isFinite(rows[0]!.secondsPerCurve)
        ? meanAndSpread(
            rows.map((r) => r.secondsPerCurve),
            2,
          )
        : 'cached',
    ];
  }),
);

/** What the table says, from the numbers: does any sampler reach measured smoothness, and at what cost? */
const findings = models.map((model) => {
  const by = SAMPLERS.map(({ label }) => ({
    label,
    value: meanOf(rowsOf(model.id, label).map((r) => r.smoothness)),
  }));
  const [ode20, ode100] = [by[0]!, by[1]!];
  const best = by.reduce((a, b) => (b.value < a.value ? b : a));
  return (
    `${model.id}: ${ode20.value.toFixed(3)} with ${ode20.label} and ${ode100.value.toFixed(3)} with ` +
    `${ode100.label} (${(ode20.value / measured.test).toFixed(1)}x and ${(ode100.value / measured.test).toFixed(1)}x ` +
    `the measured test cells); the smoothest, ${best.label}, ${best.value.toFixed(3)} = ` +
    `${(best.value / measured.test).toFixed(1)}x: ${best.value <= 1.5 * measured.test ? 'within' : 'NOT within'} 1.5x of measured`
  );
});

const command = `pnpm bench:roughness --seeds ${seeds.join(',')} --k ${k} --conditions ${conditionCount} --models ${args.models}`;
const file = writeBenchmarkResult({
  id: 'synthesis-roughness-matr_1',
  title: 'Roughness of synthetic MATR-1 curves by sampler',
  ...benchmarkProvenance(command, backend),
  summary: [
    `${k} curves for each of ${conditionCount} MATR-1 training cells (life-stratified, seed 0: ` +
      `${conditions.map((c) => c.cellId).join(', ')}), w = 0, per sampler and seed. Smoothness is the mean ` +
      `|second difference| of SOH % per 10-cycle point over the life window (engineer-v1's feature), median ` +
      `over curves; measured: ${measured.test.toFixed(3)} (42 test cells), ${measured.train.toFixed(3)} ` +
      `(41 training cells), ${measured.conditions.toFixed(3)} (the ${conditionCount} condition cells).`,
    `Findings: ${findings.join('; ')}.`,
  ],
  tables: [
    {
      title: 'Smoothness of synthetic curves by sampler (mean ± sd over seeds)',
      columns: [
        'model',
        'sampler',
        'curves',
        'smoothness (pp, median over curves)',
        'x measured test cells',
        `curves rising above the measured floor (${riseFloor.toFixed(3)} pp, %)`,
        'seconds per curve',
      ],
      rows: table,
      notes: [
        'DPM-Solver++ integrates the probability-flow ODE; DDIM with eta = 1 and DDPM add fresh noise at every ' +
          'step. Seconds as the CLI reported them (one worker or two, other work beside): indicative only.',
      ],
    },
  ],
  raw: { measured, riseFloor, conditions: conditions.map((c) => c.cellId), runs },
});
process.stdout.write(`wrote ${file}\n`);
await import('../lib/write-benchmarks-md.js');
