import { basename } from 'node:path';
import type { DatasetRegistry } from '@diffbatt/core';
import {
  conditionNovelty,
  isUnlikeReference,
  rmse,
  scoreResultsToJson,
  scoreSohCurves,
} from '@diffbatt/eval';
import { formatMarkedScoreTable, renderReport, reportCell, syntheticJsonFields } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { pickCells } from '../flows/data.js';
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
} from './novelty-option.js';
import {
  addEnsembleOption,
  addSamplingOptions,
  calibrationOption,
  curveCountText,
  describeModels,
  drawCurves,
  ensembleOptionField,
  loadForSampling,
  modelJsonFields,
  samplingOptionFields,
} from './sampling-options.js';

const testOptions = type({
  ...samplingOptionFields,
  ...ensembleOptionField,
  samples: curveCountText,
  data: 'string > 0',
  'plugin?': 'string',
  'cells?': 'string > 0',
  'calibration?': 'string > 0',
  ...noveltyOptionField,
  'json?': 'string > 0',
  'report?': 'string > 0',
});

/** Band and life interval shown in the report. */
const REPORT_LEVEL = 0.8;

export function registerTestCommand(program: Command, registry: DatasetRegistry): void {
  addNoveltyOption(
    addEnsembleOption(
      addSamplingOptions(
        program
          .command('test')
          .description(
            'generate SOH curves for a test split and score them (original protocol and a peeking-free rule)',
          ),
        { sampler: 'ddpm', samples: '1' },
      ),
    ),
  )
    .requiredOption('--data <path>', 'test split: a dataset file (.dbds) or a path a dataset plugin reads')
    .option('--plugin <id>', 'dataset plugin to read --data with (default: detected)')
    .option('--cells <ids>', 'score only these cells of --data (comma-separated cell ids)')
    .option(
      '--calibration <file>',
      'also score life intervals calibrated by this file (diffbatt calibrate, fitted on other cells than these)',
    )
    .option('--json <file>', 'write the scores as JSON (- = standard output)')
    .option('--report <file>', 'write an HTML report with curves, bands and a life scatter')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(testOptions, raw);
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      claimStandardOutput({ '--json': options.json, '--report': options.report });
      if (options.json) await assertWritable(options.json, '--json');
      if (options.report) await assertWritable(options.report, '--report');
      const lifeCalibration = await calibrationOption(options, sampler);
      const loaded = await loadForSampling(registry, options, [options.data]);
      if (options.cells !== undefined) loaded.cells = pickCells(loaded.cells, options.cells, options.data);
      const { backend, cells } = loaded;
      const noveltyReference = await noveltyReferenceOption(
        registry,
        options.noveltyReference,
        loaded.config.capacityMatrixRows,
      );
      // Before sampling: a matrix the reference cannot measure fails here.
      const novelty =
        noveltyReference && cells.map((c) => conditionNovelty(noveltyReference, c.capacityMatrix!));
      const { curves: generated, seconds } = await drawCurves(
        loaded,
        cells.map((c) => c.capacityMatrix),
        {
          samplesPerCell: options.samples,
          sampler,
          options,
          label: `sampling ${cells.length} cells x ${options.samples}`,
        },
      );
      const results = scoreSohCurves(
        { reference: cells.map((c) => c.sohCurve), generated, cellIds: cells.map((c) => c.cellId) },
        { eolSoh: options.eol, lifeCalibration },
      );
      terminal.out(
        `model ${describeModels(options)}; data ${options.data} (${cells.length} cells); sampler ${describeSampler(sampler)}; ` +
          `guidance w=${options.guidance}; seed ${options.seed}; ${seconds.toFixed(1)} s on ${backend.backend}`,
      );
      const synthetic = cells.map((c) => c.synthetic);
      terminal.out(formatMarkedScoreTable(results, synthetic));
      if (noveltyReference !== undefined && novelty !== undefined) {
        terminal.out(describeNovelty(options.noveltyReference!, noveltyReference, novelty));
        const { rulPredicted } = results.medianOfSamples;
        const rmseOf = (unlike: boolean) => {
          const cellsOf = novelty.flatMap((n, i) => (isUnlikeReference(n) === unlike ? [i] : []));
          if (cellsOf.length === 0) return 'n/a (0 cells)';
          const value = rmse(
            cellsOf.map((i) => results.rulReference[i]!),
            cellsOf.map((i) => rulPredicted[i]!),
          );
          return `${value.toFixed(1)} (${cellsOf.length} cells)`;
        };
        terminal.out(
          `cycle life RMSE, median of samples: cells unlike the training cells ${rmseOf(true)}, the others ${rmseOf(false)}`,
        );
        const marked = cells.filter((_, i) => isUnlikeReference(novelty[i]!)).map((c) => c.cellId);
        if (marked.length > 0) terminal.out(`unlike the training cells: ${marked.join(', ')}`);
      }
      if (options.json) {
        const json = {
          ...modelJsonFields(options),
          data: options.data,
          backend: backend.backend,
          ...samplingRecord(sampler, { monotone: options.monotone === true, smoothing: options.smooth }),
          guidanceWeight: options.guidance,
          seed: options.seed,
          seconds,
          ...(options.calibration === undefined ? {} : { lifeCalibrationFile: options.calibration }),
          ...JSON.parse(scoreResultsToJson(results)),
          ...(noveltyReference === undefined
            ? {}
            : { ...noveltyJsonField(options.noveltyReference!, noveltyReference), novelty }),
          ...syntheticJsonFields(synthetic),
        };
        await writeOutput(options.json, `${JSON.stringify(json, null, 2)}\n`, 'scores');
      }
      if (options.report) {
        // The calibrated interval when the calibration has the report's level.
        const calibrated = results.rulSamplesCalibrated?.intervals.find((i) => i.level === REPORT_LEVEL);
        const interval = calibrated ?? results.rulSamples.intervals.find((i) => i.level === REPORT_LEVEL);
        const html = renderReport({
          title: `DiffBatt test: ${basename(options.data)}`,
          facts: [
            ['model', describeModels(options)],
            ['data', `${options.data} (${cells.length} cells)`],
            [
              'sampler',
              `${describeSampler(sampler)}, guidance w=${options.guidance}, ${options.samples} sample(s) per cell, seed ${options.seed}`,
            ],
            ['time', `${seconds.toFixed(1)} s on ${backend.backend}`],
          ],
          tables: [
            {
              caption: 'Cycle life and SOH errors',
              header: ['metric', 'best of reps (peeks at the reference)', 'median of samples'],
              rows: [
                [
                  'cycle life RMSE (cycles)',
                  results.rulRmse.toFixed(1),
                  results.medianOfSamples.rulRmse.toFixed(1),
                ],
                [
                  'cycle life MAE (cycles)',
                  results.rulMae.toFixed(1),
                  results.medianOfSamples.rulMae.toFixed(1),
                ],
                [
                  'cycle life MAPE (%)',
                  (results.rulMape * 100).toFixed(1),
                  (results.medianOfSamples.rulMape * 100).toFixed(1),
                ],
                [
                  'SOH RMSE (% points)',
                  results.sohRmse.toFixed(3),
                  results.medianOfSamples.sohRmse.toFixed(3),
                ],
              ],
            },
          ],
          cells: cells.map((cell, i) =>
            reportCell(
              cell.cellId,
              cell.sohCurve,
              generated[i]!,
              {
                truth: results.rulReference[i]!,
                predicted: results.medianOfSamples.rulPredicted[i]!,
                low: interval?.lower[i] ?? results.medianOfSamples.rulPredicted[i]!,
                high: interval?.upper[i] ?? results.medianOfSamples.rulPredicted[i]!,
              },
              REPORT_LEVEL,
              cell.synthetic,
            ),
          ),
          intervalLabel:
            `central ${REPORT_LEVEL * 100} % of ${options.samples} sample(s) per cell` +
            (calibrated === undefined
              ? ''
              : `; life interval calibrated by ${basename(options.calibration!)}`),
          endOfLifeSoh: options.eol,
        });
        await writeOutput(options.report, html, 'report');
      }
    });
}
