/**
 * Cells unlike the training cells (`conditionNovelty` of @diffbatt/eval, `diffbatt predict
 * --novelty-reference`): for every split of issue 19's table, each test cell's capacity matrix is compared
 * with the split's training cells (what our networks of that split trained on), and a cell counts as unlike
 * them when it lies farther from its nearest training cell than `NOVELTY_WARNING_SHARE` (90 %) of the training
 * cells lie from theirs. Then, for the networks of `SPLITS` (released weights, ours from scratch, ours
 * fine-tuned), the median-rule cycle-life error on those cells beside the other cells, from the committed
 * result files (sampling seeds 0-2). Samples nothing. Splits without ../shared are listed as skipped.
 * Usage: pnpm bench:novelty
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSample } from '../../packages/core/src/index.js';
import { loadCellListSamples, readCellList } from '../../packages/datasets-diffbatt/src/index.js';
import {
  type ConditionNovelty,
  calibrateLifeSummary,
  conditionNovelty,
  conditionNoveltyReference,
  isUnlikeReference,
  lifeIntervalCoverage,
  NOVELTY_WARNING_SHARE,
} from '../../packages/eval/src/index.js';
import { readCalibration, summariesOf, type TestRun } from '../lib/calibrated-rows.js';
import { benchmarkProvenance, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';
import { readCells, SHARED } from '../lib/shared-cells.js';
import { resultFile, SAMPLING_SEEDS, SPLITS, type SplitRuns } from '../lib/split-runs.js';

const DATA = join(SHARED, 'data', 'diffbatt', 'data');
/** The training cells of each split's networks (CLO: the reconstructed set; `benchmarks/fast-cosine-6k`). */
async function trainingCells(split: SplitRuns['split']): Promise<ModelSample[] | undefined> {
  if (split === 'matr_1' || split === 'matr_2') return readCells('data/matr1/train.dbds');
  if (!existsSync(DATA)) return undefined;
  if (split === 'clo') {
    const file = join(REPOSITORY_ROOT, 'data', 'pretraining', 'clo-train-reconstructed.json');
    return loadCellListSamples(DATA, await readCellList(file), file);
  }
  return readCells(`../shared/data/diffbatt/data/${split}_train_ds`);
}

/**
 * Everything a split's fine-tuned network trained on: its foundation's cells (`benchmarks/foundation`) and its
 * fine-tuning cells (a curve in both counts once: `conditionNoveltyReference` keeps one of equal matrices).
 */
async function finetunedCells(split: SplitRuns['split'], training: ModelSample[]): Promise<ModelSample[]> {
  const size = split === 'snl' || split === 'crush' ? '20x100' : '100x100';
  const file = join(REPOSITORY_ROOT, 'data', 'pretraining', `foundation-${size}.json`);
  return [...(await loadCellListSamples(DATA, await readCellList(file), file)), ...training];
}

interface ScoredRun extends TestRun {
  data: string;
  medianOfSamples: { rulPredicted: number[] };
}
const readRun = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ScoredRun;

const GROUPS = [
  ['released', 'released weights'],
  ['scratch', 'ours, from scratch'],
  ['finetuned', 'ours, foundation fine-tuned'],
] as const;

/**
 * The committed cross-validated calibration of a split's fine-tuned network (fold networks that never saw the
 * split: `benchmarks/foundation/HEADER.md`, second addendum); MATR-2 is scored with MATR-1's.
 */
const calibrationFile = (split: SplitRuns['split']) =>
  `benchmarks/foundation/${split === 'matr_2' ? 'matr_1' : split}/finetune/calibration-unseen.json`;
const CALIBRATED_LEVEL = 0.8;

const rms = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percentText = (share: number) => (Number.isFinite(share) ? `${(100 * share).toFixed(0)} %` : 'n/a');

const rows: string[][] = [];
const raw: unknown[] = [];
const skipped: string[] = [];
let flaggedCells = 0;
/** The same count against the fine-tuned networks' foundation and fine-tuning cells. */
let flaggedAll = 0;
let testCells = 0;
/** Per group, pooled over splits, networks and seeds: squared errors of flagged and other cells. */
const pooled = new Map<string, { flagged: number[]; other: number[] }>();
/** Fine-tuned networks' calibrated 80 % coverage, pooled over splits and seeds: covered and scored cells. */
const pooledCoverage = {
  flagged: [] as { hits: number; cells: number }[],
  other: [] as { hits: number; cells: number }[],
};
const coverageOf = (list: { hits: number; cells: number }[]) =>
  (100 * list.reduce((a, x) => a + x.hits, 0)) /
  Math.max(
    list.reduce((a, x) => a + x.cells, 0),
    1,
  );
for (const runs of SPLITS) {
  if (runs.absent !== undefined) continue;
  const folders = GROUPS.flatMap(([group]) => runs[group].map((folder) => ({ group, folder })));
  const scored = folders.filter(({ folder }) =>
    SAMPLING_SEEDS.every((seed) => existsSync(resultFile(folder, seed))),
  );
  const training = await trainingCells(runs.split);
  const first = scored[0];
  const test = first && (await readCells(readRun(resultFile(first.folder, 0)).data));
  if (training === undefined || test === undefined || first === undefined) {
    skipped.push(`${runs.split} (${first === undefined ? 'no scored result files' : 'no ../shared data'})`);
    continue;
  }
  /** Each test cell's novelty against `cells`, and the flag and its count. */
  const against = (cells: ModelSample[]) => {
    const reference = conditionNoveltyReference(
      cells.map((cell) => ({ cellId: cell.cellId, capacityMatrix: cell.capacityMatrix! })),
    );
    const novelty = new Map<string, ConditionNovelty>(
      test.map((cell) => [cell.cellId, conditionNovelty(reference, cell.capacityMatrix!)]),
    );
    const unlike = (id: string) => isUnlikeReference(novelty.get(id)!);
    const flagged = test.filter((cell) => unlike(cell.cellId)).length;
    const text = `${flagged} of ${test.length} (${((100 * flagged) / test.length).toFixed(0)} %); ${reference.cells.length} distinct`;
    return { novelty, unlike, flagged, text };
  };
  const own = against(training);
  // The fine-tuned networks also trained on their foundation's cells: their flag is read against all of them.
  const all = against(await finetunedCells(runs.split, training));
  flaggedCells += own.flagged;
  flaggedAll += all.flagged;
  testCells += test.length;
  const calibration = existsSync(join(REPOSITORY_ROOT, calibrationFile(runs.split)))
    ? readCalibration(calibrationFile(runs.split))
    : undefined;
  for (const [group, name] of GROUPS) {
    const { unlike, text: flaggedText } = group === 'finetuned' ? all : own;
    const perRun: {
      folder: string;
      seed: number;
      flagged: number;
      other: number;
      flaggedShare: number;
      /** Fine-tuned only: the calibrated 80 % intervals' coverage of the flagged and of the other cells. */
      coverage?: { flagged: number; other: number };
    }[] = [];
    for (const { folder } of scored.filter((s) => s.group === group)) {
      for (const seed of SAMPLING_SEEDS) {
        const run = readRun(resultFile(folder, seed));
        const errors = run.cellIds.map((id, i) => ({
          unlike: unlike(id),
          error: run.medianOfSamples.rulPredicted[i]! - run.rulReference[i]!,
        }));
        const of = (wanted: boolean) => errors.filter((e) => e.unlike === wanted).map((e) => e.error);
        const total = errors.reduce((a, e) => a + e.error ** 2, 0);
        const entry = pooled.get(group) ?? { flagged: [], other: [] };
        entry.flagged.push(...of(true));
        entry.other.push(...of(false));
        pooled.set(group, entry);
        // Fine-tuned networks: their calibrated intervals' coverage of the flagged and of the other cells.
        let coverage: { flagged: number; other: number } | undefined;
        if (group === 'finetuned' && calibration !== undefined) {
          const summaries = summariesOf(run).map((summary) => calibrateLifeSummary(summary, calibration));
          const coverageOfCells = (wanted: boolean) => {
            const cells = run.cellIds.flatMap((_, i) => (errors[i]!.unlike === wanted ? [i] : []));
            const level = lifeIntervalCoverage(
              cells.map((i) => summaries[i]!),
              cells.map((i) => run.rulReference[i]!),
            ).find((c) => c.level === CALIBRATED_LEVEL);
            if (level === undefined) return Number.NaN;
            pooledCoverage[wanted ? 'flagged' : 'other'].push({
              hits: level.coverage * cells.length,
              cells: cells.length,
            });
            return level.coverage;
          };
          coverage = { flagged: coverageOfCells(true), other: coverageOfCells(false) };
        }
        perRun.push({
          folder,
          seed,
          flagged: rms(of(true)),
          other: rms(of(false)),
          flaggedShare: total === 0 ? Number.NaN : of(true).reduce((a, e) => a + e * e, 0) / total,
          ...(coverage === undefined ? {} : { coverage }),
        });
      }
    }
    if (perRun.length === 0) continue;
    rows.push([
      runs.split,
      flaggedText,
      name,
      fixed(mean(perRun.map((r) => r.flagged))),
      fixed(mean(perRun.map((r) => r.other))),
      percentText(mean(perRun.map((r) => r.flaggedShare))),
      ...(['flagged', 'other'] as const).map((which) =>
        perRun[0]!.coverage === undefined ? '—' : percentText(mean(perRun.map((r) => r.coverage![which]))),
      ),
    ]);
    raw.push({ split: runs.split, group, perRun });
  }
  raw.push({
    split: runs.split,
    trainingCells: training.length,
    novelty: Object.fromEntries(own.novelty),
    noveltyAgainstFoundationAndTraining: Object.fromEntries(all.novelty),
  });
}

const groupSummary = GROUPS.flatMap(([group, name]) => {
  const errors = pooled.get(group);
  if (errors === undefined || errors.flagged.length === 0) return [];
  return [
    `${name}: ${fixed(rms(errors.flagged))} on the flagged cells against ${fixed(rms(errors.other))} on the others (${(rms(errors.flagged) / rms(errors.other)).toFixed(1)}x)`,
  ];
});
writeBenchmarkResult({
  ...benchmarkProvenance('pnpm bench:novelty', 'none (reads committed results)'),
  id: 'novelty',
  title: 'Cells unlike the training cells: where predictions rest on no nearby training cell',
  summary: [
    `Each test cell's capacity matrix against the cells a network trained on (\`conditionNovelty\` of @diffbatt/eval; \`diffbatt predict|test --novelty-reference <training data>\`; which cells, below): flagged when it lies farther (Euclidean, whole matrix) from its nearest training cell than ${NOVELTY_WARNING_SHARE * 100} % of the training cells lie from their own nearest, which about 1 in 10 cells drawn like the training cells would. CLO's training cells are the reconstructed set our CLO networks trained on (MATR cells); MATR-2 is read against the MATR-1 training cells, as its networks trained on them. Errors: median of 32 samples per cell, DPM-Solver++ 20, x0 clipped, w = 0, from the committed result files of the networks in benchmarks/lib/split-runs.ts, mean over sampling seeds 0-2 (and networks).`,
    "The reference is what each network trained on: the split's training cells for the released weights and ours from scratch; for the fine-tuned networks, their foundation's cells (`data/pretraining/foundation-<size>.json`, every split's training half of their matrix size) and their fine-tuning cells; cells that share a capacity matrix count once. One row reads it against other cells than its network's: the released CLO weights trained on the original `clo_train`, which is absent here, not on the reconstructed set.",
    `Flagged: ${flaggedCells} of ${testCells} test cells against their split's training cells (${((100 * flaggedCells) / Math.max(testCells, 1)).toFixed(0)} %, against about 10 % for cells like the training cells); ${flaggedAll} against the fine-tuned networks' foundation and fine-tuning cells together, which their rows use. Cycle-life RMSE pooled over splits, networks and seeds, flagged against other cells: ${groupSummary.join('; ')}.`,
    `Calibrated 80 % intervals of the fine-tuned networks (their committed cross-validated calibrations, fold networks that never saw the split; MATR-2 with MATR-1's), pooled over splits and seeds: they cover ${coverageOf(pooledCoverage.flagged).toFixed(1)} % of the flagged cells against ${coverageOf(pooledCoverage.other).toFixed(1)} % of the others.`,
  ],
  tables: [
    {
      title: 'Cycle-life RMSE (median rule) on the test cells unlike the training cells and on the others',
      columns: [
        'split',
        'test cells unlike the cells the networks trained on; how many distinct ones they trained on',
        'networks',
        'RMSE, those cells',
        'RMSE, the other cells',
        'their share of the squared error',
        'calibrated 80 % interval covers, those cells (fine-tuned)',
        'calibrated 80 % interval covers, the other cells (fine-tuned)',
      ],
      rows,
      notes: skipped.length === 0 ? [] : [`Skipped: ${skipped.join('; ')}.`],
    },
  ],
  raw,
});
console.log(rows.map((r) => r.join(' | ')).join('\n'));
if (skipped.length > 0) console.log(`skipped: ${skipped.join('; ')}`);
