/**
 * Memorisation (issue 14): does a network predict a new cell's life, or recall one of its training cells'?
 * For each scored result file in CASES (`diffbatt test --json`, median of 32 samples, sampling seed 0), the
 * share of cells whose predicted life lies within one SOH-curve point (±10 cycles) of a training cell's life,
 * beside the same share for the measured lives (what the data give by chance), the number of distinct
 * predicted lives, and the cells recalled as the longest-lived training cell with their share of the squared
 * error. Reads results already committed; samples nothing. Cases whose files or training data are absent
 * (no ../shared) are listed as skipped.
 * Usage: pnpm bench:memorisation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSample } from '../../packages/core/src/index.js';
import {
  type ConditionNoveltyReference,
  conditionNovelty,
  conditionNoveltyReference,
  sampledCycleLives,
} from '../../packages/eval/src/index.js';
import { benchmarkProvenance, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';
import { readCells } from '../lib/shared-cells.js';

/** One SOH-curve point: lives are read on a 10-cycle grid. */
const RECALL_TOLERANCE = 10;

type TrainingSet = 'matr_1' | 'snl' | 'cruh' | 'crush';
interface Case {
  split: string;
  model: string;
  training: TrainingSet;
  /** Result file, relative to the repository root. */
  file: string;
}

const seed0 = (folder: string) => `${folder}/results/dpm-solver++-20-x32-w0-seed0.json`;
const CASES: Case[] = [
  ...(['matr_1', 'matr_2'] as const).flatMap((split) => [
    {
      split,
      model: 'released weights',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k/${split}/released`),
    },
    {
      split,
      model: '`original`, 20k steps',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/original-20k/${split}/step-20000`),
    },
    {
      split,
      model: '`fast` + cosine, 9k steps, seed 0',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k/${split}/step-9000`),
    },
    {
      split,
      model: '`fast` + cosine, 9k steps, seed 1',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k-ensemble/${split}/seed-1`),
    },
    {
      split,
      model: 'seeds 0 + 1 pooled (ensemble)',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k-ensemble/${split}/ensemble`),
    },
    {
      split,
      model: '`fast` + cosine, 9k steps, seed 2',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k-ensemble/${split}/seed-2`),
    },
    {
      split,
      model: 'seeds 0 + 1 + 2 pooled (ensemble-3)',
      training: 'matr_1' as const,
      file: seed0(`benchmarks/fast-cosine-9k-ensemble/${split}/ensemble-3`),
    },
  ]),
  {
    split: 'matr_1',
    model: '`fast`, 12k steps (bundled)',
    training: 'matr_1',
    file: seed0('benchmarks/samples-32/fast-12k'),
  },
  {
    split: 'clo (20 leakage-free cells)',
    model: '`fast`, 12k steps (bundled)',
    training: 'matr_1',
    file: 'benchmarks/fast-cosine-9k/results/selection/fast-12k.json',
  },
  {
    split: 'clo (20 leakage-free cells)',
    model: '`original`, 20k steps',
    training: 'matr_1',
    file: 'benchmarks/original-20k/results/selection/step-20000.json',
  },
  {
    split: 'clo (20 leakage-free cells)',
    model: '`fast` + cosine, 9k steps, seed 0',
    training: 'matr_1',
    file: 'benchmarks/fast-cosine-9k/results/selection/step-9000.json',
  },
  ...Object.entries({
    'seed-1': '`fast` + cosine, 9k steps, seed 1',
    ensemble: 'seeds 0 + 1 pooled (ensemble)',
    'seed-2': '`fast` + cosine, 9k steps, seed 2',
    'ensemble-3': 'seeds 0 + 1 + 2 pooled (ensemble-3)',
  }).map(([label, model]) => ({
    split: 'clo (20 leakage-free cells)',
    model,
    training: 'matr_1' as const,
    file: `benchmarks/fast-cosine-9k-ensemble/results/selection/${label}.json`,
  })),
  ...(['snl', 'cruh', 'crush'] as const).flatMap((split) => [
    {
      split,
      model: 'released weights',
      training: split,
      file: seed0(`benchmarks/fast-cosine-6k/${split}/released`),
    },
    {
      split,
      model: '`fast` + cosine, 6k steps',
      training: split,
      file: seed0(`benchmarks/fast-cosine-6k/${split}/step-6000`),
    },
  ]),
  // Addenda 1 and 3 trained a second seed on SNL and CRUSH.
  ...(['snl', 'crush'] as const).flatMap((split) => [
    {
      split,
      model: '`fast` + cosine, 6k steps, seed 1',
      training: split,
      file: seed0(`benchmarks/fast-cosine-6k/${split}/seed-1`),
    },
    {
      split,
      model: 'seeds 0 + 1 pooled (ensemble)',
      training: split,
      file: seed0(`benchmarks/fast-cosine-6k/${split}/ensemble`),
    },
  ]),
];

const TRAINING_FILES: Record<TrainingSet, string> = {
  matr_1: 'data/matr1/train.dbds',
  snl: '../shared/data/diffbatt/data/snl_train_ds',
  cruh: '../shared/data/diffbatt/data/cruh_train_ds',
  crush: '../shared/data/diffbatt/data/crush_train_ds',
};

const near = (life: number, lives: readonly number[]) =>
  lives.some((t) => Math.abs(life - t) <= RECALL_TOLERANCE);
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;

interface TrainingCells {
  lives: number[];
  lifeById: Map<string, number>;
  /** For the training cell with the nearest capacity matrix (Euclidean). */
  reference: ConditionNoveltyReference;
}
function trainingCellsOf(cells: ModelSample[]): TrainingCells {
  const lives = sampledCycleLives(cells.map((s) => s.sohCurve));
  return {
    lives,
    lifeById: new Map(cells.map((cell, i) => [cell.cellId, lives[i]!])),
    reference: conditionNoveltyReference(
      cells.map((cell) => ({ cellId: cell.cellId, capacityMatrix: cell.capacityMatrix! })),
    ),
  };
}
const trainingSets = new Map<TrainingSet, TrainingCells | undefined>();
const testSets = new Map<string, ModelSample[] | undefined>();
const rows: string[][] = [];
const raw: unknown[] = [];
const skipped: string[] = [];
for (const c of CASES) {
  if (!trainingSets.has(c.training)) {
    const cells = await readCells(TRAINING_FILES[c.training]);
    trainingSets.set(c.training, cells && trainingCellsOf(cells));
  }
  const training = trainingSets.get(c.training);
  const path = join(REPOSITORY_ROOT, c.file);
  if (training === undefined || !existsSync(path)) {
    skipped.push(
      `${c.split} / ${c.model} (${training === undefined ? `no ${c.training} training split` : `no ${c.file}`})`,
    );
    continue;
  }
  const result = JSON.parse(readFileSync(path, 'utf8')) as {
    data: string;
    cellIds: string[];
    rulReference: number[];
    medianOfSamples: { rulPredicted: number[]; rulRmse: number };
  };
  const lives = training.lives;
  const measured = result.rulReference;
  const predicted = result.medianOfSamples.rulPredicted;
  const longest = Math.max(...lives);
  const atLongest = predicted.flatMap((p, i) => (Math.abs(p - longest) <= RECALL_TOLERANCE ? [i] : []));
  const squared = predicted.map((p, i) => (p - measured[i]!) ** 2);
  const total = squared.reduce((a, b) => a + b, 0);
  const fromLongest = atLongest.reduce((a, i) => a + squared[i]!, 0);
  const recalled = predicted.filter((p) => near(p, lives)).length;
  const byChance = measured.filter((m) => near(m, lives)).length;
  // The nearest-neighbour reading: the life of the training cell whose capacity matrix is nearest.
  if (!testSets.has(result.data)) testSets.set(result.data, await readCells(result.data));
  const byId = new Map((testSets.get(result.data) ?? []).map((cell) => [cell.cellId, cell]));
  const neighbourLives = result.cellIds.map((id) => {
    const matrix = byId.get(id)?.capacityMatrix;
    return matrix
      ? training.lifeById.get(conditionNovelty(training.reference, matrix).nearestCellId)!
      : undefined;
  });
  const neighbourShare = (values: readonly number[]) =>
    neighbourLives.every((life) => life !== undefined)
      ? percent(
          values.filter((v, i) => Math.abs(v - neighbourLives[i]!) <= RECALL_TOLERANCE).length,
          values.length,
        )
      : 'n/a';
  rows.push([
    c.split,
    c.model,
    String(measured.length),
    result.medianOfSamples.rulRmse.toFixed(1),
    percent(recalled, predicted.length),
    percent(byChance, measured.length),
    String(new Set(predicted.map(Math.round)).size),
    `${atLongest.length} (${Math.round(longest)}): ${total === 0 ? 'n/a' : percent(fromLongest, total)}`,
    neighbourShare(predicted),
    neighbourShare(measured),
  ]);
  raw.push({ ...c, trainingLives: lives.map(Math.round), measured, predicted, neighbourLives });
}

writeBenchmarkResult({
  ...benchmarkProvenance('pnpm bench:memorisation', 'none (reads committed results)'),
  id: 'memorisation',
  title: 'Memorisation: predicted lives that are a training cell’s life',
  summary: [
    'For each scored model and test split (median of 32 samples per cell, DPM-Solver++ 20, x0 clipped, w = 0, sampling seed 0; the result files of the fixed-budget runs): the share of cells whose predicted life is within ±10 cycles (one SOH-curve point) of the life of one of the model’s training cells, against the same share for the measured lives, which is what the data give by chance. A share far above chance means the network answers a new cell with (nearly) the curve of a training cell rather than a curve of its own.',
    'The split whose cells differ most from the training cells shows it: on MATR-2, 80-98 % of predicted lives are training lives against 30 % of measured ones, with 12-19 distinct values for 40 cells, and the released weights recall as much as ours (95 %). On the 20 leakage-free CLO cells (55 % by chance) the 9k cosine network, our best on MATR-1, answers 7 cells with the longest-lived training cell (2156 cycles), and those 7 carry 66 % of its squared error (RMSE 881 against the bundled model’s 217): what separates the networks there is which training cell they recall. On MATR-1 (67 % by chance: the training lives are dense), SNL and CRUH (72-76 %; SNL lives capped at 2560 cycles) the share does not tell recall from prediction. A closer fit of the training cells (the 9k network’s lower loss) did not teach interpolation between them; recipes for issue 14’s MATR-2 and CLO gaps should be judged on this table as well as on the RMSE.',
    'The last two columns read the networks as a lookup: the training cell whose raw capacity matrix is nearest (Euclidean) to the test cell’s. The networks’ answers are that cell’s life 2-3x as often as the truth is (MATR-1: 43-55 % against 19 %; CLO: 20-45 % against 0 %; MATR-2 10-23 % against 8 %), and the 9k cosine network most often on CLO (45 %), where such a lookup never finds the measured life. A raw-matrix distance is only a proxy for what a network compares, so the columns bound the lookup behaviour from below.',
    'Pooling two training seeds of the 9k recipe (`benchmarks/fast-cosine-9k-ensemble`, 16 samples from each) lowers the share of recalled lives (MATR-2 83 %, CLO 30 %, below chance): where the two networks recall different cells, the median of the pooled samples falls between them. That is what brings MATR-2 to 232.4; on CLO, where one of the two recalls the longest-lived cell, the in-between answer is still far off (806, seed 1 alone 636). On CRUSH (92 % by chance: 10 of 59 test cells and many training cells never fall to 80 % within the 2560-cycle cap) the share tells nothing; there the two training seeds differ in which cells they answer with the cap (seed 0: 11 cells, 83 % of its squared error, `crush_test/47` among them; seed 1: 6 cells, none wrong, its error on cells it predicts to fail early).',
  ],
  tables: [
    {
      title: 'Predicted lives that are training lives',
      columns: [
        'test split',
        'model',
        'cells',
        'life RMSE (median rule)',
        'predicted lives within ±10 of a training life',
        'measured lives within ±10 of a training life (chance)',
        'distinct predicted lives',
        'cells recalled as the longest-lived training cell (its life): share of the squared error',
        'predicted life = life of the training cell with the nearest capacity matrix',
        'measured life = that life (a nearest-neighbour lookup’s hit rate)',
      ],
      rows,
      notes: skipped.length === 0 ? [] : [`Skipped (absent): ${skipped.join('; ')}.`],
    },
  ],
  raw,
});
console.log(rows.map((r) => r.join(' | ')).join('\n'));
if (skipped.length > 0) console.log(`skipped: ${skipped.join('; ')}`);
