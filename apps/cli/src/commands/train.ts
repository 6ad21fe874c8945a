import { type DatasetRegistry, DiffBattError } from '@diffbatt/core';
import {
  DEFAULT_TRAIN_SETTINGS,
  isRunRecord,
  recipeOfRunRecord,
  TRAIN_PRESET_NAMES,
  TRAIN_PRESETS,
  type TrainSettings,
  trainDiffBatt,
} from '@diffbatt/pipeline';
import { type } from 'arktype';
import type { Command } from 'commander';
import { loadSamples, requireCapacityMatrices } from '../flows/data.js';
import { readJsonFile } from '../json-file.js';
import { directoryText, integerText, numberText, parseOptions } from '../options.js';
import { selectCommandBackend } from '../select-backend.js';
import { terminal } from '../terminal.js';

const trainOptions = type({
  data: 'string > 0',
  out: directoryText,
  'plugin?': 'string',
  'config?': 'string',
  'from?': 'string',
  preset: type.enumerated(...TRAIN_PRESET_NAMES),
  steps: integerText(1),
  seed: integerText(0),
  'validationFraction?': numberText.pipe(type('0 <= number < 1')),
  'batchSize?': integerText(1),
  checkpointEvery: integerText(1),
  'snapshotEvery?': integerText(1),
  'learningRate?': numberText.pipe(type('number > 0')),
  'lrWarmup?': integerText(0),
  'lrDecay?': "'constant' | 'cosine'",
  'normaliseCapacityMatrix?': 'boolean',
  'predictionType?': "'epsilon' | 'v' | 'sample'",
  'minSnrGamma?': numberText.pipe(type('number > 0')),
  'backend?': 'string',
  'workers?': integerText(1),
  resume: 'boolean',
});

function addTrainingOptions(command: Command): Command {
  return command
    .requiredOption(
      '--data <path>',
      'training split: a dataset file (.dbds) or any path a dataset plugin reads',
    )
    .requiredOption('--out <dir>', 'run directory (checkpoints, run.json, final model in <dir>/model)')
    .option('--plugin <id>', 'dataset plugin to read --data with (default: detected)')
    .option(
      '--preset <name>',
      `training recipe: ${TRAIN_PRESET_NAMES.map((n) => `${n} (${TRAIN_PRESETS[n].description})`).join('; ')}; options given override it`,
      'default',
    )
    .option('--steps <n>', 'gradient steps', String(DEFAULT_TRAIN_SETTINGS.steps))
    .option(
      '--seed <s>',
      'seed of initialisation, splits, noise and dropout',
      String(DEFAULT_TRAIN_SETTINGS.seed),
    )
    .option(
      '--validation-fraction <f>',
      `share of the TRAINING cells held out for model selection (default: the preset's, ${DEFAULT_TRAIN_SETTINGS.validationFraction} for default)`,
    )
    .option('--batch-size <n>', 'cells per step (default: the whole training split, as the original)')
    .option(
      '--checkpoint-every <n>',
      'steps between checkpoints and validation',
      String(DEFAULT_TRAIN_SETTINGS.checkpointEvery),
    )
    .option(
      '--snapshot-every <n>',
      'also keep the EMA network every n steps in <out>/snapshots/step-<n> (to pick a step later)',
    )
    .option('--learning-rate <lr>', `Adam learning rate (default ${DEFAULT_TRAIN_SETTINGS.learningRate})`)
    .option('--lr-warmup <steps>', 'steps of linear learning-rate warm-up (default 0)')
    .option('--lr-decay <kind>', 'after warm-up: constant (default) or cosine decay to 0 at --steps')
    .option(
      '--normalise-capacity-matrix',
      'a new network scales its capacity-matrix input by 1 / RMS of the training matrices',
    )
    .option(
      '--prediction-type <type>',
      'what a new network predicts: epsilon (default, the original), v or sample (x0); saved with the model, sampling follows it',
    )
    .option(
      '--min-snr-gamma <g>',
      'min-SNR-gamma loss weighting (e.g. 5; default: plain MSE as the original)',
    )
    .option('--backend <name>', 'TensorFlow.js backend (default: fastest available)')
    .option(
      '--workers <n>',
      "worker threads sharing each step's batch (default: one per core on wasm/cpu; 1 = this thread only)",
    )
    .option('--resume', 'continue the killed run in --out from its last checkpoint', false);
}

/** Option names (camelCase) the user typed, as opposed to commander's defaults. */
const typedOptions = (command: Command) =>
  new Set(Object.keys(command.opts()).filter((key) => command.getOptionValueSource(key) === 'cli'));

async function runTraining(
  registry: DatasetRegistry,
  raw: Record<string, unknown>,
  command: Command,
  mode: 'train' | 'finetune',
): Promise<void> {
  const options = parseOptions(trainOptions, raw);
  const typed = typedOptions(command);
  const report = await selectCommandBackend(options.backend);
  terminal.info(`backend: ${report.backend} (${report.reason})`);
  const file = options.config ? await readJsonFile(options.config) : {};
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    throw new DiffBattError('--config must hold a JSON object', { file: options.config ?? '' });
  // A run record (run.json of an earlier run) replays that run's recipe; typed options still override.
  const replayed = isRunRecord(file) ? recipeOfRunRecord(file, options.config!) : null;
  if (replayed && typed.has('preset'))
    throw new DiffBattError('--preset and a run record in --config both fix the recipe; give one of them', {
      file: options.config!,
    });
  const preset = TRAIN_PRESETS[options.preset];
  const unetConfig = {
    ...(replayed ? replayed.unetConfig : { ...preset.unetConfig, ...file }),
    ...(options.predictionType === undefined ? {} : { predictionType: options.predictionType }),
  };
  const loaded = await loadSamples(registry, options.data, {
    ...(options.plugin === undefined ? {} : { pluginId: options.plugin }),
    onWarning: (message) => terminal.info(`warning: ${message}`),
  });
  const samples = requireCapacityMatrices(loaded, options.data, undefined, (m) =>
    terminal.info(`warning: ${m}`),
  );
  const given = <K extends keyof TrainSettings>(
    key: K,
    option: string,
    value: TrainSettings[K] | undefined,
  ) => (value === undefined || (replayed && !typed.has(option)) ? {} : { [key]: value });
  const settings: TrainSettings = {
    ...DEFAULT_TRAIN_SETTINGS,
    ...(replayed ? replayed.settings : preset.settings),
    ...given('steps', 'steps', options.steps),
    ...given('seed', 'seed', options.seed),
    ...given('batchSize', 'batchSize', options.batchSize),
    ...given('checkpointEvery', 'checkpointEvery', options.checkpointEvery),
    ...given('validationFraction', 'validationFraction', options.validationFraction),
    ...given('learningRate', 'learningRate', options.learningRate),
    ...given('learningRateWarmup', 'lrWarmup', options.lrWarmup),
    ...given('learningRateDecay', 'lrDecay', options.lrDecay),
    ...given('normaliseCapacityMatrix', 'normaliseCapacityMatrix', options.normaliseCapacityMatrix),
    ...given('minSnrGamma', 'minSnrGamma', options.minSnrGamma),
  };
  const presetName = replayed ? replayed.preset : options.preset;
  let bar: ReturnType<typeof terminal.progress> | undefined;
  let lastValidation = '';
  const result = await trainDiffBatt({
    samples,
    dataDescription: `${options.data} (${loaded.source}, ${samples.length} cells)`,
    outDir: options.out,
    settings,
    unetConfig,
    preset: presetName,
    ...(options.from === undefined ? {} : { fromModelDir: options.from }),
    resume: options.resume,
    backend: report.backend,
    ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    onStart: (info) => {
      terminal.info(
        `${mode}: ${info.trainCells} training + ${info.validationCells} validation cells, ${info.parameters} parameters, ` +
          `${info.workers} worker${info.workers === 1 ? '' : 's'}` +
          (info.startStep > 0 ? `, resuming at step ${info.startStep}` : ''),
      );
      if (info.pretrainedCapacityMatrixRows !== undefined)
        terminal.info(
          `the pretrained network read ${info.pretrainedCapacityMatrixRows}-row capacity matrices; it now reads the data's ` +
            `(no weight depends on the row count)`,
        );
      bar = terminal.progress(mode, settings.steps, info.startStep);
    },
    onStep: ({ step, loss, validationLoss }) => {
      if (validationLoss !== null) lastValidation = ` val ${validationLoss.toFixed(4)}`;
      bar?.update(step, `loss ${loss.toFixed(4)}${lastValidation}`);
    },
  });
  bar?.finish(`loss ${result.finalLoss.toFixed(4)}${lastValidation}`);
  terminal.out(
    `model: ${result.modelDir} (${result.bestStep === null ? 'last EMA weights' : `EMA at step ${result.bestStep}, validation loss ${result.bestValidationLoss?.toFixed(4)}`}; ${Math.round(result.seconds)} s)`,
  );
}

export function registerTrainCommands(program: Command, registry: DatasetRegistry): void {
  addTrainingOptions(program.command('train').description('train a DiffBatt model on a training split'))
    .option(
      '--config <file>',
      "U-Net config JSON (widths, hasAttention, ...; default: the preset's network), or an earlier run's run.json to replay its recipe",
    )
    .action((raw: Record<string, unknown>, command: Command) => runTraining(registry, raw, command, 'train'));
  addTrainingOptions(
    program
      .command('finetune')
      .description(
        'continue training a saved (or imported original) model on new cells (of either capacity-matrix size)',
      ),
  )
    .requiredOption('--from <model-dir>', 'the pretrained model directory')
    .action((raw: Record<string, unknown>, command: Command) =>
      runTraining(registry, raw, command, 'finetune'),
    );
}
