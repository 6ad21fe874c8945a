/**
 * The cross-validation folds of the CV-calibration addendum (HEADER.md): the 41 MATR-1 training cells in
 * 4 folds by measured life (sorted by life, ties by id; rank r into fold r mod 4 + 1), so every fold spans
 * the lives. Runs `diffbatt datasets folds`, which writes each fold network's training data (every cell
 * outside its fold) to <dir>/without-fold-<k>.dbds for train.sh (keep it out of the repository), and
 * commits its fold list as benchmarks/foundation-low-resource/cv-folds.json.
 *
 *   node --import tsx benchmarks/foundation-low-resource/cv-folds.ts [--dbds out/cv]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDiffBatt, TRAIN } from '../lib/bundled-matr1.js';
import { REPOSITORY_ROOT } from '../lib/results.js';

const FOLDS = 4;
const LIST = 'benchmarks/foundation-low-resource/cv-folds.json';

const { values } = parseArgs({ options: { dbds: { type: 'string', default: 'out/cv' } } });
runDiffBatt(['datasets', 'folds', TRAIN, '--folds', String(FOLDS), '--out-dir', values.dbds]);
const written = JSON.parse(readFileSync(join(REPOSITORY_ROOT, values.dbds, 'folds.json'), 'utf8')) as {
  rule: string;
  folds: { fold: number; cellIds: string[]; lives: number[] }[];
};
const list = {
  format: 'diffbatt-cv-folds',
  version: 1,
  data: TRAIN,
  rule: `${written.rule.replace(' (ties by id)', ' (EOL 80 %, ties by id)')}`,
  folds: written.folds.map(({ fold, cellIds, lives }) => ({ fold, cellIds, lives })),
};
writeFileSync(join(REPOSITORY_ROOT, LIST), `${JSON.stringify(list, null, 2)}\n`);
process.stdout.write(
  `wrote ${LIST}: ${list.folds.map((f) => f.cellIds.length).join(' / ')} cells, training sets in ${values.dbds}\n`,
);
