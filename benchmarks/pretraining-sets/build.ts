/**
 * Leakage-free pretraining sets (issue 19), built from the original DiffBatt splits in ../shared:
 *
 *   pnpm bench:pretraining-sets [--dbds out/pretraining]
 *
 * Writes data/pretraining/<set>.json (cell ids and content hashes, never curve values) for: the
 * pretraining set of every target split whose test split exists (and, where it differs, the same set
 * without the target's training cells), one foundation set per matrix size (and, for the low-resource
 * comparison, one without each split's training cells), 25 % of each training split, and the
 * reconstructed CLO training set; and data/pretraining/survey.json: what the split directories
 * hold and which curves they share. `--dbds <dir>` also writes each set as a .dbds file there (for
 * `diffbatt train`; keep it out of the repository). The rules are in data/pretraining/README.md;
 * packages/datasets-diffbatt/src/pretraining.integration.test.ts checks the committed lists.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ModelSample, writeDatasetFile } from '../../packages/core/src/index.js';
import {
  buildLeakageFreeSet,
  cellListOf,
  DEFAULT_NEAR_DUPLICATE_TOLERANCE,
  DIFFBATT_SPLIT_ROWS,
  DIFFBATT_SPLITS,
  type DiffBattSplit,
  foundationPlan,
  type HashedSample,
  hashSample,
  type LeakageFreePlan,
  maxAbsDifference,
  pretrainingPlan,
  readDiffBattSplit,
  reconstructedCloTrainingPlan,
  splitDataAbsence,
  subsampledPlan,
  trainingFractionPlan,
} from '../../packages/datasets-diffbatt/src/index.js';
import { fail } from '../lib/args.js';
import { REPOSITORY_ROOT } from '../lib/results.js';

const { values } = parseArgs({ options: { dbds: { type: 'string' } } });
const shared = resolve(process.env.DIFFBATT_SHARED ?? join(REPOSITORY_ROOT, '..', 'shared'));
const dataDirectory = join(shared, 'data', 'diffbatt', 'data');
if (!existsSync(dataDirectory)) {
  fail(`bench:pretraining-sets needs the original datasets at ${dataDirectory} (set DIFFBATT_SHARED)`);
}
const outDirectory = join(REPOSITORY_ROOT, 'data', 'pretraining');
mkdirSync(outDirectory, { recursive: true });
// One line per {id, sha256} entry keeps the lists short to read and to diff (Biome accepts it).
const writeJson = (name: string, value: unknown) =>
  writeFileSync(
    join(outDirectory, `${name}.json`),
    `${JSON.stringify(value, null, 2).replace(/\{\n\s*("id": "[^"]*",)\n\s*("sha256": "[^"]*")\n\s*\}/g, '{ $1 $2 }')}\n`,
  );

// 1. Survey: what each split directory holds and which curves the splits share.
const parts = DIFFBATT_SPLITS.flatMap((split) =>
  [`${split}_train`, `${split}_test`].map((part) => ({ split, part })),
);
const read = new Map<string, HashedSample[]>();
const partSurvey: Record<string, { rows: number; cells: number | null; absent?: string }> = {};
for (const { split, part } of parts) {
  const directory = join(dataDirectory, `${part}_ds`);
  const absent = await splitDataAbsence(directory);
  if (absent) {
    partSurvey[part] = { rows: DIFFBATT_SPLIT_ROWS[split], cells: null, absent };
    continue;
  }
  const samples = (await readDiffBattSplit(directory)).map(hashSample);
  read.set(part, samples);
  partSurvey[part] = { rows: DIFFBATT_SPLIT_ROWS[split], cells: samples.length };
}

/** Cells of `a` whose content (same size) or SOH curve alone (other size) also appears in `b`. */
const sharedCells = (a: string, b: string) => {
  const [sa, sb] = [read.get(a)!, read.get(b)!];
  const sameSize = sa[0]!.sample.capacityMatrixRows === sb[0]!.sample.capacityMatrixRows;
  const keys = new Set(sb.map((s) => (sameSize ? s.hash : s.sohHash)));
  return { sameSize, count: sa.filter((s) => keys.has(sameSize ? s.hash : s.sohHash)).length };
};
const overlaps: { a: string; b: string; cellsOfA: number; cellsOfB: number; identical: string }[] = [];
const present = [...read.keys()];
for (const [i, a] of present.entries()) {
  for (const b of present.slice(i + 1)) {
    const { sameSize, count } = sharedCells(a, b);
    if (count === 0) continue;
    overlaps.push({
      a,
      b,
      cellsOfA: count,
      cellsOfB: sharedCells(b, a).count,
      identical: sameSize ? 'SOH curve and capacity matrix' : 'SOH curve (matrices differ in size)',
    });
  }
}

/**
 * The closest two distinct curves of a matrix size, in units of the near-duplicate tolerances (the
 * larger of the two ratios): how far the rule is from merging two different cells.
 */
function closestDistinctPair(rows: number) {
  const unique = new Map<string, ModelSample>();
  for (const samples of read.values()) {
    for (const { sample, hash } of samples) {
      if (sample.capacityMatrixRows === rows && !unique.has(hash)) unique.set(hash, sample);
    }
  }
  const cells = [...unique.values()];
  const { soh: ts, matrix: tm } = DEFAULT_NEAR_DUPLICATE_TOLERANCE;
  let best = { ratio: Number.POSITIVE_INFINITY, a: '', b: '', soh: 0, matrix: 0 };
  for (const [i, a] of cells.entries()) {
    for (const b of cells.slice(i + 1)) {
      const soh = maxAbsDifference(a.sohCurve, b.sohCurve);
      if (soh / ts >= best.ratio) continue;
      const matrix = maxAbsDifference(a.capacityMatrix!, b.capacityMatrix!, best.ratio * tm);
      const ratio = Math.max(soh / ts, matrix / tm);
      if (ratio < best.ratio) best = { ratio, a: a.cellId, b: b.cellId, soh, matrix };
    }
  }
  const digits = (x: number) => Number(x.toPrecision(3));
  return {
    distinctCurves: cells.length,
    a: best.a,
    b: best.b,
    maxSohDifference: digits(best.soh),
    maxMatrixDifference: digits(best.matrix),
    timesTolerance: digits(best.ratio),
  };
}

// 2. The sets.
const plans: LeakageFreePlan[] = [];
const notBuilt: Record<string, string> = {};
for (const target of DIFFBATT_SPLITS) {
  const test = partSurvey[`${target}_test`]!;
  if (test.absent) notBuilt[`pretraining-for-${target}`] = `${target}_test is absent: ${test.absent}`;
  else plans.push(pretrainingPlan(target));
}
// For low-resource fine-tuning (a fraction of the target's training cells), the pretraining set must not
// hold the rest of them: written where it differs from the plain set (another split holds them).
const withoutTraining: LeakageFreePlan[] = [];
for (const target of DIFFBATT_SPLITS) {
  if (!partSurvey[`${target}_test`]!.absent && !partSurvey[`${target}_train`]!.absent) {
    withoutTraining.push(pretrainingPlan(target, { excludeTargetTraining: true }));
  }
}
// A foundation set can only serve targets whose test split can be read (not MIX).
const servable = (rows: 100 | 20) =>
  DIFFBATT_SPLITS.filter((s) => DIFFBATT_SPLIT_ROWS[s] === rows && !partSurvey[`${s}_test`]!.absent);
plans.push(
  foundationPlan(100, servable(100)),
  foundationPlan(20, servable(20)),
  reconstructedCloTrainingPlan(),
);
// The low-resource comparison (issue 19): fine-tune on 25 % of a split's training cells a foundation that
// never saw that split's training cells, against training from scratch on the same 25 %. MATR-1 and
// MATR-2 share their training cells (and CLO's reconstructed ones are MATR cells), so they share one.
const heldOutGroups: DiffBattSplit[][] = [['matr_1', 'matr_2'], ['hust'], ['cruh'], ['snl'], ['crush']];
for (const group of heldOutGroups) {
  const rows = DIFFBATT_SPLIT_ROWS[group[0]!];
  if (group.every((s) => servable(rows).includes(s) && !partSurvey[`${s}_train`]!.absent)) {
    plans.push(foundationPlan(rows, servable(rows), { withoutTrainingOf: group }));
  }
}
for (const target of DIFFBATT_SPLITS) {
  if (
    !partSurvey[`${target}_test`]!.absent &&
    !partSurvey[`${target}_train`]!.absent &&
    target !== 'matr_2'
  ) {
    plans.push(trainingFractionPlan(target, 0.25));
  }
}
// CLO's quarter comes from its reconstructed training set; its held-out foundation is MATR-1/MATR-2's.
plans.push(
  subsampledPlan(
    {
      ...reconstructedCloTrainingPlan(),
      description: 'the RECONSTRUCTED CLO training set (MATR cells; the published clo_train is missing)',
    },
    0.25,
  ),
);

const summary: string[][] = [];
const keptIds = new Map<string, string>();
for (const plan of [...plans, ...withoutTraining]) {
  const set = await buildLeakageFreeSet(dataDirectory, plan);
  const ids = set.kept.map((k) => k.sample.cellId).join();
  keptIds.set(plan.name, ids);
  const plain = plan.name.replace(/-without-its-training$/, '');
  if (plain !== plan.name && keptIds.get(plain) === ids) {
    rmSync(join(outDirectory, `${plan.name}.json`), { force: true });
    continue;
  }
  writeJson(plan.name, cellListOf(set));
  const count = (against: string, kinds: string[]) =>
    set.dropped.filter((d) => d.against === against && kinds.includes(d.kind)).length;
  summary.push([
    plan.name,
    String(set.kept.length),
    String(count('excluded', ['exact', 'same-soh-curve'])),
    String(count('excluded', ['near-duplicate'])),
    String(count('kept', ['exact', 'same-soh-curve', 'near-duplicate'])),
    set.parts
      .filter((p) => p.absent)
      .map((p) => p.part)
      .join(' '),
  ]);
  if (values.dbds && set.kept.length > 0) {
    mkdirSync(values.dbds, { recursive: true });
    await writeDatasetFile(
      join(values.dbds, `${plan.name}.dbds`),
      set.kept.map((k) => k.sample),
      {
        source: 'diffbatt',
        cellList: `data/pretraining/${plan.name}.json`,
        reconstructed: plan.reconstructed,
      },
    );
  }
}

writeJson('survey', {
  format: 'diffbatt-pretraining-survey',
  version: 1,
  command: 'pnpm bench:pretraining-sets',
  parts: partSurvey,
  overlaps,
  closestDistinctPair: { '100x100': closestDistinctPair(100), '20x100': closestDistinctPair(20) },
  notBuilt,
});

const header = [
  'set',
  'cells',
  'dropped: test copy',
  'dropped: test near-dup',
  'dropped: dedup',
  'absent parts',
];
const widths = header.map((h, i) => Math.max(h.length, ...summary.map((row) => row[i]!.length)));
for (const row of [header, ...summary]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
for (const [name, why] of Object.entries(notBuilt)) console.log(`${name}: not built (${why})`);
console.log(`wrote ${summary.length} cell lists and survey.json to ${outDirectory}`);
