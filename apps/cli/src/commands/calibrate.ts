import type { DatasetRegistry } from '@diffbatt/core';
import { DEFAULT_INTERVAL_LEVELS, formatTextTable } from '@diffbatt/eval';
import { type } from 'arktype';
import type { Command } from 'commander';
import { pickCells } from '../flows/data.js';
import { trainingCellsOfModels } from '../flows/life-calibration.js';
import { describeSampler, samplerConfig } from '../flows/sampler-options.js';
import { numberListText, parseOptions } from '../options.js';
import { assertWritable, claimStandardOutput, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';
import {
  addEnsembleOption,
  addSamplingOptions,
  calibrateLives,
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

const calibrateOptions = type({
  ...samplingOptionFields,
  ...ensembleOptionField,
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
        'its run folder) are refused.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(calibrateOptions, raw);
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      claimStandardOutput({ '--out': options.out });
      await assertWritable(options.out, '--out');
      // Every network's training cells are refused: a cell one of them trained on is not held out.
      const training = await trainingCellsOfModels([options.model, ...(options.ensemble ?? [])]);
      const loaded = await loadForSampling(registry, options, [options.data]);
      if (options.cells !== undefined) loaded.cells = pickCells(loaded.cells, options.cells, options.data);
      const { backend, cells } = loaded;
      for (const { file, ids } of training.records) {
        terminal.info(`checked against the ${ids.length} training cells listed in ${file}`);
      }
      const result = await calibrateLives(loaded, cells, {
        samplesPerCell: options.samples,
        sampler,
        options,
        label: `sampling ${cells.length} held-out cells x ${options.samples}`,
        eolSoh: options.eol,
        levels: options.levels,
        trainingCellIds: training.ids,
      });
      const { calibration, coverage, seconds } = result;
      terminal.out(
        `model ${describeModels(options)}; data ${options.data} (${cells.length} held-out cells); sampler ${describeSampler(sampler)}; ` +
          `guidance w=${options.guidance}; ${options.samples} sample(s) per cell; seed ${options.seed}; ` +
          `${seconds.toFixed(1)} s on ${backend.backend}`,
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
          data: options.data,
          coverageOnCalibrationCells: coverage,
        },
      };
      await writeOutput(options.out, `${JSON.stringify(json, null, 2)}\n`, 'calibration');
    });
}
