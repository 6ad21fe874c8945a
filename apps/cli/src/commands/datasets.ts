import type { Command } from 'commander';
import { datasetRegistry } from '../plugins.js';
import { terminal } from '../terminal.js';

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
  return datasets;
}
