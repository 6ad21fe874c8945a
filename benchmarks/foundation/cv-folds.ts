/**
 * The cross-validation folds of the CV-calibration addendum (HEADER.md): a split's fine-tuning data in 4
 * life-stratified folds. Writes each fold network's training data to out/cv-foundation/<split>/without-fold-<k>.dbds
 * for train.sh and commits the fold list as benchmarks/foundation/cv-folds-<split>.json.
 *
 *   node --import tsx benchmarks/foundation/cv-folds.ts --split <snl|cruh|hust|matr_1|clo|crush>
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../lib/args.js';
import { writeCvFolds } from '../lib/cv-folds.js';
import { REPOSITORY_ROOT } from '../lib/results.js';
import { FOLDER, finetunedSplits, finetuningData } from './splits.js';

const { values } = parseArgs({ options: { split: { type: 'string' } } });
if (!values.split) fail('usage: cv-folds.ts --split <split>');
const [split] = finetunedSplits(values.split);
const { data, howToGet } = finetuningData(split!);
if (!existsSync(join(REPOSITORY_ROOT, data))) fail(`${data} is missing: ${howToGet}`);
const list = join(FOLDER, `cv-folds-${split}.json`);
const dbds = join('out', 'cv-foundation', split!);
const counts = writeCvFolds(data, 4, dbds, list);
process.stdout.write(`wrote ${list}: ${counts.join(' / ')} cells, training sets in ${dbds}\n`);
