/**
 * Cross-validated calibration of the fine-tuned networks (the CV-calibration addendum of HEADER.md): each
 * `finetune-<split>` trained on every training cell of its split, so its margins are fitted on those cells,
 * each sampled by the fold network `cv-<split>-fold-<k>` that never trained on it (`diffbatt calibrate
 * --fold-models`), and applied to the network's scored test runs (seeds 0-2), with coverage before and after.
 *
 *   node --import tsx benchmarks/foundation/calibrate.ts [--unseen] --splits snl[,cruh,...]
 *
 * --unseen: the second CV addendum's fold networks `cv-unseen-<split>-fold-<k>` (matr_1:
 * foundation-low-resource/cv-fold-<k>), fine-tuned from a foundation that never saw the split, so no network
 * in the chain saw a held-out cell; writes calibration-unseen.json and calibration-foundation-unseen.json.
 *
 * Needs the split's fine-tuning data (../shared, or out/pretraining for CLO), its four fold networks
 * (train.sh cv-<split>-fold-<k>) and the scored test runs (run.sh finetune-<split>). Writes
 * benchmarks/foundation/<split>/finetune/calibration.json and benchmarks/results/calibration-foundation.json
 * (every split given, so pass them all); a committed calibration that matches is reused, not re-sampled.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../lib/args.js';
import {
  CALIBRATION_SETTINGS,
  type CalibrationRow,
  calibrateRow,
  trainingCellIds,
  writeCalibrationResult,
} from '../lib/calibrated-rows.js';
import { type FinetunedSplit, FOLDER, finetunedSplits, finetuningData, testSplits } from './splits.js';

const FOLDS = [1, 2, 3, 4];
const { values } = parseArgs({
  options: { splits: { type: 'string' }, unseen: { type: 'boolean', default: false } },
});
if (!values.splits) fail('usage: calibrate.ts [--unseen] --splits <split,...>');
const splits = finetunedSplits(values.splits);
const { unseen } = values;
const foldModel = (split: FinetunedSplit, k: number) =>
  !unseen
    ? join(FOLDER, `cv-${split}-fold-${k}-model`)
    : split === 'matr_1'
      ? join('benchmarks', 'foundation-low-resource', `cv-fold-${k}-model`)
      : join(FOLDER, `cv-unseen-${split}-fold-${k}-model`);

const rows: CalibrationRow[] = [];
for (const split of splits) {
  const { data, howToGet } = finetuningData(split);
  const ids = await trainingCellIds(data, howToGet);
  rows.push({
    row: `finetune-${split}`,
    model: join(FOLDER, `finetune-${split}-model`),
    train: data,
    calibrationArgs: ['--fold-models', FOLDS.map((k) => foldModel(split, k)).join(',')],
    cells: `4 CV folds of all ${ids.length}`,
    calibrationFile: join(FOLDER, split, 'finetune', unseen ? 'calibration-unseen.json' : 'calibration.json'),
    testFolders: testSplits(split).map((s) => join(FOLDER, s, 'finetune')),
    testSplits: testSplits(split),
    howToScore: `${FOLDER}/run.sh finetune-${split}`,
  });
}
const results = rows.map((row) => calibrateRow(row, (line) => process.stdout.write(`${line}\n`)));
const foldNetworks = unseen
  ? 'each fine-tuned from a foundation of `benchmarks/foundation-low-resource` that holds no cell of the ' +
    "split's fine-tuning data (`cv-unseen-<split>-fold-<k>`; matr_1: that study's `cv-fold-<k>`), so no network " +
    'in the chain saw a held-out cell'
  : 'the fold networks repeat the fine-tuning without their fold, from the foundation, which pretrained on ' +
    'every training cell, the held-out ones included (the second addendum removes that)';
const file = writeCalibrationResult(
  {
    id: unseen ? 'calibration-foundation-unseen' : 'calibration-foundation',
    title: unseen
      ? 'Cross-validated life intervals of the fine-tuned foundation networks, fold networks from foundations that never saw the split'
      : 'Cross-validated life intervals of the fine-tuned foundation networks, calibrated without test data',
    command: `node --import tsx ${FOLDER}/calibrate.ts${unseen ? ' --unseen' : ''} --splits ${splits.join(',')}`,
    protocol:
      `Protocol: \`${FOLDER}/HEADER.md\` (${unseen ? 'second ' : ''}CV-calibration addendum). Each ` +
      '`finetune-<split>` trained on every training cell of its split; its margins are fitted on those cells, ' +
      'each sampled by the fold network that never trained on it (4 life-stratified folds, ' +
      `\`cv-folds-<split>.json\`; ${foldNetworks}), by \`diffbatt calibrate --fold-models\` ` +
      `(${CALIBRATION_SETTINGS}), and applied to the intervals of the network's scored test runs (DPM-Solver++ ` +
      "seeds 0-2; matr_1's network on the MATR-1 and MATR-2 test cells pooled). Splits not listed are not " +
      `calibrated${unseen ? ' by this addendum' : ''} yet.`,
  },
  results,
);
process.stdout.write(`wrote ${file}\n`);
