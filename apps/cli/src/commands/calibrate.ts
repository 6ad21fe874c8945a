import type { DatasetRegistry } from '@diffbatt/core';
import { DEFAULT_INTERVAL_LEVELS, formatTextTable } from '@diffbatt/eval';
import { type ModelLineage, modelLineage } from '@diffbatt/pipeline';
import { type } from 'arktype';
import type { Command } from 'commander';
import { pickCells } from '../flows/data.js';
import {
  type FoldNetwork,
  foldsOfCells,
  lineageWarnings,
  trainingCellsOfModels,
} from '../flows/life-calibration.js';
import { describeSampler, samplerConfig } from '../flows/sampler-options.js';
import { numberListText, OptionError, parseOptions } from '../options.js';
import { assertWritable, claimStandardOutput, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';
import {
  addEnsembleOption,
  addSamplingOptions,
  calibrateLives,
  calibrateLivesByFolds,
  curveCountText,
  describeModels,
  ensembleOptionField,
  loadForSampling,
  modelJsonFields,
  samplingOptionFields,
} from './sampling-options.js';

/** `0.5,0.8` -> [0.5, 0.8]: distinct central levels strictly between 0 and 1. */
const levelList = numberListText(
  (level) => level > 0 && level < 1,
  'a comma-separated list of levels between 0 and 1, e.g. 0.5,0.8,0.95',
  'levels',
);

/** `--fold-models` is a directory list like `--ensemble`'s. */
const foldModelsField = { 'foldModels?': ensembleOptionField['ensemble?'] } as const;

const calibrateOptions = type({
  ...samplingOptionFields,
  ...ensembleOptionField,
  ...foldModelsField,
  samples: curveCountText,
  data: 'string > 0',
  'plugin?': 'string',
  'cells?': 'string > 0',
  levels: levelList,
  out: 'string > 0',
});

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export function registerCalibrateCommand(program: Command, registry: DatasetRegistry): void {
  addEnsembleOption(
    addSamplingOptions(
      program
        .command('calibrate')
        .description(
          'fit a calibration of the cycle-life intervals on held-out cells (never training cells, never the ' +
            'test split you will report on), for predict and test --calibration',
        ),
      { sampler: 'dpm-solver++', samples: '8' },
    ),
  )
    .requiredOption(
      '--data <path>',
      'held-out cells with measured curves that the model never trained on (e.g. the validation cells of ' +
        'its training run, or another split); never the test split you will report on',
    )
    .option(
      '--fold-models <dirs>',
      'cross-validated calibration of a --model trained on ALL cells of --data: fold networks (comma-separated), ' +
        'each trained by the same recipe without one fold of those cells; each samples the cells its run.json ' +
        'does not list as training cells, and the margins are fitted on all folds together',
    )
    .option('--plugin <id>', 'dataset plugin to read --data with (default: detected)')
    .option(
      '--cells <ids>',
      'use only these cells of --data (comma-separated ids, e.g. validationCellIds of run.json)',
    )
    .option(
      '--levels <list>',
      'central interval levels to calibrate (0.95 needs at least 19 cells, 0.8 at least 4)',
      DEFAULT_INTERVAL_LEVELS.join(','),
    )
    .requiredOption('--out <file>', 'calibration JSON to write (read by predict and test --calibration)')
    .addHelpText(
      'after',
      '\nUse the same --sampler, --steps, --samples, --guidance and --eol with predict and test: the margins ' +
        'hold for that sampling only.\nCells listed as training cells in the run.json beside the model (or in ' +
        'its run folder) are refused; with --fold-models, each fold network scores only cells its run.json does not list.\n' +
        'A cell that a network was fine-tuned from trained on (run.json fromModelDir, followed to the first network) ' +
        'is warned of and counted in the provenance: margins fitted on seen cells are too narrow.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(calibrateOptions, raw);
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      claimStandardOutput({ '--out': options.out });
      await assertWritable(options.out, '--out');
      const result =
        options.foldModels === undefined
          ? await calibrateOnHeldOutCells(registry, options, sampler)
          : await calibrateOnFolds(registry, { ...options, foldModels: options.foldModels }, sampler);
      const { calibration, coverage, seconds } = result;
      terminal.out(
        `model ${describeModels(options)}; data ${options.data} (${calibration.calibrationCells} held-out cells${foldsText(options)}); ` +
          `sampler ${describeSampler(sampler)}; guidance w=${options.guidance}; ${options.samples} sample(s) per cell; ` +
          `seed ${options.seed}; ${seconds.toFixed(1)} s on ${result.backend}`,
      );
      const rows = coverage.map(({ level, before, after }) => {
        const margin = calibration.margins.find((m) => m.level === level)!.logMargin;
        return [
          `${Number((level * 100).toPrecision(6))} %`,
          percent(before),
          Math.exp(margin).toPrecision(3),
          percent(after),
        ];
      });
      const header = [
        'interval',
        'coverage as sampled',
        'factor f (lower / f, upper x f)',
        'coverage calibrated*',
      ];
      for (const line of formatTextTable(header, rows)) terminal.out(line);
      terminal.out(
        `* on the same ${calibration.calibrationCells} cells, so near the level by construction; ` +
          'measure coverage on a test split with diffbatt test --calibration',
      );
      const json = {
        ...calibration,
        provenance: {
          ...calibration.provenance,
          ...modelJsonFields(options),
          ...(options.foldModels === undefined ? {} : { foldModels: options.foldModels }),
          data: options.data,
          cellsSeenByStartingNetworks: result.seen,
          coverageOnCalibrationCells: coverage,
        },
      };
      await writeOutput(options.out, `${JSON.stringify(json, null, 2)}\n`, 'calibration');
    });
}

type CalibrateOptions = typeof calibrateOptions.infer;
type Sampler = ReturnType<typeof samplerConfig>;

const foldsText = (options: CalibrateOptions) =>
  options.foldModels === undefined ? '' : `, in ${options.foldModels.length} folds`;

/** The cells of --data (or --cells) that the model(s) never trained on: split-conformal. */
async function calibrateOnHeldOutCells(
  registry: DatasetRegistry,
  options: CalibrateOptions,
  sampler: Sampler,
) {
  // Every network's training cells are refused: a cell one of them trained on is not held out.
  const training = await trainingCellsOfModels([options.model, ...(options.ensemble ?? [])]);
  const loaded = await loadForSampling(registry, options, [options.data]);
  if (options.cells !== undefined) loaded.cells = pickCells(loaded.cells, options.cells, options.data);
  const { backend, cells } = loaded;
  for (const { lineage } of training.records) {
    terminal.info(
      `checked against the ${lineage.trainCellIds.length} training cells listed in ${lineage.file}`,
    );
  }
  const cellIds = cells.map((cell) => cell.cellId);
  const seen = reportLineages(training.records.map(({ dir, lineage }) => ({ dir, lineage, cellIds })));
  const result = await calibrateLives(loaded, cells, {
    samplesPerCell: options.samples,
    sampler,
    options,
    label: `sampling ${cells.length} held-out cells x ${options.samples}`,
    eolSoh: options.eol,
    levels: options.levels,
    trainingCellIds: training.ids,
  });
  return { ...result, backend: backend.backend, seen };
}

/**
 * --fold-models: each fold network samples the cells of --data it never trained on; --model (trained on
 * all of them) samples nothing, but must take the fold networks' matrices for the margins to apply to it.
 */
async function calibrateOnFolds(
  registry: DatasetRegistry,
  options: CalibrateOptions & { foldModels: string[] },
  sampler: Sampler,
) {
  if (options.ensemble !== undefined) {
    throw new OptionError(
      '--fold-models calibrates one network, --model: it cannot be combined with --ensemble',
    );
  }
  const networks: FoldNetwork[] = [];
  for (const dir of options.foldModels) {
    const lineage = await modelLineage(dir);
    if (lineage === null) {
      throw new OptionError(
        `fold network ${dir} has no run.json listing its training cells (beside it or in its run folder): its fold is unknown`,
      );
    }
    terminal.info(
      `fold network ${dir}: ${lineage.trainCellIds.length} training cells listed in ${lineage.file}`,
    );
    networks.push({ dir, lineage });
  }
  const loaded = await loadForSampling(registry, { ...options, ensemble: options.foldModels }, [
    options.data,
  ]);
  if (options.cells !== undefined) loaded.cells = pickCells(loaded.cells, options.cells, options.data);
  const rows = loaded.config.capacityMatrixRows;
  for (const [index, member] of loaded.ensemble.entries()) {
    if (member.config.capacityMatrixRows !== rows) {
      throw new OptionError(
        `fold network ${options.foldModels[index]} takes ${member.config.capacityMatrixRows}-row capacity matrices, ` +
          `--model ${options.model} ${rows}-row ones: folds must be trained by the model's recipe`,
      );
    }
  }
  const { folds, unused } = foldsOfCells(loaded.cells, networks);
  if (unused.length > 0) {
    terminal.info(`${unused.length} cells of --data were trained on by every fold network and are left out`);
  }
  const seen = reportLineages(
    networks.map(({ dir, lineage }, index) => ({
      dir,
      lineage,
      cellIds: folds[index]!.map((cell) => cell.cellId),
    })),
  );
  const result = await calibrateLivesByFolds(
    loaded,
    folds.map((cells, index) => ({ cells, trainingCellIds: networks[index]!.lineage.trainCellIds })),
    {
      samplesPerCell: options.samples,
      sampler,
      options,
      label: `sampling ${folds.flat().length} cells in ${folds.length} folds x ${options.samples}`,
      eolSoh: options.eol,
      levels: options.levels,
    },
  );
  return { ...result, backend: loaded.backend.backend, seen };
}

/**
 * Warns of calibration cells that a network never trained on but has seen through the network it was
 * fine-tuned from; returns how many there are, for the calibration's provenance.
 */
function reportLineages(networks: { dir: string; lineage: ModelLineage; cellIds: string[] }[]): number {
  let seen = 0;
  for (const { dir, lineage, cellIds } of networks) {
    const report = lineageWarnings(dir, lineage, cellIds);
    for (const warning of report.warnings) terminal.info(`warning: ${warning}`);
    seen += report.seen;
  }
  return seen;
}
