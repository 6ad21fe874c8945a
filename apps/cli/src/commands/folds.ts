import { join } from 'node:path';
import { type DatasetRegistry, makeDirectory, writeDatasetFile, writeFileAtomic } from '@diffbatt/core';
import { formatTextTable } from '@diffbatt/eval';
import { lifeStratifiedFolds } from '@diffbatt/pipeline';
import { type } from 'arktype';
import type { Command } from 'commander';
import { loadSamples } from '../flows/data.js';
import { integerText, numberText, parseOptions } from '../options.js';
import { terminal } from '../terminal.js';

const foldsOptions = type({
  outDir: 'string > 0',
  'plugin?': 'string > 0',
  folds: integerText(2),
  eol: numberText.pipe(type('0 < number < 100')),
});

/**
 * `diffbatt datasets folds`: the cross-validation folds that `calibrate --fold-models` needs, as the
 * training data of each fold network (every cell outside its fold) and the fold list.
 */
export function registerFoldsCommand(datasets: Command, registry: DatasetRegistry): void {
  datasets
    .command('folds')
    .description(
      'split a training set into life-stratified cross-validation folds: writes <out-dir>/without-fold-<k>.dbds ' +
        '(train one fold network on each, by the recipe of the model to calibrate) and <out-dir>/folds.json',
    )
    .argument('<path>', 'the training cells: a dataset file or any path a dataset plugin reads')
    .requiredOption(
      '--out-dir <dir>',
      'folder for the fold training sets and folds.json (created if missing)',
    )
    .option('--plugin <id>', 'dataset plugin to read <path> with (default: detected)')
    .option('--folds <k>', 'number of folds (2 to the number of cells)', '4')
    .option('--eol <soh>', 'end-of-life SOH % of the measured lives the folds are stratified by', '80')
    .addHelpText(
      'after',
      '\nCells are sorted by measured life and dealt round the folds, so every fold spans the lives. Then:\n' +
        '  diffbatt train --data <out-dir>/without-fold-1.dbds --out runs/fold-1 ...   (one per fold)\n' +
        '  diffbatt calibrate --model <model trained on all cells> --data <path> \\\n' +
        '    --fold-models runs/fold-1/model,runs/fold-2/model,... --out calibration.json',
    )
    .action(async (path: string, raw: unknown) => {
      const options = parseOptions(foldsOptions, raw);
      const { samples } = await loadSamples(registry, path, {
        ...(options.plugin === undefined ? {} : { pluginId: options.plugin }),
        onWarning: (message) => terminal.info(`warning: ${message}`),
      });
      // Refusals (too few cells, a curve without a life) come before anything is written.
      const folds = lifeStratifiedFolds(samples, options.folds, options.eol);
      await makeDirectory(options.outDir);
      const files: string[] = [];
      for (const [index, fold] of folds.entries()) {
        const held = new Set(fold.cellIds);
        const file = join(options.outDir, `without-fold-${index + 1}.dbds`);
        await writeDatasetFile(
          file,
          samples.filter((s) => !held.has(s.cellId)),
          { input: path, createdBy: `diffbatt datasets folds: all cells but fold ${index + 1}` },
        );
        files.push(file);
      }
      const list = {
        format: 'diffbatt-cv-folds',
        version: 1,
        data: path,
        eolSoh: options.eol,
        rule: `sorted by measured cycle life (ties by id); rank r in fold r mod ${options.folds} + 1`,
        folds: folds.map((fold, index) => ({ fold: index + 1, trainingData: files[index], ...fold })),
      };
      await writeFileAtomic(join(options.outDir, 'folds.json'), `${JSON.stringify(list, null, 2)}\n`);
      const rows = folds.map((fold, index) => [
        String(index + 1),
        String(fold.cellIds.length),
        `${fold.lives[0]}-${fold.lives.at(-1)}`,
        files[index]!,
      ]);
      for (const line of formatTextTable(
        ['fold', 'cells', 'lives', 'training set (the other folds)'],
        rows,
      )) {
        terminal.out(line);
      }
      terminal.info(`wrote ${folds.length} fold training sets and folds.json to ${options.outDir}`);
    });
}
