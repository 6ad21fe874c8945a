/**
 * Cross-validated calibration of the fine-tuned networks (the CV-calibration addendum of HEADER.md): each
 * `finetune-<split>` trained on every training cell of its split, so its margins are fitted on those cells,
 * each sampled by the fold network `cv-<split>-fold-<k>` that never trained on it (`diffbatt calibrate
 * --fold-models`), and applied to the network's scored test runs (seeds 0-2), with coverage before and after.
 *
 *   node --import tsx benchmarks/foundation/calibrate.ts --splits snl[,cruh,...]
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
import { FOLDER, finetunedSplits, finetuningData, testSplits } from './splits.js';

const FOLDS = [1, 2, 3, 4];
const { values } = parseArgs({ options: { splits: { type: 'string' } } });
if (!values.splits) fail('usage: calibrate.ts --splits <split,...>');
const splits = finetunedSplits(values.splits);

const rows: CalibrationRow[] = [];
for (const split of splits) {
  const { data, howToGet } = finetuningData(split);
  const ids = await trainingCellIds(data, howToGet);
  rows.push({
    row: `finetune-${split}`,
    model: join(FOLDER, `finetune-${split}-model`),
    train: data,
    calibrationArgs: [
      '--fold-models',
      FOLDS.map((k) => join(FOLDER, `cv-${split}-fold-${k}-model`)).join(','),
    ],
    cells: `4 CV folds of all ${ids.length}`,
    calibrationFile: join(FOLDER, split, 'finetune', 'calibration.json'),
    testFolders: testSplits(split).map((s) => join(FOLDER, s, 'finetune')),
    testSplits: testSplits(split),
    howToScore: `${FOLDER}/run.sh finetune-${split}`,
  });
}
const results = rows.map((row) => calibrateRow(row, (line) => process.stdout.write(`${line}\n`)));
const file = writeCalibrationResult(
  {
    id: 'calibration-foundation',
    title:
      'Cross-validated life intervals of the fine-tuned foundation networks, calibrated without test data',
    command: `node --import tsx ${FOLDER}/calibrate.ts --splits ${splits.join(',')}`,
    protocol:
      `Protocol: \`${FOLDER}/HEADER.md\` (CV-calibration addendum). Each \`finetune-<split>\` trained on every ` +
      'training cell of its split; its margins are fitted on those cells, each sampled by the fold network that ' +
      'never trained on it (4 life-stratified folds, `cv-folds-<split>.json`; the fold networks repeat the ' +
      `fine-tuning without their fold), by \`diffbatt calibrate --fold-models\` (${CALIBRATION_SETTINGS}), ` +
      "and applied to the intervals of the network's scored test runs (DPM-Solver++ seeds 0-2; matr_1's network " +
      'on the MATR-1 and MATR-2 test cells pooled). Splits not listed are not calibrated yet.',
  },
  results,
);
process.stdout.write(`wrote ${file}\n`);
