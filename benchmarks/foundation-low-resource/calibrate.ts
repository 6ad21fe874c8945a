/**
 * Calibrated life intervals on cells like the test cells (the calibration addenda of HEADER.md): a network
 * trained on 25 % of a split's training cells never saw the other 75 %, so split-conformal margins fitted on
 * those (`diffbatt calibrate`) are applied to the intervals of its scored test runs (seeds 0-2, the family's
 * test splits pooled), and coverage is reported before and after. `finetune-100`, trained on all 41 MATR-1
 * cells, is calibrated by cross-validation instead (`diffbatt calibrate --fold-models`, the cv-fold-<k>
 * networks of cv-folds.json).
 *
 *   node --import tsx benchmarks/foundation-low-resource/calibrate.ts [--rows scratch-25,finetune-25,finetune-100,clo-scratch-25,...]
 *
 * Rows as run.sh names them: MATR rows (`scratch-25`, `finetune-25`, `finetune-100`: MATR-1 and MATR-2 test
 * cells) and `<clo|snl|hust|cruh|crush>-<scratch-25|finetune-25>` (the split's own test cells). Needs ../shared
 * (or DIFFBATT_SHARED) for SNL, HUST, CRUH and CRUSH, out/pretraining (`npx pnpm bench:pretraining-sets
 * --dbds out/pretraining`) for CLO, and the rows' test results (run.sh). Writes each row's calibration.json
 * beside its test results and benchmarks/results/calibration-foundation-low-resource.json (every row given,
 * so pass them all). A row whose calibration.json already holds this calibration (same network, cells, seed,
 * sampler) is not re-sampled.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCellList } from '../../packages/datasets-diffbatt/src/index.js';
import { fail } from '../lib/args.js';
import { TRAIN } from '../lib/bundled-matr1.js';
import {
  CALIBRATION_SETTINGS,
  type CalibrationRow,
  calibrateRow,
  SHARED_DATA,
  trainingCellIds,
  writeCalibrationResult,
} from '../lib/calibrated-rows.js';
import { REPOSITORY_ROOT } from '../lib/results.js';

const FOLDER = 'benchmarks/foundation-low-resource';

/** Where a family's 25 % list was drawn from, and the test splits its rows were scored on. */
interface Family {
  /** The training set (a .dbds file, or a split of the shared data), relative to the repository root. */
  train: string;
  /** The 25 % list in data/pretraining. */
  fraction: string;
  splits: string[];
  /** What to run when `train` is absent. */
  howToGet: string;
}
const FAMILIES: Record<string, Family> = {
  matr: {
    train: TRAIN,
    fraction: 'matr_1-train-25pct',
    splits: ['matr_1', 'matr_2'],
    howToGet: 'it is bundled',
  },
  clo: {
    train: 'out/pretraining/clo-train-reconstructed.dbds',
    fraction: 'clo-train-reconstructed-25pct',
    splits: ['clo'],
    howToGet: 'run npx pnpm bench:pretraining-sets --dbds out/pretraining',
  },
  ...Object.fromEntries(
    ['snl', 'hust', 'cruh', 'crush'].map((split) => [
      split,
      {
        train: join(SHARED_DATA, `${split}_train_ds`),
        fraction: `${split}-train-25pct`,
        splits: [split],
        howToGet: 'it is in ../shared (or set DIFFBATT_SHARED)',
      },
    ]),
  ),
};
/** The row trained on all 41 MATR-1 cells, calibrated by its CV fold networks (train.sh cv-fold-<k>). */
const CROSS_VALIDATED = 'finetune-100';
const FOLD_MODELS = [1, 2, 3, 4].map((k) => join(FOLDER, `cv-fold-${k}-model`));

const { values } = parseArgs({ options: { rows: { type: 'string', default: 'scratch-25,finetune-25' } } });

/** A row as run.sh names it (`<split>-<arm>`, or the bare arm for the MATR rows) and its calibration cells. */
const rowOf = async (row: string): Promise<CalibrationRow> => {
  const prefix = row.split('-')[0]!;
  const familyName = prefix in FAMILIES && prefix !== 'matr' ? prefix : 'matr';
  const family = FAMILIES[familyName]!;
  const label = familyName === 'matr' ? row : row.slice(prefix.length + 1);
  if (!['scratch-25', 'finetune-25', ...(familyName === 'matr' ? [CROSS_VALIDATED] : [])].includes(label)) {
    fail(`unknown row ${row} (see ${FOLDER}/run.sh)`);
  }
  const [split, ...others] = family.splits;
  const common = {
    row,
    model: join(FOLDER, `${row}-model`),
    train: family.train,
    // Beside its test results, or in the row's own folder for a row scored on two splits.
    calibrationFile: join(FOLDER, ...(others.length > 0 ? [label] : [split!, label]), 'calibration.json'),
    testFolders: family.splits.map((s) => join(FOLDER, s, label)),
    testSplits: family.splits,
    howToScore: `${FOLDER}/run.sh ${row}`,
  };
  const ids = await trainingCellIds(family.train, family.howToGet);
  if (label === CROSS_VALIDATED) {
    return {
      ...common,
      calibrationArgs: ['--fold-models', FOLD_MODELS.join(',')],
      cells: `4 CV folds of all ${ids.length}`,
    };
  }
  // The calibration cells: the family's training cells that are not in its 25 % list.
  const fraction = await readCellList(
    join(REPOSITORY_ROOT, 'data', 'pretraining', `${family.fraction}.json`),
  );
  const trained = new Set(fraction.cells.map((c) => c.id));
  const missing = [...trained].filter((id) => !ids.includes(id));
  if (missing.length > 0) fail(`${family.train} lacks ${missing.join(', ')} of ${family.fraction}`);
  const calibrationCells = ids.filter((id) => !trained.has(id));
  return {
    ...common,
    calibrationArgs: ['--cells', calibrationCells.join(',')],
    cells: `the ${calibrationCells.length} never trained on`,
  };
};
const rows = await Promise.all(values.rows.split(',').map(rowOf));

const results = rows.map((row) => calibrateRow(row, (line) => process.stdout.write(`${line}\n`)));
const file = writeCalibrationResult(
  {
    id: 'calibration-foundation-low-resource',
    title:
      'Calibrated life intervals of the fine-tuned and 25 % networks of the low-resource study, calibrated on training cells without test data',
    command: `node --import tsx ${FOLDER}/calibrate.ts --rows ${rows.map((r) => r.row).join(',')}`,
    protocol:
      `Protocol: \`${FOLDER}/HEADER.md\` (calibration addenda). Calibration cells: a 25 % network's are the ` +
      'training cells of its split outside its 25 % list (`data/pretraining/<split>-train-25pct.json`), which it ' +
      `never trained on; \`${CROSS_VALIDATED}\`, trained on all 41 MATR-1 cells, is cross-validated: each cell is ` +
      `sampled by the fold network of cv-folds.json that never trained on it (\`--fold-models\`). Margins by ` +
      `\`diffbatt calibrate\` (${CALIBRATION_SETTINGS}), ` +
      'applied to the intervals of the scored test runs (DPM-Solver++ seeds 0-2; the MATR rows pool the MATR-1 ' +
      'and MATR-2 test cells). Unlike `bench:calibration` (CLO calibration cells for MATR networks: other ' +
      "protocols), a row's calibration cells come from its own split's training set.",
  },
  results,
);
process.stdout.write(`wrote ${file}\n`);
