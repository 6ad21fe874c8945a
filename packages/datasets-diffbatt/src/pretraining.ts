import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CapacityMatrixRows,
  DatasetError,
  DiffBattError,
  type ModelSample,
  SeededRandom,
  sohCurveSummary,
} from '@diffbatt/core';
import {
  type DroppedSample,
  type LeakageFreeSelection,
  type NearDuplicateTolerance,
  nearDuplicateTolerance,
  sampleContentHash,
  selectLeakageFree,
} from './leakage.js';
import { readDiffBattSplit, splitDataAbsence } from './snapshot.js';

/** The DiffBatt splits and their capacity-matrix rows: a model takes one size, so sets never mix them. */
export const DIFFBATT_SPLIT_ROWS = {
  matr_1: 100,
  matr_2: 100,
  hust: 100,
  clo: 100,
  cruh: 100,
  mix: 100,
  snl: 20,
  crush: 20,
} as const satisfies Record<string, CapacityMatrixRows>;

export type DiffBattSplit = keyof typeof DIFFBATT_SPLIT_ROWS;

export const DIFFBATT_SPLITS = Object.keys(DIFFBATT_SPLIT_ROWS) as DiffBattSplit[];

/** The MATR splits (Severson et al.'s cells) that the reconstructed CLO training set is drawn from. */
const MATR_PARTS = ['matr_1_train', 'matr_1_test', 'matr_2_train', 'matr_2_test'];

/**
 * What goes into a leakage-free set: split parts (`<split>_train` / `<split>_test`, the directory names
 * without `_ds`) whose cells may enter, and parts none of whose curves may.
 */
export interface LeakageFreePlan {
  /** File-name-safe name, e.g. `pretraining-for-matr_1`. */
  name: string;
  description: string;
  rows: CapacityMatrixRows;
  /** In priority order: of several copies of one curve, the first part's is kept. Absent parts are skipped. */
  candidates: string[];
  /** Must all be readable: leakage against a split that cannot be read cannot be ruled out. */
  excluded: string[];
  /** True when the set stands in for a published split that is missing. */
  reconstructed: boolean;
  /**
   * Keep only this share of the leakage-free cells (low-resource experiments): the cells are ranked by
   * cycle life, cut into `round(fraction * n)` strata of (near) equal size, and one cell per stratum is
   * drawn with `seed`, so the share spans the lives of the whole split.
   */
  subsample?: { fraction: number; seed: number };
}

const partsOf = (splits: readonly DiffBattSplit[], halves: readonly string[]) =>
  splits.flatMap((split) => halves.map((half) => `${split}_${half}`));

const family = (rows: CapacityMatrixRows) => DIFFBATT_SPLITS.filter((s) => DIFFBATT_SPLIT_ROWS[s] === rows);

export function isDiffBattSplit(name: string): name is DiffBattSplit {
  return Object.hasOwn(DIFFBATT_SPLIT_ROWS, name);
}

/**
 * The pretraining set for fine-tuning on `target`: every cell of the other splits with the same matrix
 * size (train and test halves), minus every curve of the target's test split. The target's own training
 * cells may still enter through another split holding them (MATR-2 trains on MATR-1's training cells);
 * `excludeTargetTraining` keeps them out too, for low-resource fine-tuning experiments.
 */
export function pretrainingPlan(
  target: DiffBattSplit,
  options: { excludeTargetTraining?: boolean } = {},
): LeakageFreePlan {
  const rows = DIFFBATT_SPLIT_ROWS[target];
  const others = family(rows).filter((s) => s !== target);
  const excluded = [`${target}_test`, ...(options.excludeTargetTraining ? [`${target}_train`] : [])];
  return {
    name: `pretraining-for-${target}${options.excludeTargetTraining ? '-without-its-training' : ''}`,
    description:
      `Pretraining cells for fine-tuning on ${target}: the ${rows}x100 splits other than ${target}, ` +
      `deduplicated, without any curve of ${excluded.join(' or ')} (exact or near-duplicate).`,
    rows,
    candidates: partsOf(others, ['train', 'test']),
    excluded,
    reconstructed: false,
  };
}

/**
 * One pretraining set for every target of a matrix size: the training halves of `splits` (default: all
 * of that size), minus every curve of any of their test halves (DiffBatt's CLO test split holds MATR
 * training cells, for one). Leave out splits whose test half is absent (MIX): building fails on them.
 * `withoutTrainingOf` also keeps every curve of those splits' training halves out, for fine-tuning on a
 * fraction of them (a foundation that saw the rest of a split is no low-resource test).
 */
export function foundationPlan(
  rows: CapacityMatrixRows,
  splits: readonly DiffBattSplit[] = family(rows),
  options: { withoutTrainingOf?: readonly DiffBattSplit[] } = {},
): LeakageFreePlan {
  const other = splits.find((s) => DIFFBATT_SPLIT_ROWS[s] !== rows);
  if (other) throw new DiffBattError(`${other} has ${DIFFBATT_SPLIT_ROWS[other]}-row matrices, not ${rows}`);
  const heldOut = options.withoutTrainingOf ?? [];
  const unknown = heldOut.find((s) => !splits.includes(s));
  if (unknown)
    throw new DiffBattError(`${unknown} is not one of the foundation's splits (${splits.join(', ')})`);
  const without = heldOut.length > 0 ? ` and none of ${partsOf(heldOut, ['train']).join(' or ')}` : '';
  return {
    name: `foundation-${rows}x100${heldOut.length > 0 ? `-without-${heldOut.join('-')}` : ''}`,
    description:
      `Pretraining cells for one ${rows}x100 foundation model fine-tuned on any of ${splits.join(', ')}: ` +
      `their training halves, deduplicated, without any curve of any of their test halves${without}.`,
    rows,
    candidates: partsOf(
      splits.filter((s) => !heldOut.includes(s)),
      ['train'],
    ),
    excluded: [...partsOf(splits, ['test']), ...partsOf(heldOut, ['train'])],
    reconstructed: false,
  };
}

/**
 * A life-stratified share of `target`'s training cells (deduplicated, none a copy of a test curve), for
 * measuring fine-tuning against training from scratch when a split is small.
 */
export function trainingFractionPlan(target: DiffBattSplit, fraction: number, seed = 0): LeakageFreePlan {
  return subsampledPlan(
    {
      name: `${target}-train`,
      description: `${target}'s training cells`,
      rows: DIFFBATT_SPLIT_ROWS[target],
      candidates: [`${target}_train`],
      excluded: [`${target}_test`],
      reconstructed: false,
    },
    fraction,
    seed,
  );
}

/**
 * The same set cut to a life-stratified `fraction` of its cells (one per life stratum, drawn with `seed`),
 * named `<name>-<percent>pct[-seed<seed>]`: e.g. a quarter of the reconstructed CLO training set.
 */
export function subsampledPlan(plan: LeakageFreePlan, fraction: number, seed = 0): LeakageFreePlan {
  if (!(fraction > 0 && fraction < 1)) throw new DiffBattError(`fraction must be in (0, 1), got ${fraction}`);
  const percent = Math.round(fraction * 100);
  return {
    ...plan,
    name: `${plan.name}-${percent}pct${seed === 0 ? '' : `-seed${seed}`}`,
    description:
      `${percent} % of ${plan.description.replace(/\.$/, '')}, one per life stratum (seed ${seed}), without any curve ` +
      `of ${plan.excluded.join(', ')}.`,
    subsample: { fraction, seed },
  };
}

/**
 * A stand-in for the missing `clo_train` split: BatteryML's CLO split trains on MATR cells, so this takes
 * the cells of the MATR splits that are not in CLO's test split. It is smaller than the original (see
 * data/pretraining/README.md): MATR cells that no published split holds cannot be added.
 */
export function reconstructedCloTrainingPlan(): LeakageFreePlan {
  return {
    name: 'clo-train-reconstructed',
    description:
      'RECONSTRUCTED CLO training set (the published clo_train is missing): the cells of the MATR splits ' +
      '(matr_1/matr_2, train and test), deduplicated, without any curve of clo_test.',
    rows: 100,
    candidates: [...MATR_PARTS],
    excluded: ['clo_test'],
    reconstructed: true,
  };
}

/** A part as it was found: its cell count, or why it was skipped. */
export interface PartReport {
  part: string;
  role: 'candidate' | 'excluded';
  /** null when absent */
  cells: number | null;
  absent?: string;
}

export interface LeakageFreeSet extends LeakageFreeSelection {
  plan: LeakageFreePlan;
  tolerance: NearDuplicateTolerance;
  parts: PartReport[];
  /** The excluded (test) cells, hashed, so a cell list can be checked without the data. */
  excludedCells: { cellId: string; hash: string }[];
}

const partDirectory = (dataDirectory: string, part: string) => join(dataDirectory, `${part}_ds`);

async function readPart(
  dataDirectory: string,
  part: string,
  rows: CapacityMatrixRows,
): Promise<ModelSample[]> {
  const directory = partDirectory(dataDirectory, part);
  const samples = await readDiffBattSplit(directory);
  const other = samples.find((s) => s.capacityMatrixRows !== rows);
  if (other) {
    throw new DatasetError(`${other.cellId} has ${other.capacityMatrixRows}-row matrices, expected ${rows}`, {
      file: directory,
    });
  }
  return samples;
}

/**
 * Reads the parts of `plan` from `dataDirectory` (the folder holding `<part>_ds` directories, e.g.
 * `shared/data/diffbatt/data`) and keeps the candidate cells that duplicate no excluded cell and no
 * candidate kept before them (rules: `DuplicateKind`). Absent candidate parts are skipped and reported;
 * an absent excluded part is an error.
 */
export async function buildLeakageFreeSet(
  dataDirectory: string,
  plan: LeakageFreePlan,
  options: { tolerance?: Partial<NearDuplicateTolerance> } = {},
): Promise<LeakageFreeSet> {
  const tolerance = nearDuplicateTolerance(options.tolerance);
  const parts: PartReport[] = [];
  const candidates: ModelSample[] = [];
  const excluded: ModelSample[] = [];
  for (const [role, names] of [
    ['excluded', plan.excluded],
    ['candidate', plan.candidates],
  ] as const) {
    for (const part of names) {
      const absent = await splitDataAbsence(partDirectory(dataDirectory, part));
      if (absent && role === 'excluded') {
        throw new DatasetError(`cannot rule out leakage against ${part}: ${absent}`, {
          file: partDirectory(dataDirectory, part),
        });
      }
      if (absent) {
        parts.push({ part, role, cells: null, absent });
        continue;
      }
      const samples = await readPart(dataDirectory, part, plan.rows);
      parts.push({ part, role, cells: samples.length });
      (role === 'excluded' ? excluded : candidates).push(...samples);
    }
  }
  const selection = selectLeakageFree(candidates, excluded, tolerance);
  if (plan.subsample) {
    const { fraction, seed } = plan.subsample;
    selection.kept = lifeStratifiedSubsample(selection.kept, (k) => cycleLifeOf(k.sample), fraction, seed);
  }
  const excludedCells = excluded.map((sample) => ({
    cellId: sample.cellId,
    hash: sampleContentHash(sample),
  }));
  return { plan, tolerance, parts, excludedCells, ...selection };
}

/** The cycle where SOH first drops below 80 %, or the last measured cycle when it never does. */
const cycleLifeOf = (sample: ModelSample) => {
  const { endOfLifeCycle, lastMeasuredCycle } = sohCurveSummary(sample.sohCurve);
  return endOfLifeCycle ?? lastMeasuredCycle;
};

/**
 * `round(fraction * n)` of `items` (at least one), one drawn with `seed` from each stratum of the items
 * ranked by `lifeOf`, returned in their original order: a small share that still spans short and long lives.
 */
export function lifeStratifiedSubsample<T>(
  items: readonly T[],
  lifeOf: (item: T) => number,
  fraction: number,
  seed: number,
): T[] {
  const count = Math.min(items.length, Math.max(1, Math.round(fraction * items.length)));
  const ranked = items.map((item, index) => ({ index, life: lifeOf(item) }));
  ranked.sort((a, b) => a.life - b.life || a.index - b.index);
  const random = new SeededRandom(seed);
  const chosen: number[] = [];
  for (let stratum = 0; stratum < count; stratum++) {
    const start = Math.floor((stratum * items.length) / count);
    const end = Math.floor(((stratum + 1) * items.length) / count);
    chosen.push(ranked[start + random.integer(end - start)]!.index);
  }
  return chosen.sort((a, b) => a - b).map((index) => items[index]!);
}

/** A committed cell list entry: a cell id (`<part>/<index>`) and its content hash, no values. */
export interface CellListEntry {
  id: string;
  sha256: string;
}

/** The JSON form of a leakage-free set: ids and hashes only, so it can be committed without the data. */
export interface CellList {
  format: 'diffbatt-cell-list';
  version: 1;
  name: string;
  description: string;
  reconstructed: boolean;
  rows: CapacityMatrixRows;
  rules: {
    sha256: string;
    nearDuplicate: NearDuplicateTolerance;
    order: string;
    /** Present when only a life-stratified share of the leakage-free cells is listed. */
    subsample?: { fraction: number; seed: number; rule: string };
  };
  parts: PartReport[];
  cells: CellListEntry[];
  excluded: CellListEntry[];
  /** Candidates left out: the cell each duplicates (`of`) is listed under `cells` or `excluded`. */
  dropped: (Omit<DroppedSample, 'cellId' | 'hash'> & { id: string })[];
}

const threeDigits = (value: number) => Number(value.toPrecision(3));

export function cellListOf(set: LeakageFreeSet): CellList {
  return {
    format: 'diffbatt-cell-list',
    version: 1,
    name: set.plan.name,
    description: set.plan.description,
    reconstructed: set.plan.reconstructed,
    rows: set.plan.rows,
    rules: {
      sha256:
        'float32 little-endian bytes of the SOH curve, one byte of matrix rows, then the capacity matrix',
      nearDuplicate: set.tolerance,
      order: 'candidate parts in the order listed; of several copies of a curve the first is kept',
      ...(set.plan.subsample && {
        subsample: {
          ...set.plan.subsample,
          rule: 'cells ranked by cycle life (SOH < 80 %, else last measured cycle), cut into round(fraction * n) strata, one drawn per stratum with seed',
        },
      }),
    },
    parts: set.parts,
    cells: set.kept.map(({ sample, hash }) => ({ id: sample.cellId, sha256: hash })),
    excluded: set.excludedCells.map(({ cellId, hash }) => ({ id: cellId, sha256: hash })),
    dropped: set.dropped.map(({ cellId, hash: _, maxSohDifference, maxMatrixDifference, ...rest }) => ({
      id: cellId,
      ...rest,
      maxSohDifference: threeDigits(maxSohDifference),
      maxMatrixDifference: maxMatrixDifference === null ? null : threeDigits(maxMatrixDifference),
    })),
  };
}

const CELL_ID = /^([a-z0-9_]+)\/(\d+)$/;
const SHA256 = /^[0-9a-f]{64}$/;

function entries(value: unknown, field: string, file: string): CellListEntry[] {
  if (!Array.isArray(value)) throw new DatasetError(`"${field}" is not an array`, { file, field });
  return value.map((entry, index) => {
    const { id, sha256 } = (entry ?? {}) as Partial<CellListEntry>;
    if (typeof id !== 'string' || !CELL_ID.test(id) || typeof sha256 !== 'string' || !SHA256.test(sha256)) {
      throw new DatasetError(`entry ${index} is not {"id": "<part>/<index>", "sha256": "<64 hex digits>"}`, {
        file,
        field,
      });
    }
    return { id, sha256 };
  });
}

/**
 * Checks the parts of a parsed cell list that loading relies on (format, version, rows, cell and excluded
 * entries); descriptive fields pass through unchecked.
 */
export function parseCellList(json: unknown, file = 'cell list'): CellList {
  const list = (json ?? {}) as Partial<CellList>;
  if (list.format !== 'diffbatt-cell-list' || list.version !== 1) {
    throw new DatasetError('not a diffbatt-cell-list version 1 file', { file });
  }
  if (list.rows !== 100 && list.rows !== 20) {
    throw new DatasetError(`rows must be 100 or 20, got ${String(list.rows)}`, { file, field: 'rows' });
  }
  return {
    ...list,
    cells: entries(list.cells, 'cells', file),
    excluded: entries(list.excluded, 'excluded', file),
  } as CellList;
}

export async function readCellList(file: string): Promise<CellList> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetError(`cannot read cell list: ${(error as Error).message}`, { file });
  }
  return parseCellList(json, file);
}

/**
 * The samples a cell list names, read from `dataDirectory`, in list order. Each must have the listed
 * content hash, so a different copy of the data (or a changed reader) fails here instead of training on
 * something else than what was checked for leakage.
 */
export async function loadCellListSamples(
  dataDirectory: string,
  list: CellList,
  file = list.name,
): Promise<ModelSample[]> {
  const byPart = new Map<string, ModelSample[]>();
  const samples: ModelSample[] = [];
  for (const { id, sha256 } of list.cells) {
    const [, part, index] = CELL_ID.exec(id)!;
    let partSamples = byPart.get(part!);
    if (!partSamples) {
      partSamples = await readPart(dataDirectory, part!, list.rows);
      byPart.set(part!, partSamples);
    }
    const sample = partSamples[Number(index)];
    if (!sample) throw new DatasetError(`${id}: ${part} has only ${partSamples.length} cells`, { file });
    const actual = sampleContentHash(sample);
    if (actual !== sha256) {
      throw new DatasetError(
        `${id}: content hash ${actual.slice(0, 12)}... differs from the listed ${sha256.slice(0, 12)}... ` +
          '(a different copy of the DiffBatt data?)',
        { file },
      );
    }
    samples.push(sample);
  }
  return samples;
}
