import type { DatasetRegistry } from '@diffbatt/core';
import type { SamplerConfig } from '@diffbatt/diffusion';
import {
  type CalibrateInput,
  type CalibrationFold,
  calibrateLifeIntervals,
  crossValidatedLifeCalibration,
  type GenerateInput,
  generateCurves,
  type PredictInput,
  predictCells,
} from '@diffbatt/pipeline';
import { type } from 'arktype';
import type { Command } from 'commander';
import { readLifeCalibration } from '../flows/life-calibration.js';
import { loadModelAndCells, type ModelAndCells } from '../flows/model-input.js';
import { CLIP_CHOICES, SAMPLER_NAMES } from '../flows/sampler-options.js';
import { integerText, numberText, OptionError } from '../options.js';
import { terminal } from '../terminal.js';

/**
 * The most curves one command draws: each is held in memory until scored or written (256 float32 values,
 * ~1 KB with its overhead), so 200,000 stay near 250 MB; more used to run out of heap after minutes.
 */
export const MAX_CURVES_PER_RUN = 200_000;

/** A curve-count option (`--samples`, `--n`): at least 1, at most what one run may hold. */
export const curveCountText = integerText(1, MAX_CURVES_PER_RUN);

/**
 * Largest guidance weight accepted. eps = (1 + w) eps_cond - w eps_uncond: beyond ~1000 the guided noise is
 * the float32 difference of two predictions blown up past any curve's range (w = 1e300 overflows to NaN).
 */
export const MAX_GUIDANCE_WEIGHT = 1000;

/** Options shared by every command that draws curves from a model (test, predict, synthesize). */
export function addSamplingOptions(
  command: Command,
  defaults: { sampler: string; samples?: string; guidance?: { description: string; value: string } },
): Command {
  if (defaults.samples !== undefined) command.option('--samples <n>', 'curves per cell', defaults.samples);
  return command
    .requiredOption('--model <dir>', 'saved model directory (from diffbatt train or diffbatt import)')
    .option('--sampler <name>', `sampler: ${SAMPLER_NAMES.join(', ')}`, defaults.sampler)
    .option('--steps <k>', 'sampling steps (ddim, dpm-solver++; ddpm always 1000)')
    .option('--eta <eta>', 'DDIM noise scale (0 deterministic, 1 DDPM-like)')
    .option(
      '--clip <mode>',
      'clip the predicted clean curve to [-1, 1]: auto (few-step samplers only), on, off',
      'auto',
    )
    .option(
      '--guidance <w>',
      defaults.guidance?.description ?? 'guidance weight w: eps = (1+w) eps_cond - w eps_uncond',
      defaults.guidance?.value ?? '0',
    )
    .option(
      '--smooth <penalty>',
      'Whittaker smoothing of every curve, second-difference penalty in 10-cycle points (e.g. 3; before --monotone; default 0: as sampled, as the original)',
      '0',
    )
    .option(
      '--monotone',
      'project every curve onto the nearest one that never rises (least squares; padding kept; default: as sampled, as the original)',
      false,
    )
    .option('--seed <s>', 'sampling seed', '0')
    .option('--backend <name>', 'TensorFlow.js backend (default: fastest available)')
    .option('--max-batch <n>', 'curves per network call', '256')
    .option(
      '--workers <n>',
      'worker threads sharing the curves (default: one per core on wasm/cpu when the job is large enough; the curves do not depend on it)',
    )
    .option('--eol <soh>', 'end-of-life SOH %', '80');
}

/** `--ensemble` of test, predict and calibrate: further networks pooled with `--model` (`GenerateInput.ensemble`). */
export function addEnsembleOption(command: Command): Command {
  return command.option(
    '--ensemble <dirs>',
    'further model directories (comma-separated), e.g. other training seeds: --samples per cell are shared out between --model and these, and summarised together',
  );
}

/**
 * arktype field of `addEnsembleOption`: the directories, in order, split once here so that every use
 * sees the same list.
 */
export const ensembleOptionField = {
  'ensemble?': type('string > 0').pipe((text, ctx) => {
    const dirs = text.split(',').map((dir) => dir.trim());
    return dirs.some((dir) => dir === '')
      ? ctx.error('a comma-separated list of directories without an empty name')
      : dirs;
  }),
} as const;

/** The model(s) a run sampled from, for its JSON output: `model`, and `ensemble` when pooled. */
export function modelJsonFields(options: { model: string; ensemble?: readonly string[] }) {
  return { model: options.model, ...(options.ensemble === undefined ? {} : { ensemble: options.ensemble }) };
}

/** The model(s) a run sampled from, for its terminal output. */
export function describeModels(options: { model: string; ensemble?: readonly string[] }): string {
  return options.ensemble === undefined
    ? options.model
    : `${options.model} + ensemble ${options.ensemble.join(', ')}`;
}

/** arktype fields of `addSamplingOptions`, to spread into a command's option schema. */
export const samplingOptionFields = {
  model: 'string > 0',
  sampler: type.enumerated(...SAMPLER_NAMES),
  'steps?': integerText(1),
  'eta?': numberText.pipe(type('0 <= number <= 1')),
  clip: type.enumerated(...CLIP_CHOICES),
  guidance: numberText.pipe(type(`0 <= number <= ${MAX_GUIDANCE_WEIGHT}`)),
  monotone: 'boolean',
  smooth: numberText.pipe(type('number >= 0')),
  seed: integerText(0),
  'backend?': 'string',
  maxBatch: integerText(1),
  'workers?': integerText(1),
  eol: numberText.pipe(type('0 < number < 100')),
} as const;

/** Parsed values of the shared sampling options that drawing curves needs. */
interface SamplingValues {
  model: string;
  /** `--ensemble` directories (test, predict and calibrate). */
  ensemble?: readonly string[];
  guidance: number;
  /** `--monotone`: project the curves onto never-rising ones (`generateCurves({ monotone })`). */
  monotone: boolean;
  /** `--smooth`: the Whittaker smoothing penalty, 0 = off (`generateCurves({ smoothing })`). */
  smooth: number;
  seed: number;
  maxBatch: number;
  workers?: number;
  plugin?: string;
  backend?: string;
}

/**
 * Loads the model and the cells of `paths` (read by `registry`'s plugins) for the options given, and says
 * which backend runs them.
 */
export async function loadForSampling(
  registry: DatasetRegistry,
  options: SamplingValues,
  paths: readonly string[],
): Promise<ModelAndCells> {
  const loaded = await loadModelAndCells(registry, options.model, paths, {
    ...(options.plugin === undefined ? {} : { pluginId: options.plugin }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ensembleDirs: options.ensemble ?? [],
    onWarning: (message) => terminal.info(`warning: ${message}`),
  });
  terminal.info(`backend: ${loaded.backend.backend} (${loaded.backend.reason})`);
  return loaded;
}

/**
 * The `--calibration` file of predict and test (undefined without one), with a warning for each sampling
 * setting of this run that differs from those it was fitted with.
 */
export async function calibrationOption(
  options: {
    calibration?: string;
    ensemble?: readonly string[];
    samples: number;
    guidance: number;
    monotone: boolean;
    smooth: number;
    eol: number;
  },
  sampler: SamplerConfig,
) {
  if (options.calibration === undefined) return undefined;
  const run = {
    sampler,
    samplesPerCell: options.samples,
    guidanceWeight: options.guidance,
    monotone: options.monotone,
    smoothing: options.smooth,
    eolSoh: options.eol,
    networks: 1 + (options.ensemble?.length ?? 0),
  };
  return readLifeCalibration(options.calibration, run, (message) => terminal.info(`warning: ${message}`));
}

/** What a sampling command asks of the library: `samplesPerCell` curves for each of `cells` cells. */
interface SamplingRun {
  cells: number;
  samplesPerCell: number;
  sampler: SamplerConfig;
  options: SamplingValues;
  /** The progress bar's label. */
  label: string;
  /** Keep the model after the run (a command that draws several sets from one model frees it itself). */
  keepModel?: boolean;
}

/**
 * Runs one library sampling job (`generate`) on the loaded model with the command's options and a
 * progress bar, after checking the run fits in memory; frees the model afterwards unless `keepModel`.
 */
async function withSampling<T>(
  loaded: ModelAndCells,
  run: SamplingRun,
  generate: (job: Omit<GenerateInput, 'conditions'>) => Promise<T>,
): Promise<{ result: T; seconds: number }> {
  const total = run.cells * run.samplesPerCell;
  if (total > MAX_CURVES_PER_RUN) {
    throw new OptionError(
      `${run.cells} condition(s) x ${run.samplesPerCell} curve(s) = ${total} curves, more than the ${MAX_CURVES_PER_RUN} one run holds in memory; draw fewer per cell or split the data`,
    );
  }
  const { options } = run;
  const started = performance.now();
  const bar = terminal.progress(run.label, 1);
  try {
    const result = await generate({
      model: loaded.model,
      config: loaded.config,
      ensemble: loaded.ensemble.map(({ model, config }) => ({ model, config })),
      samplesPerCell: run.samplesPerCell,
      sampler: run.sampler,
      guidanceWeight: options.guidance,
      seed: options.seed,
      monotone: options.monotone,
      smoothing: options.smooth,
      maxBatch: options.maxBatch,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      onProgress: (done, total) => {
        bar.total = total;
        bar.update(done);
      },
    });
    bar.finish();
    return { result, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (!run.keepModel) {
      loaded.model.dispose();
      for (const member of loaded.ensemble) member.model.dispose();
    }
  }
}

/** Draws `samplesPerCell` curves per condition (null = unconditional). */
export async function drawCurves(
  loaded: ModelAndCells,
  conditions: GenerateInput['conditions'],
  run: Omit<SamplingRun, 'cells'>,
) {
  const { result, seconds } = await withSampling(loaded, { ...run, cells: conditions.length }, (job) =>
    generateCurves({ ...job, conditions }),
  );
  return { curves: result, seconds };
}

/** Predicts each cell's curves, cycle lives and their summaries (calibrated if asked) from its capacity matrix. */
export async function predictLives(
  loaded: ModelAndCells,
  capacityMatrices: readonly Float32Array[],
  run: Omit<SamplingRun, 'cells'> &
    Pick<PredictInput, 'eolSoh' | 'intervalLevels' | 'lifeCalibration' | 'noveltyReference'>,
) {
  const { result, seconds } = await withSampling(loaded, { ...run, cells: capacityMatrices.length }, (job) =>
    predictCells({
      ...job,
      capacityMatrices,
      // Absent options are undefined here, which the library reads as its defaults.
      eolSoh: run.eolSoh,
      intervalLevels: run.intervalLevels,
      lifeCalibration: run.lifeCalibration,
      noveltyReference: run.noveltyReference,
    }),
  );
  return { predictions: result, seconds };
}

/** Fits a life-interval calibration on held-out cells (`calibrateLifeIntervals`). */
export async function calibrateLives(
  loaded: ModelAndCells,
  cells: CalibrateInput['cells'],
  run: Omit<SamplingRun, 'cells'> & Pick<CalibrateInput, 'eolSoh' | 'levels' | 'trainingCellIds'>,
) {
  const { result, seconds } = await withSampling(loaded, { ...run, cells: cells.length }, (job) =>
    calibrateLifeIntervals({
      ...job,
      cells,
      eolSoh: run.eolSoh,
      levels: run.levels,
      trainingCellIds: run.trainingCellIds,
    }),
  );
  return { ...result, seconds };
}

/**
 * Fits a cross-validated calibration (`crossValidatedLifeCalibration`): the loaded `--fold-models`
 * networks (`loaded.ensemble`, in order) each sample the cells of their fold in `folds`.
 */
export async function calibrateLivesByFolds(
  loaded: ModelAndCells,
  folds: readonly Omit<CalibrationFold, 'model' | 'config'>[],
  run: Omit<SamplingRun, 'cells'> & Pick<CalibrateInput, 'eolSoh' | 'levels'>,
) {
  const cells = folds.reduce((sum, fold) => sum + fold.cells.length, 0);
  // The fold networks sample one at a time, never pooled: the job's ensemble is not passed on.
  const { result, seconds } = await withSampling(
    loaded,
    { ...run, cells },
    ({ ensemble: _notPooled, ...job }) =>
      crossValidatedLifeCalibration({
        ...job,
        folds: folds.map((fold, index) => {
          const { model, config } = loaded.ensemble[index]!;
          return { ...fold, model, config };
        }),
        eolSoh: run.eolSoh,
        levels: run.levels,
      }),
  );
  return { ...result, seconds };
}
