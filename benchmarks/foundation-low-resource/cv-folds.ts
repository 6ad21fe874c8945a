/**
 * The cross-validation folds of the CV-calibration addendum (HEADER.md): the 41 MATR-1 training cells in
 * 4 folds by measured life (sorted by life, ties by id; rank r into fold r mod 4 + 1), so every fold spans
 * the lives. Writes the fold lists to benchmarks/foundation-low-resource/cv-folds.json and, with
 * `--dbds <dir>`, the training data of each fold network (every cell outside its fold) as
 * <dir>/without-fold-<k>.dbds for train.sh (keep it out of the repository).
 *
 *   node --import tsx benchmarks/foundation-low-resource/cv-folds.ts --dbds out/cv
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDatasetFile, writeDatasetFile } from '../../packages/core/src/index.js';
import { measuredCycleLife } from '../../packages/eval/src/index.js';
import { TRAIN } from '../lib/bundled-matr1.js';
import { REPOSITORY_ROOT } from '../lib/results.js';

const FOLDS = 4;
const LIST = 'benchmarks/foundation-low-resource/cv-folds.json';

const { values } = parseArgs({ options: { dbds: { type: 'string' } } });
const { samples } = await readDatasetFile(join(REPOSITORY_ROOT, TRAIN));
const byLife = samples
  .map((sample) => ({ sample, life: measuredCycleLife(sample.sohCurve, sample.cellId) }))
  .sort((a, b) => a.life - b.life || a.sample.cellId.localeCompare(b.sample.cellId));
const folds = Array.from({ length: FOLDS }, (_, fold) => byLife.filter((_, rank) => rank % FOLDS === fold));

const list = {
  format: 'diffbatt-cv-folds',
  version: 1,
  data: TRAIN,
  rule: `sorted by measured cycle life (EOL 80 %, ties by id); rank r in fold r mod ${FOLDS} + 1`,
  folds: folds.map((cells, index) => ({
    fold: index + 1,
    cellIds: cells.map((c) => c.sample.cellId),
    lives: cells.map((c) => c.life),
  })),
};
writeFileSync(join(REPOSITORY_ROOT, LIST), `${JSON.stringify(list, null, 2)}\n`);
if (values.dbds) {
  mkdirSync(values.dbds, { recursive: true });
  for (const [index, cells] of folds.entries()) {
    const held = new Set(cells.map((c) => c.sample.cellId));
    const file = join(values.dbds, `without-fold-${index + 1}.dbds`);
    await writeDatasetFile(
      file,
      samples.filter((s) => !held.has(s.cellId)),
      { description: `${TRAIN} without fold ${index + 1} of ${LIST}` },
    );
  }
}
process.stdout.write(
  `wrote ${LIST}: ${folds.map((f) => f.length).join(' / ')} cells${values.dbds ? ` and ${FOLDS} training sets in ${values.dbds}` : ''}\n`,
);
