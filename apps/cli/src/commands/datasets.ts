import {
  type CellInspection,
  DATASET_FILE_EXTENSION,
  DiffBattError,
  inspectCell,
  inspectSample,
  readDatasetFile,
  writeDatasetFile,
} from '@diffbatt/core';
import { type } from 'arktype';
import type { Command } from 'commander';
import { loadSamples } from '../flows/data.js';
import { parseOptions } from '../options.js';
import { datasetRegistry } from '../plugins.js';
import { terminal } from '../terminal.js';

/** The `plugin` value that `inspect --json` reports for a .dbds dataset file. */
const DATASET_FILE_PLUGIN = 'dataset-file';

const inspectOptions = type({ 'plugin?': 'string > 0', 'json?': 'boolean' });
const convertOptions = type({
  out: 'string > 0',
  'plugin?': 'string > 0',
  rows: type("'100' | '20'").pipe((rows) => Number(rows) as 100 | 20),
});

export function registerDatasetsCommand(program: Command): Command {
  const datasets = program.command('datasets').description('list, inspect and convert battery datasets');
  datasets
    .command('list')
    .description('list the registered dataset plugins')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const plugins = datasetRegistry
        .list()
        .map(({ id, description, recognises }) => ({ id, description, recognises }));
      if (options.json) {
        terminal.out(JSON.stringify({ plugins }, null, 2));
        return;
      }
      const width = Math.max(...plugins.map((p) => p.id.length));
      for (const plugin of plugins) {
        terminal.out(
          `${plugin.id.padEnd(width)}  ${plugin.description}\n${' '.repeat(width)}  reads: ${plugin.recognises}`,
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
      const cells: CellInspection[] = [];
      let source: string;
      if (options.plugin === undefined && path.endsWith(DATASET_FILE_EXTENSION)) {
        // Our own dataset files (written by `convert` or a model) need no plugin.
        source = DATASET_FILE_PLUGIN;
        for (const sample of (await readDatasetFile(path)).samples) cells.push(inspectSample(sample));
      } else {
        const plugin = await datasetRegistry.resolve(path, options.plugin);
        source = plugin.id;
        for await (const record of plugin.load(path)) {
          cells.push(record.kind === 'cell' ? inspectCell(record.cell) : inspectSample(record.sample));
        }
      }
      if (options.json) {
        terminal.out(JSON.stringify({ plugin: source, cells }, null, 2));
        return;
      }
      terminal.out(formatInspection(source, path, cells));
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
      // Every cell is featurised before anything is written, so a bad one leaves no partial file.
      let warnings = 0;
      const { source, samples, featurisedCells } = await loadSamples(path, {
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

/** A table, one row per cell, then each cell's warnings. */
function formatInspection(source: string, path: string, cells: readonly CellInspection[]): string {
  const header = ['cell', 'cycles', 'life', 'life from', 'published', 'capacity matrix'];
  const rows = cells.map((cell) => [
    cell.cellId,
    String(cell.cycles),
    cell.cycleLife === null ? '-' : String(cell.cycleLife),
    cell.cycleLifeSource ?? 'not reached',
    cell.publishedCycleLife === null ? '-' : String(cell.publishedCycleLife),
    cell.capacityMatrixShape === null ? 'none' : cell.capacityMatrixShape.join('x'),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((text, column) => (column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!)))
      .join('  ');
  const warned = cells.filter((cell) => cell.warnings.length > 0);
  return [
    `${path}: ${cells.length} cell(s) read by "${source}"`,
    line(header),
    ...rows.map(line),
    ...(warned.length > 0 ? ['', 'warnings:'] : []),
    ...warned.flatMap((cell) => cell.warnings.map((warning) => `  ${cell.cellId}: ${warning}`)),
  ].join('\n');
}
