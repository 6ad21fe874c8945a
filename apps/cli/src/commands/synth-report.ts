import { type DatasetRegistry, DiffBattError } from '@diffbatt/core';
import {
  type CurveSetQuality,
  curveFeatures,
  curveSetQuality,
  ENGINEER_FEATURE_NAMES,
  ENGINEER_FEATURES_ID,
  engineerFeatureVector,
  featureStandardisation,
  formatTextTable,
  isFiniteCurve,
  SOH_CURVE_CYCLES,
  SOH_FEATURE_THRESHOLDS,
  sohCurveBand,
  sohThresholdFeatures,
  standardise,
} from '@diffbatt/eval';
import { renderSynthesisReport, syntheticBanner } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { loadSamples } from '../flows/data.js';
import { describeSampler, samplerConfig, samplingRecord } from '../flows/sampler-options.js';
import { numberListText, parseOptions } from '../options.js';
import { assertWritable, claimStandardOutput, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';
import {
  addSamplingOptions,
  curveCountText,
  drawCurves,
  loadForSampling,
  samplingOptionFields,
} from './sampling-options.js';

/** Neighbours for k-NN precision/recall, as `diffbatt score` uses. */
const NEIGHBOURS = 3;
/** The figure's band: the central 80 % (10-90 %) of the curves at each cycle. */
const BAND_LEVEL = 0.8;

/** The feature spaces `--features` offers: how a curve becomes a vector, given the measured test curves. */
const FEATURE_SPACES = {
  'soh-thresholds': {
    id: sohThresholdFeatures.id,
    description:
      `${sohThresholdFeatures.id}: the first cycle, in hundreds, at which SOH is at or below ` +
      `${SOH_FEATURE_THRESHOLDS.join(', ')} % (25.6 = never within 2560 cycles); the feature space of ` +
      "diffbatt score's synthesis metrics",
    featuresFor: (_test: readonly ArrayLike<number>[]) => curveFeatures,
  },
  engineer: {
    id: ENGINEER_FEATURES_ID,
    description:
      `${ENGINEER_FEATURES_ID}: ${ENGINEER_FEATURE_NAMES.join(', ')} (knee by the maximum distance to the ` +
      'chord; fade slopes over cycles 1-100 and from 90 % SOH to end of life; smoothness = mean |second ' +
      'difference|), each standardised by the measured test curves',
    featuresFor: (test: readonly ArrayLike<number>[]) => {
      // Standardised by the reference cells, so that no feature's units outweigh the others.
      const scaling = featureStandardisation(test.map(engineerFeatureVector));
      return (curve: ArrayLike<number>) => standardise(scaling, engineerFeatureVector(curve));
    },
  },
} as const;

/** `0,1,3` -> [0, 1, 3]: distinct guidance weights >= 0. */
const guidanceList = numberListText(
  (w) => Number.isFinite(w) && w >= 0,
  'a comma-separated list of guidance weights >= 0, e.g. 0,1,3',
  'weights',
);

const synthReportOptions = type({
  ...samplingOptionFields,
  guidance: guidanceList,
  n: curveCountText,
  train: 'string > 0',
  test: 'string > 0',
  'plugin?': 'string',
  json: 'string > 0',
  'report?': 'string > 0',
  features: "'soh-thresholds' | 'engineer'",
});

/** Frechet distance and k-NN precision/recall of a set of curves against the measured test curves. */

/** Synthesis quality of one set of curves against the measured test curves. */
export interface SynthesisQualityRow extends CurveSetQuality {
  set: string;
  synthetic: boolean;
  /** Null for the floor and for unconditional curves (guidance has no effect on them). */
  guidanceWeight: number | null;
  /** Sampling time (0 for the floor). */
  seconds: number;
  /**
   * Synthetic sets: the same scores over one curve per training cell (the first), a set as large as the
   * floor's, since neither metric is blind to set size.
   */
  sizeMatched?: CurveSetQuality;
}

/** What `--json` writes. */
export interface SynthesisQualityReport {
  model: string;
  train: string;
  test: string;
  trainCells: number;
  testCells: number;
  backend: string;
  sampler: string;
  steps: number;
  clipSample: boolean;
  /** `--monotone`: every curve projected onto the nearest never-rising one before scoring. */
  monotone: boolean;
  /** `--smooth`: the Whittaker smoothing penalty every curve was smoothed with before scoring (0 = off). */
  smoothing: number;
  seed: number;
  samplesPerCell: number;
  guidanceWeights: number[];
  featureMap: string;
  featureSpace: string;
  k: number;
  /** Measured training cells against the test cells. */
  floor: SynthesisQualityRow;
  /** One row per guidance weight, in the order given. */
  conditional: SynthesisQualityRow[];
  unconditional: SynthesisQualityRow;
  /** Set when the training or test cells are themselves synthetic. */
  warnings: string[];
  seconds: number;
}

/** A set's row; `sizeMatched` (synthetic sets) is the subset as large as the floor. */
function qualityRow(
  set: Omit<SynthesisQualityRow, keyof CurveSetQuality | 'sizeMatched'>,
  curves: readonly ArrayLike<number>[],
  space: { testFeatures: readonly Float64Array[]; featuresOf: (curve: ArrayLike<number>) => Float64Array },
  sizeMatched?: readonly ArrayLike<number>[],
): SynthesisQualityRow {
  const quality = (name: string, of: readonly ArrayLike<number>[]) =>
    curveSetQuality(name, of, space.testFeatures, NEIGHBOURS, space.featuresOf);
  return {
    ...set,
    ...quality(set.set, curves),
    ...(sizeMatched === undefined ? {} : { sizeMatched: quality(`${set.set} (size-matched)`, sizeMatched) }),
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export function registerSynthReportCommand(program: Command, registry: DatasetRegistry): void {
  addSamplingOptions(
    program
      .command('synth-report')
      .description(
        'synthesis quality: Frechet distance and k-NN precision/recall of synthetic curves (conditioned on ' +
          'training cells, and unconditional) vs held-out test cells, beside real train vs test as the floor',
      ),
    {
      sampler: 'dpm-solver++',
      guidance: { description: 'guidance weights to compare, comma-separated', value: '0,1,3' },
    },
  )
    .requiredOption(
      '--train <path>',
      'training cells: their capacity matrices condition the synthetic curves',
    )
    .requiredOption('--test <path>', 'held-out measured cells every set is compared with')
    .option('--n <k>', 'synthetic curves per training cell (and as many unconditional ones in all)', '4')
    .option('--plugin <id>', 'dataset plugin for --train and --test (default: detected)')
    .requiredOption('--json <file>', 'write the metrics as JSON (- = standard output)')
    .option('--report <file>', 'write an HTML report with synthetic and measured curve bands')
    .option(
      '--features <space>',
      'feature space of the metrics: soh-thresholds (cycles to 98..80 % SOH) or engineer (knee, cycles ' +
        'to 90/80 %, fade slopes, smoothness)',
      'soh-thresholds',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(synthReportOptions, raw);
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      claimStandardOutput({ '--json': options.json, '--report': options.report });
      await assertWritable(options.json, '--json');
      if (options.report) await assertWritable(options.report, '--report');
      const test = (
        await loadSamples(registry, options.test, {
          ...(options.plugin === undefined ? {} : { pluginId: options.plugin }),
          onWarning: (message) => terminal.info(`warning: ${message}`),
        })
      ).samples;
      if (test.length <= NEIGHBOURS) {
        throw new DiffBattError(
          `${test.length} test cell(s): k-NN precision/recall needs more than ${NEIGHBOURS}`,
          { file: options.test },
        );
      }
      // Loading reads no guidance weight; each set below passes its own.
      const loaded = await loadForSampling(registry, { ...options, guidance: 0 }, [options.train]);
      const train = loaded.cells;
      // The floor and the reference must be measured cells; say so loudly when they are not.
      const warnings: string[] = [];
      for (const [cells, path] of [
        [train, options.train],
        [test, options.test],
      ] as const) {
        const banner = syntheticBanner(cells.map((cell) => cell.synthetic));
        if (banner !== null) warnings.push(`${path}: ${banner}`);
      }
      for (const warning of warnings) terminal.info(`warning: ${warning}`);

      const total = train.length * options.n;
      const draw = async (
        conditions: (Float32Array | null)[],
        perCondition: number,
        w: number,
        label: string,
      ) => {
        const { curves, seconds } = await drawCurves(loaded, conditions, {
          samplesPerCell: perCondition,
          sampler,
          options: { ...options, guidance: w },
          label,
          keepModel: true,
        });
        return { perCondition: curves, curves: curves.flat(), seconds };
      };
      type Drawn = Awaited<ReturnType<typeof draw>>;
      const conditional: (Drawn & { guidanceWeight: number })[] = [];
      let unconditional: Drawn;
      try {
        for (const guidanceWeight of options.guidance) {
          const drawn = await draw(
            train.map((cell) => cell.capacityMatrix),
            options.n,
            guidanceWeight,
            `synthesizing w=${guidanceWeight}: ${train.length} training cells x ${options.n}`,
          );
          conditional.push({ guidanceWeight, ...drawn });
        }
        // Guidance has no effect without a condition, so one unconditional set serves every w.
        unconditional = await draw([null], total, 0, `synthesizing ${total} unconditional`);
      } finally {
        loaded.model.dispose();
      }

      const featureSpace = FEATURE_SPACES[options.features];
      const featuresOf = featureSpace.featuresFor(test.map((cell) => cell.sohCurve));
      const space = { featuresOf, testFeatures: test.map((cell) => featuresOf(cell.sohCurve)) };
      const floor = qualityRow(
        {
          set: 'measured train vs measured test (floor)',
          synthetic: false,
          guidanceWeight: null,
          seconds: 0,
        },
        train.map((cell) => cell.sohCurve),
        space,
      );
      // Size-matched subsets: each training cell's first curve; the first unconditional curves.
      const conditionalRows = conditional.map(({ guidanceWeight, perCondition, curves, seconds }) =>
        qualityRow(
          { set: `synthetic, conditioned, w=${guidanceWeight}`, synthetic: true, guidanceWeight, seconds },
          curves,
          space,
          perCondition.map((perCell) => perCell[0]!),
        ),
      );
      const unconditionalRow = qualityRow(
        {
          set: 'synthetic, unconditional',
          synthetic: true,
          guidanceWeight: null,
          seconds: unconditional.seconds,
        },
        unconditional.curves,
        space,
        unconditional.curves.slice(0, train.length),
      );
      const rows = [floor, ...conditionalRows, unconditionalRow];
      const seconds = rows.reduce((sum, row) => sum + row.seconds, 0);
      const notes = [
        `Every set is compared with the ${test.length} measured test curves in feature space ${featureSpace.description}; ` +
          `k-NN precision/recall with k = ${NEIGHBOURS}.`,
        `Lower Frechet distance and higher precision (fidelity) and recall (diversity) are better. The floor is ` +
          `what measured cells reach: the ${train.length} training cells against the test cells. Synthetic sets ` +
          `hold ${options.n} curves per training cell (${total}); as neither metric is blind to set size, the ` +
          `second table scores one curve per training cell (${train.length}, as many as the floor).`,
        `All sets share seed ${options.seed}; unconditional curves do not depend on w (one set).`,
      ];

      terminal.out(
        `model ${options.model}; train ${options.train} (${train.length} cells); test ${options.test} ` +
          `(${test.length} cells); sampler ${describeSampler(sampler)}; ${options.n} curve(s) per training ` +
          `cell; seed ${options.seed}; ${seconds.toFixed(1)} s on ${loaded.backend.backend}`,
      );
      const header = ['set', 'curves', 'Frechet distance', 'precision', 'recall'];
      const cellsOf = (set: string, scores: CurveSetQuality) => [
        set,
        `${scores.curves}${scores.nonFiniteCurves > 0 ? ` (+${scores.nonFiniteCurves} non-finite)` : ''}`,
        scores.frechetDistance.toPrecision(4),
        percent(scores.precision),
        percent(scores.recall),
      ];
      const tables = [
        {
          caption: 'Synthesis quality against the test cells',
          header,
          rows: rows.map((row) => cellsOf(row.set, row)),
        },
        {
          caption: `Same size as the floor: one curve per training cell (${train.length})`,
          header,
          rows: rows.map((row) => cellsOf(row.set, row.sizeMatched ?? row)),
        },
      ];
      terminal.out(
        [
          ...tables.map((table) => [table.caption, ...formatTextTable(table.header, table.rows)].join('\n')),
          notes.join('\n'),
        ].join('\n\n'),
      );

      const json: SynthesisQualityReport = {
        model: options.model,
        train: options.train,
        test: options.test,
        trainCells: train.length,
        testCells: test.length,
        backend: loaded.backend.backend,
        ...samplingRecord(sampler, { monotone: options.monotone, smoothing: options.smooth }),
        seed: options.seed,
        samplesPerCell: options.n,
        guidanceWeights: options.guidance,
        featureMap: featureSpace.id,
        featureSpace: featureSpace.description,
        k: NEIGHBOURS,
        floor,
        conditional: conditionalRows,
        unconditional: unconditionalRow,
        warnings,
        seconds,
      };
      await writeOutput(options.json, `${JSON.stringify(json, null, 2)}\n`, 'metrics');

      if (options.report) {
        const panelOf = (title: string, synthetic: boolean, curves: readonly ArrayLike<number>[]) => ({
          title,
          synthetic,
          band: sohCurveBand(curves.filter(isFiniteCurve), BAND_LEVEL),
        });
        const html = renderSynthesisReport({
          title: 'DiffBatt synthesis quality',
          facts: [
            ['model', options.model],
            ['training cells (condition)', `${options.train} (${train.length} cells)`],
            ['test cells (reference)', `${options.test} (${test.length} cells)`],
            [
              'sampler',
              `${describeSampler(sampler)}, ${options.n} curve(s) per training cell, seed ${options.seed}`,
            ],
            ['time', `${seconds.toFixed(1)} s on ${loaded.backend.backend}`],
            ...warnings.map((warning): [string, string] => ['warning', warning]),
          ],
          tables,
          notes,
          cycles: SOH_CURVE_CYCLES,
          reference: {
            label: `measured test cells (${test.length})`,
            band: sohCurveBand(
              test.map((cell) => cell.sohCurve),
              BAND_LEVEL,
            ),
          },
          panels: [
            panelOf(
              `measured training cells (${train.length})`,
              false,
              train.map((cell) => cell.sohCurve),
            ),
            ...conditional.map(({ guidanceWeight, curves }) =>
              panelOf(`SYNTHETIC, conditioned, w=${guidanceWeight} (${curves.length})`, true, curves),
            ),
            panelOf(`SYNTHETIC, unconditional (${unconditional.curves.length})`, true, unconditional.curves),
          ],
          bandLabel: '10-90 % of curves per cycle',
          endOfLifeSoh: options.eol,
        });
        await writeOutput(options.report, html, 'report');
      }
    });
}
