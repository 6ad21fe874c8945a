/**
 * The cross-validation folds of the CV-calibration addendum (HEADER.md): the 41 MATR-1 training cells in
 * 4 folds by measured life (sorted by life, ties by id; rank r into fold r mod 4 + 1), so every fold spans
 * the lives. Writes each fold network's training data to <dir>/without-fold-<k>.dbds for train.sh and
 * commits the fold list as benchmarks/foundation-low-resource/cv-folds.json.
 *
 *   node --import tsx benchmarks/foundation-low-resource/cv-folds.ts [--dbds out/cv]
 */
import { parseArgs } from 'node:util';
import { TRAIN } from '../lib/bundled-matr1.js';
import { writeCvFolds } from '../lib/cv-folds.js';

const LIST = 'benchmarks/foundation-low-resource/cv-folds.json';
const { values } = parseArgs({ options: { dbds: { type: 'string', default: 'out/cv' } } });
const counts = writeCvFolds(TRAIN, 4, values.dbds, LIST);
process.stdout.write(`wrote ${LIST}: ${counts.join(' / ')} cells, training sets in ${values.dbds}\n`);
