import { extname } from 'node:path';
import {
  type DatasetRegistry,
  DiffBattError,
  type ModelSample,
  writeDatasetFile,
  writeFileAtomic,
} from '@diffbatt/core';
import { SOH_CURVE_CYCLES } from '@diffbatt/eval';
import { UNCONDITIONAL_SOURCE } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { describeSampler, samplerConfig, samplingRecord } from '../flows/sampler-options.js';
import { OptionError, parseOptions } from '../options.js';
import { assertWritable } from '../output.js';
import { terminal } from '../terminal.js';
import {
  addSamplingOptions,
  curveCountText,
  drawCurves,
  loadForSampling,
  samplingOptionFields,
} from './sampling-options.js';

/**
 * Stable ids: `synthetic-<source cell>-<k>` for the k-th curve conditioned on a cell (1-based),
 * `synthetic-unconditional-<k>` for the k-th unconditional one.
 */
function syntheticCellId(source: ModelSample | null, index: number): string {
  return `synthetic-${source ? source.cellId : UNCONDITIONAL_SOURCE}-${index + 1}`;
}

/** One curve to draw: its condition cell (null: unconditional) and its number among that cell's curves. */
interface SynthesisRow {
  source: ModelSample | null;
  index: number;
}

/**
 * Checked before sampling. The loaders already refuse a repeated cell id, so what is left is a condition
 * cell named "unconditional", whose curves would take the ids of the unconditional ones.
 */
function assertUniqueCellIds(rows: readonly SynthesisRow[], condition: string | undefined): void {
  const seen = new Set<string>();
  for (const { source, index } of rows) {
    const cellId = syntheticCellId(source, index);
    if (seen.has(cellId)) {
      throw new DiffBattError(
        `synthetic cell id "${cellId}" would repeat: the condition cells need unique ids`,
        condition === undefined ? {} : { file: condition },
      );
    }
    seen.add(cellId);
  }
}

const synthesizeOptions = type({
  ...samplingOptionFields,
  n: curveCountText,
  'condition?': 'string > 0',
  'unconditional?': curveCountText,
  'plugin?': 'string',
  out: 'string > 0',
});

export function registerSynthesizeCommand(program: Command, registry: DatasetRegistry): void {
  addSamplingOptions(
    program
      .command('synthesize')
      .description('generate synthetic SOH curves, conditioned on real cells or unconditionally'),
    { sampler: 'dpm-solver++' },
  )
    .requiredOption('--n <n>', 'curves per condition cell (or in all, without --condition)')
    .option(
      '--condition <path>',
      'cells whose capacity matrices condition the curves (default: unconditional)',
    )
    .option(
      '--unconditional <m>',
      'with --condition: also add m unconditional curves to the same output (for augmentation)',
    )
    .option('--plugin <id>', 'dataset plugin for --condition (default: detected)')
    .requiredOption(
      '--out <file>',
      'output: .csv (SOH % per cycle) or .dbds (dataset file, marked synthetic)',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(synthesizeOptions, raw);
      const format = extname(options.out).toLowerCase();
      if (format !== '.csv' && format !== '.dbds') {
        throw new DiffBattError('--out must end in .csv or .dbds', { file: options.out });
      }
      const conditional = options.condition !== undefined;
      if (options.unconditional !== undefined && !conditional) {
        throw new OptionError(
          'option --unconditional adds unconditional curves to conditioned ones: give --condition too (without it, all --n curves are unconditional)',
        );
      }
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      await assertWritable(options.out, '--out');
      const loaded = await loadForSampling(registry, options, conditional ? [options.condition!] : []);
      const { backend, cells } = loaded;
      // One row per curve, conditioned rows cell by cell then the unconditional ones, all drawn in one
      // batched run. Guidance has no effect on the unconditional rows (both passes see no condition).
      const rows: SynthesisRow[] = conditional
        ? [
            ...cells.flatMap((source) =>
              Array.from({ length: options.n }, (_, index) => ({ source, index })),
            ),
            ...Array.from({ length: options.unconditional ?? 0 }, (_, index) => ({ source: null, index })),
          ]
        : Array.from({ length: options.n }, (_, index) => ({ source: null, index }));
      assertUniqueCellIds(rows, options.condition);
      const unconditionalCount = rows.filter((row) => row.source === null).length;
      const { curves, seconds } = await drawCurves(
        loaded,
        rows.map((row) => row.source?.capacityMatrix ?? null),
        {
          samplesPerCell: 1,
          sampler,
          options,
          label: `synthesizing ${conditional ? `${cells.length} cell(s) x ${options.n}` : ''}${
            unconditionalCount > 0 ? `${conditional ? ' + ' : ''}${unconditionalCount} unconditional` : ''
          }`,
        },
      );
      const synthetic: ModelSample[] = rows.map(({ source, index }, row) => ({
        cellId: syntheticCellId(source, index),
        source: 'diffbatt synthesize',
        sohCurve: curves[row]![0]!,
        capacityMatrix: source?.capacityMatrix ?? null,
        capacityMatrixRows: source?.capacityMatrixRows ?? null,
        synthetic: true,
        provenance: {
          model: options.model,
          ...samplingRecord(sampler, { monotone: options.monotone, smoothing: options.smooth }),
          guidanceWeight: options.guidance,
          seed: options.seed,
          sourceCellId: source?.cellId ?? UNCONDITIONAL_SOURCE,
        },
      }));
      if (format === '.dbds') {
        await writeDatasetFile(options.out, synthetic, {
          synthetic: true,
          generatedBy: 'diffbatt synthesize',
          model: options.model,
          sampler: describeSampler(sampler),
          monotone: options.monotone,
          smoothing: options.smooth,
          guidanceWeight: options.guidance,
          seed: options.seed,
          conditionedCurves: synthetic.length - unconditionalCount,
          unconditionalCurves: unconditionalCount,
          ...(conditional ? { condition: options.condition! } : {}),
        });
      } else {
        const header = [
          'cell_id',
          'synthetic',
          'source_cell_id',
          'guidance_weight',
          'seed',
          'monotone',
          'smoothing',
          ...SOH_CURVE_CYCLES.map((c) => `soh_percent_cycle_${c}`),
        ];
        const lines = synthetic.map((s) =>
          [
            JSON.stringify(s.cellId),
            'true',
            JSON.stringify(String(s.provenance?.['sourceCellId'])),
            options.guidance,
            options.seed,
            options.monotone,
            options.smooth,
            ...Array.from(s.sohCurve, (x) => (((x + 1) / 2) * 100).toFixed(3)),
          ].join(','),
        );
        await writeFileAtomic(options.out, `${[header.join(','), ...lines].join('\n')}\n`);
      }
      terminal.out(
        `${synthetic.length} synthetic curve(s) written to ${options.out}` +
          (conditional
            ? ` (${synthetic.length - unconditionalCount} conditioned on ${cells.length} cell(s), ${unconditionalCount} unconditional;`
            : ' (unconditional;') +
          ` ${seconds.toFixed(1)} s on ${backend.backend})`,
      );
    });
}
