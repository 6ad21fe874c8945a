/**
 * Learning curve (issue 14): cycle-life error against training steps and wall time, on MATR-1 training
 * cells held out from training. The 41 cells of data/matr1/train.dbds are dealt into --folds folds (seeded
 * shuffle); per fold, @diffbatt/pipeline's trainDiffBatt trains a preset on the other folds with EMA
 * snapshots every --every steps (resumable: runs live under the ignored benchmarks/learning-curve/runs/),
 * and every snapshot draws --samples curves per held-out cell (DPM-Solver++ 20, x0 clipped to [-1, 1],
 * w = 0). The held-out cells of all folds are scored together with @diffbatt/eval, so each step's error is
 * over all 41 cells. The test split is never read: this is how recipes are compared without peeking.
 *
 *   pnpm bench:learning-curve [--preset fast] [--folds 4] [--steps 3000] [--every 500] [--seed 0]
 *                             [--samples 8] [--workers <cores>] [--prediction-type v] [--min-snr-gamma 5]
 *                             [--capacity-log-rms]
 *
 * The last three change the preset (what the network predicts; min-SNR loss weighting; ln RMS of the
 * unit-scaled capacity matrix as an encoder input) and name the variant.
 * Writes benchmarks/results/learning-curve-<preset>[-<variant>][-x<samples>].json (rendered by
 * `pnpm bench:report`); a sample count other than 8 rescores the same runs into its own file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../packages/core/src/backend.js';
import { type ModelSample, readDatasetFile, SeededRandom } from '../../packages/core/src/index.js';
import { deriveSeed } from '../../packages/diffusion/src/index.js';
import {
  calibrateLifeSummary,
  DEFAULT_INTERVAL_LEVELS,
  fitLifeIntervalCalibration,
  lifeIntervalCoverage,
  lifeSummary,
  MEDIAN_OF_SAMPLES_RULE,
  sampledCycleLives,
  scoreSohCurves,
} from '../../packages/eval/src/index.js';
import {
  DEFAULT_TRAIN_SETTINGS,
  generateCurves,
  TRAIN_PRESET_NAMES,
  TRAIN_PRESETS,
  type TrainPresetName,
  trainDiffBatt,
} from '../../packages/pipeline/src/index.js';
import { loadDiffBattModel } from '../../packages/unet/src/index.js';
import { fail } from '../lib/args.js';
import { benchmarkProvenance, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const args = process.argv.slice(2);
const { values } = parseArgs({
  args,
  options: {
    preset: { type: 'string', default: 'fast' },
    folds: { type: 'string', default: '4' },
    steps: { type: 'string', default: '3000' },
    every: { type: 'string', default: '500' },
    seed: { type: 'string', default: '0' },
    samples: { type: 'string', default: '8' },
    workers: { type: 'string' },
    'prediction-type': { type: 'string' },
    'min-snr-gamma': { type: 'string' },
    'capacity-log-rms': { type: 'boolean', default: false },
  },
});
const count = (name: keyof typeof values, min: number): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min)
    fail(`--${name} must be an integer >= ${min}, got ${values[name]}`);
  return value;
};
const preset = values.preset as TrainPresetName;
if (!TRAIN_PRESET_NAMES.includes(preset)) fail(`--preset must be one of ${TRAIN_PRESET_NAMES.join(', ')}`);
const folds = count('folds', 2);
const steps = count('steps', 1);
const every = count('every', 1);
const seed = count('seed', 0);
const samplesPerCell = count('samples', 1);
const workers = values.workers === undefined ? undefined : count('workers', 1);
const predictionType = values['prediction-type'];
if (predictionType !== undefined && !['epsilon', 'v', 'sample'].includes(predictionType))
  fail(`--prediction-type must be epsilon, v or sample, got ${predictionType}`);
const minSnrGamma = values['min-snr-gamma'] === undefined ? null : Number(values['min-snr-gamma']);
if (minSnrGamma !== null && !(minSnrGamma > 0 && Number.isFinite(minSnrGamma)))
  fail(`--min-snr-gamma must be a number > 0, got ${values['min-snr-gamma']}`);
const capacityLogRms = values['capacity-log-rms'] === true;
/** The variant's changes to the preset, as a name suffix and in words. */
const variant = [
  ...(predictionType === undefined
    ? []
    : [{ suffix: predictionType, words: `${predictionType}-prediction` }]),
  ...(minSnrGamma === null
    ? []
    : [{ suffix: `minsnr${minSnrGamma}`, words: `min-SNR-${minSnrGamma} loss weighting` }]),
  ...(capacityLogRms
    ? [{ suffix: 'logrms', words: 'ln RMS of the unit-scaled capacity matrix as an encoder input' }]
    : []),
];
const variantName = [preset, ...variant.map((v) => v.suffix)].join('-');
const variantWords = variant.length === 0 ? '' : ` with ${variant.map((v) => v.words).join(' and ')}`;
const snapshotSteps = Array.from({ length: Math.floor(steps / every) }, (_, i) => (i + 1) * every);

const backend = (await selectBackend()).backend;
const { samples } = await readDatasetFile(join(REPOSITORY_ROOT, 'data', 'matr1', 'train.dbds'));
const order = new SeededRandom(deriveSeed(seed, 0x1c)).shuffled(samples.map((_, i) => i));
const foldOf = new Map(order.map((cell, position) => [cell, position % folds]));
const runsDir = join(REPOSITORY_ROOT, 'benchmarks', 'learning-curve', 'runs', `${variantName}-seed${seed}`);

/** Trains fold k (or continues it from its checkpoint); resolves when its snapshots exist. */
async function trainFold(fold: number, train: ModelSample[]): Promise<string> {
  const outDir = join(runsDir, `fold-${fold}`);
  const finished = join(outDir, 'training.json');
  if (existsSync(finished) && JSON.parse(readFileSync(finished, 'utf8')).steps === steps) return outDir;
  let lastReport = 0;
  await trainDiffBatt({
    samples: train,
    dataDescription: `data/matr1/train.dbds without fold ${fold} of ${folds} (seed ${seed})`,
    outDir,
    settings: {
      ...DEFAULT_TRAIN_SETTINGS,
      ...TRAIN_PRESETS[preset].settings,
      validationFraction: 0,
      steps,
      seed,
      checkpointEvery: every,
      ...(minSnrGamma === null ? {} : { minSnrGamma }),
      ...(capacityLogRms ? { normaliseCapacityMatrix: true } : {}),
    },
    unetConfig: {
      ...TRAIN_PRESETS[preset].unetConfig,
      ...(predictionType === undefined
        ? {}
        : { predictionType: predictionType as 'epsilon' | 'v' | 'sample' }),
      ...(capacityLogRms ? { capacityMatrixLogRms: true } : {}),
    },
    preset,
    resume: existsSync(join(outDir, 'checkpoint.json')),
    backend,
    snapshotEvery: every,
    ...(workers === undefined ? {} : { workers }),
    onStart: (info) =>
      console.log(
        `fold ${fold}: ${info.trainCells} cells, from step ${info.startStep}, ${info.workers} workers`,
      ),
    onStep: ({ step, loss }) => {
      if (step - lastReport >= 100 || step === steps) {
        lastReport = step;
        console.log(`fold ${fold}: step ${step}/${steps} loss ${loss.toFixed(4)}`);
      }
    },
  });
  return outDir;
}

interface StepScore {
  step: number;
  trainingMinutes: number[];
  lifeRmseMedian: number;
  lifeRmseBestOfReps: number;
  sohRmse: number;
  /** Mean CRPS of the sampled lives (cycles). */
  lifeCrps: number;
  /** Coverage of the central life intervals as sampled, and after cross-fitted conformal calibration. */
  coverage: { level: number; sampled: number; calibrated: number }[];
}

const generated = new Map<
  number,
  { reference: Float32Array[]; curves: Float32Array[][]; cellIds: string[]; folds: number[] }
>();
const trainingMinutes = new Map<number, number[]>();
for (let fold = 0; fold < folds; fold++) {
  const heldOut = samples.filter((_, i) => foldOf.get(i) === fold);
  const outDir = await trainFold(
    fold,
    samples.filter((_, i) => foldOf.get(i) !== fold),
  );
  for (const step of snapshotSteps) {
    const { model, config, provenance } = await loadDiffBattModel(join(outDir, 'snapshots', `step-${step}`));
    const curves = await generateCurves({
      model,
      config,
      conditions: heldOut.map((s) => s.capacityMatrix as Float32Array),
      samplesPerCell,
      sampler: { kind: 'dpm-solver++', steps: 20, clipSample: { min: -1, max: 1 } },
      guidanceWeight: 0,
      seed: deriveSeed(seed, step),
      ...(workers === undefined ? {} : { workers }),
    });
    model.dispose();
    const entry = generated.get(step) ?? { reference: [], curves: [], cellIds: [], folds: [] };
    entry.folds.push(...heldOut.map(() => fold));
    entry.reference.push(...heldOut.map((s) => s.sohCurve));
    entry.curves.push(...curves);
    entry.cellIds.push(...heldOut.map((s) => s.cellId));
    generated.set(step, entry);
    const seconds = Number((provenance as Record<string, unknown>)['trainingSeconds']);
    trainingMinutes.set(step, [...(trainingMinutes.get(step) ?? []), seconds / 60]);
    console.log(`fold ${fold}: snapshot ${step} sampled`);
  }
}

/**
 * Coverage of each held-out cell's life intervals after conformal calibration fitted on the held-out
 * cells of the OTHER folds (cross-fitting), so no cell calibrates its own interval.
 */
function crossFittedCoverage(
  lives: number[][],
  measured: number[],
  cellFolds: number[],
): { level: number; coverage: number }[] {
  const summaries = lives.map((cellLives, cell) => {
    const others = lives
      .map((l, i) => ({ lives: l, measuredLife: measured[i]!, fold: cellFolds[i] }))
      .filter((c) => c.fold !== cellFolds[cell]);
    const calibration = fitLifeIntervalCalibration(others, DEFAULT_INTERVAL_LEVELS);
    return calibrateLifeSummary(lifeSummary(cellLives, DEFAULT_INTERVAL_LEVELS), calibration);
  });
  return lifeIntervalCoverage(summaries, measured);
}

const scores: StepScore[] = snapshotSteps.map((step) => {
  const { reference, curves, cellIds, folds: cellFolds } = generated.get(step)!;
  const result = scoreSohCurves({ reference, generated: curves, cellIds });
  const lives = curves.map((cellCurves) => sampledCycleLives(cellCurves));
  const calibrated = crossFittedCoverage(lives, result.rulReference, cellFolds);
  return {
    step,
    trainingMinutes: trainingMinutes.get(step)!,
    lifeRmseMedian: result.medianOfSamples.rulRmse,
    lifeRmseBestOfReps: result.rulRmse,
    sohRmse: result.sohRmse,
    lifeCrps: result.rulSamples.crps,
    coverage: result.rulSamples.intervals.map((interval, i) => ({
      level: interval.level,
      sampled: interval.coverage,
      calibrated: calibrated[i]!.coverage,
    })),
  };
});
const percent = (share: number) => `${(100 * share).toFixed(0)} %`;
const minutes = (values: number[]) => (values.reduce((a, b) => a + b, 0) / values.length).toFixed(1);
const command = `pnpm bench:learning-curve ${args.join(' ')}`.trim();
const file = writeBenchmarkResult({
  ...benchmarkProvenance(command, backend),
  // Other sample counts score the same runs: their own results file, the runs stay shared.
  id: `learning-curve-${variantName}${samplesPerCell === 8 ? '' : `-x${samplesPerCell}`}`,
  title: `Learning curve of the ${preset} preset${variantWords} on held-out MATR-1 training cells${samplesPerCell === 8 ? '' : `, ${samplesPerCell} samples per cell`}`,
  summary: [
    `The ${samples.length} cells of \`data/matr1/train.dbds\` in ${folds} folds (seeded shuffle, seed ${seed}); per fold, ` +
      `\`--preset ${preset}\` (${TRAIN_PRESETS[preset].description})${variantWords} trained on the other folds for ${steps} full-batch steps, ` +
      `its EMA network every ${every} steps drawing ${samplesPerCell} curves per held-out cell (DPM-Solver++ 20, x0 clipped, w = 0). ` +
      `Each row scores the held-out cells of all folds together (${samples.length} cells). The test split is not used.`,
    'Training minutes: per fold, mean over folds, as recorded in the snapshots (wall clock of that run on this machine, other work beside it included).',
  ],
  tables: [
    {
      title: 'Cycle-life RMSE (cycles) and SOH RMSE (% points) by training step',
      columns: [
        'step',
        'training minutes per fold',
        `cycle-life RMSE, ${MEDIAN_OF_SAMPLES_RULE}`,
        'cycle-life RMSE, best of reps (peeks)',
        'SOH RMSE',
      ],
      rows: scores.map((s) => [
        String(s.step),
        minutes(s.trainingMinutes),
        s.lifeRmseMedian.toFixed(1),
        s.lifeRmseBestOfReps.toFixed(1),
        s.sohRmse.toFixed(2),
      ]),
    },
    {
      title:
        'Life intervals on the held-out cells: coverage of the central 50 / 80 / 95 % intervals of the sampled lives, ' +
        'as sampled and after conformal calibration fitted on the other folds (cross-fitted; no test data), and CRPS',
      columns: [
        'step',
        'CRPS (cycles)',
        ...DEFAULT_INTERVAL_LEVELS.map((level) => `${level * 100} % as sampled`),
        ...DEFAULT_INTERVAL_LEVELS.map((level) => `${level * 100} % calibrated`),
      ],
      rows: scores.map((s) => [
        String(s.step),
        s.lifeCrps.toFixed(1),
        ...s.coverage.map((c) => percent(c.sampled)),
        ...s.coverage.map((c) => percent(c.calibrated)),
      ]),
    },
  ],
  raw: { folds, seed, samplesPerCell, runs: relative(REPOSITORY_ROOT, runsDir), scores },
});
console.log(`written ${relative(REPOSITORY_ROOT, file)}`);
