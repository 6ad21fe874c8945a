import type { DatasetRegistry } from '@diffbatt/core';
import { formatTextTable, SOH_CURVE_CYCLES } from '@diffbatt/eval';
import { markedCellId, renderReport, reportCell, syntheticBanner } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { describeSampler, samplerConfig, samplingRecord } from '../flows/sampler-options.js';
import { parseOptions } from '../options.js';
import { assertWritable, claimStandardOutput, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';
import {
  addNoveltyOption,
  describeNovelty,
  noveltyJsonField,
  noveltyOptionField,
  noveltyReferenceOption,
  noveltyText,
} from './novelty-option.js';
import {
  addEnsembleOption,
  addSamplingOptions,
  calibrationOption,
  curveCountText,
  describeModels,
  ensembleOptionField,
  loadForSampling,
  modelJsonFields,
  predictLives,
  samplingOptionFields,
} from './sampling-options.js';

const predictOptions = type({
  ...samplingOptionFields,
  ...ensembleOptionField,
  samples: curveCountText,
  'plugin?': 'string',
  'calibration?': 'string > 0',
  ...noveltyOptionField,
  'json?': 'string > 0',
  'csv?': 'string > 0',
  'report?': 'string > 0',
});

const LEVELS = [0.8, 0.95];

export function registerPredictCommand(program: Command, registry: DatasetRegistry): void {
  addNoveltyOption(
    addEnsembleOption(
      addSamplingOptions(
        program
          .command('predict')
          .description('predict the SOH curve and cycle life (with intervals) of cells from their raw files')
          .argument('<cells...>', 'cell files or directories, read through the dataset plugins'),
        { sampler: 'dpm-solver++', samples: '8' },
      ),
    ),
  )
    .option('--plugin <id>', 'dataset plugin for the cell files (default: detected)')
    .option(
      '--calibration <file>',
      'calibrate the life intervals with this file (diffbatt calibrate, with the same model and sampling)',
    )
    .option('--json <file>', 'write predictions as JSON (- = standard output)')
    .option(
      '--csv <file>',
      'write predicted SOH curves (median and bands per cycle) as CSV (- = standard output)',
    )
    .option('--report <file>', 'write an HTML report with the predicted curves and bands')
    .action(async (paths: string[], raw: Record<string, unknown>) => {
      const options = parseOptions(predictOptions, raw);
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      claimStandardOutput({ '--json': options.json, '--csv': options.csv, '--report': options.report });
      for (const [path, option] of [
        [options.json, '--json'],
        [options.csv, '--csv'],
        [options.report, '--report'],
      ] as const) {
        if (path) await assertWritable(path, option);
      }
      const lifeCalibration = await calibrationOption(options, sampler);
      const loaded = await loadForSampling(registry, options, paths);
      const { backend, cells } = loaded;
      const noveltyReference = await noveltyReferenceOption(
        registry,
        options.noveltyReference,
        loaded.config.capacityMatrixRows,
      );
      const { predictions: cellPredictions, seconds } = await predictLives(
        loaded,
        // loadForSampling keeps only cells with a capacity matrix.
        cells.map((c) => c.capacityMatrix as Float32Array),
        {
          samplesPerCell: options.samples,
          sampler,
          options,
          label: `predicting ${cells.length} cell(s) x ${options.samples}`,
          eolSoh: options.eol,
          intervalLevels: LEVELS,
          lifeCalibration,
          noveltyReference,
        },
      );
      const predictions = cells.map((cell, i) => ({ cell, ...cellPredictions[i]! }));

      const rows = predictions.map(({ cell, life, novelty }) => {
        const [i80, i95] = life.intervals;
        return [
          markedCellId(cell.cellId, cell.synthetic),
          life.median.toFixed(0),
          `${i80!.lower.toFixed(0)}-${i80!.upper.toFixed(0)}`,
          `${i95!.lower.toFixed(0)}-${i95!.upper.toFixed(0)}`,
          ...(novelty === undefined ? [] : [noveltyText(novelty)]),
        ];
      });
      const calibratedMark = lifeCalibration === undefined ? '' : ' (calibrated)';
      const header = [
        'cell',
        'cycle life (median)',
        `80 % interval${calibratedMark}`,
        `95 % interval${calibratedMark}`,
        ...(noveltyReference === undefined ? [] : ['unlike training cells']),
      ];
      terminal.out(
        `model ${describeModels(options)}; sampler ${describeSampler(sampler)}; guidance w=${options.guidance}; ` +
          `${options.samples} sample(s) per cell; ${seconds.toFixed(1)} s on ${backend.backend}`,
      );
      if (lifeCalibration !== undefined) {
        terminal.out(
          `life intervals calibrated by ${options.calibration} (conformal, fitted on ${lifeCalibration.calibrationCells} held-out cells)`,
        );
      }
      const banner = syntheticBanner(cells.map((cell) => cell.synthetic));
      if (banner !== null) terminal.out(banner);
      for (const line of formatTextTable(header, rows)) terminal.out(line);
      if (noveltyReference !== undefined) {
        const novelty = predictions.flatMap((p) => (p.novelty === undefined ? [] : [p.novelty]));
        terminal.out(describeNovelty(options.noveltyReference!, noveltyReference, novelty));
      }
      if (options.json) {
        const json = {
          ...modelJsonFields(options),
          backend: backend.backend,
          ...samplingRecord(sampler, { monotone: options.monotone, smoothing: options.smooth }),
          guidanceWeight: options.guidance,
          samplesPerCell: options.samples,
          seed: options.seed,
          eolSoh: options.eol,
          seconds,
          ...(lifeCalibration === undefined
            ? {}
            : {
                lifeCalibration: {
                  file: options.calibration,
                  method: lifeCalibration.method,
                  calibrationCells: lifeCalibration.calibrationCells,
                },
              }),
          ...(noveltyReference === undefined
            ? {}
            : noveltyJsonField(options.noveltyReference!, noveltyReference)),
          cells: predictions.map(({ cell, cycleLives, life, uncalibratedLife, band, novelty }) => ({
            cellId: cell.cellId,
            source: cell.source,
            synthetic: cell.synthetic,
            cycleLifeMedian: life.median,
            cycleLifeMean: life.mean,
            cycleLifeIntervals: life.intervals,
            ...(uncalibratedLife === undefined
              ? {}
              : { cycleLifeIntervalsUncalibrated: uncalibratedLife.intervals }),
            cycleLifeSamples: cycleLives,
            ...(novelty === undefined ? {} : { novelty }),
            cycles: SOH_CURVE_CYCLES,
            sohMedian: band.median,
            sohLow80: band.low,
            sohHigh80: band.high,
          })),
        };
        await writeOutput(options.json, `${JSON.stringify(json, null, 2)}\n`, 'predictions');
      }
      if (options.csv) {
        const lines = ['cell_id,cycle,soh_median_percent,soh_low80_percent,soh_high80_percent'];
        for (const { cell, band } of predictions) {
          SOH_CURVE_CYCLES.forEach((cycle, i) => {
            lines.push(
              `${JSON.stringify(cell.cellId)},${cycle},${band.median[i]!.toFixed(3)},${band.low[i]!.toFixed(3)},${band.high[i]!.toFixed(3)}`,
            );
          });
        }
        await writeOutput(options.csv, `${lines.join('\n')}\n`, 'curves');
      }
      if (options.report) {
        const html = renderReport({
          title: 'DiffBatt prediction',
          facts: [
            ['model', describeModels(options)],
            ['cells', paths.join(', ')],
            [
              'sampler',
              `${describeSampler(sampler)}, guidance w=${options.guidance}, ${options.samples} sample(s) per cell, seed ${options.seed}`,
            ],
            ['time', `${seconds.toFixed(1)} s on ${backend.backend}`],
            ...(lifeCalibration === undefined
              ? []
              : [['life intervals', `calibrated by ${options.calibration}`] as [string, string]]),
          ],
          tables: [{ caption: 'Predicted cycle life', header, rows }],
          cells: predictions.map(({ cell, life, curves }) =>
            reportCell(
              cell.cellId,
              cell.sohCurve,
              curves,
              {
                truth: null,
                predicted: life.median,
                low: life.intervals[0]!.lower,
                high: life.intervals[0]!.upper,
              },
              LEVELS[0]!,
              cell.synthetic,
            ),
          ),
          intervalLabel: `central 80 % of ${options.samples} sample(s); measured curve = the data given (may be only early cycles)`,
          endOfLifeSoh: options.eol,
        });
        await writeOutput(options.report, html, 'report');
      }
    });
}
