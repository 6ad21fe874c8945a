import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDiffBatt } from './bundled-matr1.js';
import { REPOSITORY_ROOT } from './results.js';

/**
 * Life-stratified cross-validation folds of a training set for `diffbatt calibrate --fold-models`: runs
 * `diffbatt datasets folds`, which writes each fold network's training data (every cell outside its fold) to
 * <dbdsDir>/without-fold-<k>.dbds (keep it out of the repository), and commits the fold list as `list`.
 * Returns the cells per fold.
 */
export function writeCvFolds(data: string, folds: number, dbdsDir: string, list: string): number[] {
  runDiffBatt(['datasets', 'folds', data, '--folds', String(folds), '--out-dir', dbdsDir]);
  const written = JSON.parse(readFileSync(join(REPOSITORY_ROOT, dbdsDir, 'folds.json'), 'utf8')) as {
    rule: string;
    folds: { fold: number; cellIds: string[]; lives: number[] }[];
  };
  const record = {
    format: 'diffbatt-cv-folds',
    version: 1,
    data,
    rule: `${written.rule.replace(' (ties by id)', ' (EOL 80 %, ties by id)')}`,
    folds: written.folds.map(({ fold, cellIds, lives }) => ({ fold, cellIds, lives })),
  };
  writeFileSync(join(REPOSITORY_ROOT, list), `${JSON.stringify(record, null, 2)}\n`);
  return record.folds.map((f) => f.cellIds.length);
}
