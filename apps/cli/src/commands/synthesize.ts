import { extname } from 'node:path';
import { DiffBattError, type ModelSample, writeDatasetFile, writeFileAtomic } from '@diffbatt/core';
import { type } from 'arktype';
import type { Command } from 'commander';
import { CURVE_CYCLES } from '../flows/curves.js';
import { describeSampler, samplerConfig, samplerSteps } from '../flows/sampler-options.js';
import { integerText, parseOptions } from '../options.js';
import { assertWritable } from '../output.js';
import { terminal } from '../terminal.js';
import { addSamplingOptions, drawCurves, loadForSampling, samplingOptionFields } from './sampling-options.js';

const synthesizeOptions = type({
  ...samplingOptionFields,
  n: integerText(1),
  'condition?': 'string > 0',
  'plugin?': 'string',
  out: 'string > 0',
});

export function registerSynthesizeCommand(program: Command): void {
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
      const sampler = samplerConfig(options.sampler, options.steps, options.eta, options.clip);
      await assertWritable(options.out, '--out');
      const loaded = await loadForSampling(
        options,
        options.condition === undefined ? [] : [options.condition],
      );
      const { backend, cells } = loaded;
      const conditional = options.condition !== undefined;
      const { curves, seconds } = await drawCurves(
        loaded,
        conditional ? cells.map((c) => c.capacityMatrix) : [null],
        options.n,
        sampler,
        options,
        `synthesizing ${conditional ? `${cells.length} cell(s) x ${options.n}` : options.n}`,
      );
      const synthetic: ModelSample[] = curves.flatMap((perCell, c) =>
        perCell.map((sohCurve, k) => {
          const source = conditional ? cells[c]! : null;
          return {
            cellId: `synthetic-${source ? `${source.cellId}-` : 'unconditional-'}${k + 1}`,
            source: 'diffbatt synthesize',
            sohCurve,
            capacityMatrix: source?.capacityMatrix ?? null,
            capacityMatrixRows: source?.capacityMatrixRows ?? null,
            synthetic: true,
            provenance: {
              model: options.model,
              sampler: sampler.kind,
              steps: samplerSteps(sampler),
              clipSample: sampler.clipSample !== undefined,
              guidanceWeight: options.guidance,
              seed: options.seed,
              sourceCellId: source?.cellId ?? 'unconditional',
            },
          };
        }),
      );
      if (format === '.dbds') {
        await writeDatasetFile(options.out, synthetic, {
          synthetic: true,
          generatedBy: 'diffbatt synthesize',
          model: options.model,
          sampler: describeSampler(sampler),
          guidanceWeight: options.guidance,
          seed: options.seed,
        });
      } else {
        const header = [
          'cell_id',
          'synthetic',
          'source_cell_id',
          'guidance_weight',
          'seed',
          ...CURVE_CYCLES.map((c) => `soh_percent_cycle_${c}`),
        ];
        const lines = synthetic.map((s) =>
          [
            JSON.stringify(s.cellId),
            'true',
            JSON.stringify(String(s.provenance?.['sourceCellId'])),
            options.guidance,
            options.seed,
            ...Array.from(s.sohCurve, (x) => (((x + 1) / 2) * 100).toFixed(3)),
          ].join(','),
        );
        await writeFileAtomic(options.out, `${[header.join(','), ...lines].join('\n')}\n`);
      }
      terminal.out(
        `${synthetic.length} synthetic curve(s) written to ${options.out} (${seconds.toFixed(1)} s on ${backend.backend})`,
      );
    });
}
