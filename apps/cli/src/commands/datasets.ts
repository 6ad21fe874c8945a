import {
  type CellInspection,
  DATASET_FILE_EXTENSION,
  DiffBattError,
  inspectCell,
  inspectSample,
  type ModelSample,
  readDatasetFile,
  writeDatasetFile,
} from '@diffbatt/core';
import { formatTextTable } from '@diffbatt/eval';
import {
  formatProvenanceSummary,
  type ProvenanceSummary,
  summariseProvenance,
  syntheticBanner,
} from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { datasetFilesAt, loadSamples } from '../flows/data.js';
import { parseOptions } from '../options.js';
import { assertWritable } from '../output.js';
import { describeOrigin } from '../plugin-origin.js';
import { pluginModuleOption } from '../plugin-setup.js';
import type { RunPlugins } from '../plugins.js';
import { printableInline, terminal } from '../terminal.js';

/** The `plugin` value that `inspect --json` reports for a .dbds dataset file. */
const DATASET_FILE_PLUGIN = 'dataset-file';

const inspectOptions = type({ 'plugin?': 'string > 0', 'json?': 'boolean' });
const convertOptions = type({
  out: 'string > 0',
  'plugin?': 'string > 0',
  rows: type("'100' | '20'").pipe((rows) => Number(rows) as 100 | 20),
});

export function registerDatasetsCommand(program: Command, runPlugins: RunPlugins): Command {
  const datasets = program
    .command('datasets')
    .description('list, inspect, convert and fold battery datasets');
  datasets
    .command('list')
    .description('list the dataset plugins: built in, from diffbatt.config.json or from --plugin-module')
    .option('--json', 'print JSON')
    .addOption(pluginModuleOption())
    .action((options: { json?: boolean }) => {
      const plugins = runPlugins.registered().map(({ plugin: { id, description, recognises }, origin }) => ({
        id,
        description,
        recognises,
        origin,
      }));
      if (options.json) {
        terminal.out(JSON.stringify({ plugins }, null, 2));
        return;
      }
      const width = Math.max(...plugins.map((p) => p.id.length));
      const indent = ' '.repeat(width);
      for (const plugin of plugins) {
        terminal.out(
          `${plugin.id.padEnd(width)}  ${plugin.description}\n${indent}  reads: ${plugin.recognises}\n` +
            `${indent}  from: ${describeOrigin(plugin.origin)}`,
        );
      }
    });
  datasets
    .command('inspect')
    .description('show the cells of a dataset: cycles, cycle life and its source, capacity-matrix shape')
    .argument('<path>', 'dataset file or directory')
    .option('--plugin <id>', 'dataset plugin to read it with (default: detected; see `datasets list`)')
    .option('--json', 'print JSON: { plugin, cells: [{ cellId, cycles, cycleLife, ... }] }')
    .action(async (path: string, raw: unknown) => {
      const options = parseOptions(inspectOptions, raw);
      const cells: InspectedCell[] = [];
      // Synthetic samples, for the provenance summary (cells from plugins carry only the flag).
      const syntheticSamples: ModelSample[] = [];
      const addSample = (sample: ModelSample) => {
        if (sample.synthetic) syntheticSamples.push(sample);
        cells.push(markSynthetic(inspectSample(sample), sample.synthetic, sample.provenance));
      };
      let source: string;
      const datasetFiles = options.plugin === undefined ? await datasetFilesAt(path) : null;
      if (datasetFiles !== null) {
        // Our own dataset files (written by `convert` or a model) need no plugin.
        source = DATASET_FILE_PLUGIN;
        for (const file of datasetFiles)
          for (const sample of (await readDatasetFile(file)).samples) addSample(sample);
      } else {
        const plugin = await runPlugins.registry.resolve(path, options.plugin);
        source = plugin.id;
        const onWarning = (message: string) => terminal.info(`warning: ${message}`);
        for await (const record of plugin.load(path, { onWarning })) {
          if (record.kind === 'sample') addSample(record.sample);
          else cells.push(markSynthetic(inspectCell(record.cell), record.cell.synthetic === true));
        }
      }
      const syntheticCount = cells.filter((cell) => cell.synthetic).length;
      const synthetic =
        syntheticCount === 0
          ? null
          : { cells: syntheticCount, provenance: summariseProvenance(syntheticSamples) };
      if (options.json) {
        terminal.out(
          JSON.stringify({ plugin: source, ...(synthetic === null ? {} : { synthetic }), cells }, null, 2),
        );
        return;
      }
      terminal.out(formatInspection(source, path, cells, synthetic?.provenance ?? null));
    });
  datasets
    .command('convert')
    .description(`featurise a dataset into model-ready samples in a ${DATASET_FILE_EXTENSION} dataset file`)
    .argument('<path>', 'dataset file or directory')
    .requiredOption(
      '--out <file>',
      `dataset file to write (${DATASET_FILE_EXTENSION}); written only when every cell converts`,
    )
    .option('--plugin <id>', 'dataset plugin to read it with (default: detected)')
    .option('--rows <rows>', 'capacity-matrix rows for cells: 100, or 20 as SNL/CRUSH', '100')
    .action(async (path: string, raw: unknown) => {
      const options = parseOptions(convertOptions, raw);
      if (!options.out.endsWith(DATASET_FILE_EXTENSION)) {
        throw new DiffBattError(
          `option --out must name a ${DATASET_FILE_EXTENSION} file, got "${options.out}"`,
        );
      }
      // Before minutes of reading: a target that cannot be written (/proc, a FIFO) gets one line now.
      await assertWritable(options.out, '--out');
      // Every cell is featurised before anything is written, so a bad one leaves no partial file.
      let warnings = 0;
      const { source, samples, featurisedCells } = await loadSamples(runPlugins.registry, path, {
        ...(options.plugin === undefined ? {} : { pluginId: options.plugin }),
        rows: options.rows,
        onWarning: (message) => {
          warnings++;
          terminal.info(`warning: ${message}`);
        },
      });
      await writeDatasetFile(options.out, samples, {
        plugin: source,
        input: path,
        // Only cells go through the featuriser; samples keep the rows their source gave them.
        featuriserRows: featurisedCells > 0 ? options.rows : null,
        createdBy: 'diffbatt datasets convert',
      });
      const withMatrix = samples.filter((s) => s.capacityMatrix !== null).length;
      terminal.info(
        `wrote ${samples.length} samples (${withMatrix} with a capacity matrix) to ${options.out}` +
          (warnings > 0 ? ` with ${warnings} warning(s)` : ''),
      );
    });
  return datasets;
}

/**
 * A cell's inspection; synthetic ones also carry `synthetic: true` and their provenance (measured cells
 * keep the plain shape, so JSON of real data is unchanged).
 */
type InspectedCell = CellInspection & { synthetic?: true; provenance?: ModelSample['provenance'] };

function markSynthetic(
  cell: CellInspection,
  synthetic: boolean,
  provenance?: ModelSample['provenance'],
): InspectedCell {
  if (!synthetic) return cell;
  return { ...cell, synthetic: true, ...(provenance === undefined ? {} : { provenance }) };
}

/**
 * A banner and provenance summary when any cell is synthetic, a table with one row per cell (and a
 * synthetic column then), then each cell's warnings.
 */
function formatInspection(
  source: string,
  path: string,
  cells: readonly InspectedCell[],
  provenance: ProvenanceSummary | null,
): string {
  const flags = cells.map((cell) => cell.synthetic === true);
  const banner = syntheticBanner(flags);
  const header = ['cell', 'cycles', 'life', 'life from', 'published', 'capacity matrix'];
  if (banner !== null) header.splice(1, 0, 'synthetic');
  const rows = cells.map((cell, index) => {
    const row = [
      printableInline(cell.cellId),
      String(cell.cycles),
      cell.cycleLife === null ? '-' : String(cell.cycleLife),
      cell.cycleLifeSource ?? 'not reached',
      cell.publishedCycleLife === null ? '-' : String(cell.publishedCycleLife),
      cell.capacityMatrixShape === null ? 'none' : cell.capacityMatrixShape.join('x'),
    ];
    if (banner !== null) row.splice(1, 0, flags[index] ? 'yes' : 'no');
    return row;
  });
  const warned = cells.filter((cell) => cell.warnings.length > 0);
  return [
    `${path}: ${cells.length} cell(s) read by "${source}"`,
    ...(banner === null ? [] : [banner]),
    ...(provenance === null || provenance.samples === 0
      ? []
      : [`provenance: ${formatProvenanceSummary(provenance)}`]),
    ...formatTextTable(header, rows),
    ...(warned.length > 0 ? ['', 'warnings:'] : []),
    ...warned.flatMap((cell) =>
      cell.warnings.map((warning) => `  ${printableInline(cell.cellId)}: ${printableInline(warning)}`),
    ),
  ].join('\n');
}
