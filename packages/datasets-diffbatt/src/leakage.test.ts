import type { ModelSample } from '@diffbatt/core';
import { syntheticSamples } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import {
  duplicateKind,
  hashSample,
  nearDuplicateTolerance,
  sampleContentHash,
  selectLeakageFree,
  sohCurveHash,
} from './leakage.js';
import {
  cellListOf,
  foundationPlan,
  type LeakageFreePlan,
  parseCellList,
  pretrainingPlan,
  reconstructedCloTrainingPlan,
} from './pretraining.js';

// Every sample here is SYNTHETIC (core's syntheticSamples or edited copies of them): no real data.

let made = 0;
/**
 * Synthetic cells whose SOH curves all differ: core's curves depend on the drawn life alone, so two
 * cells of one life would share a curve; a per-cell tilt (0.001 per cell made) tells them apart.
 */
function synthetic(count: number, seed: number, rows: 20 | 100 = 100, prefix = 'synthetic'): ModelSample[] {
  return syntheticSamples(count, seed, rows).map((sample, index) => {
    const tilt = 1e-3 * ++made;
    const sohCurve = sample.sohCurve.map((v, i) => (v === -1 ? v : v - tilt * (i / 256)));
    return { ...sample, cellId: `${prefix}-${index}`, sohCurve };
  });
}

/** A synthetic copy of `sample` under another id, with optional edits of its curve and matrix. */
function copyOf(
  sample: ModelSample,
  cellId: string,
  edit: { soh?: (v: Float32Array) => void; matrix?: (v: Float32Array) => void } = {},
): ModelSample {
  const copy = {
    ...sample,
    cellId,
    sohCurve: sample.sohCurve.slice(),
    capacityMatrix: sample.capacityMatrix!.slice(),
    protocol: Float32Array.of(1, 2, 3),
  };
  edit.soh?.(copy.sohCurve);
  edit.matrix?.(copy.capacityMatrix);
  return copy;
}

const shift = (amount: number) => (values: Float32Array) => {
  for (let i = 0; i < values.length; i++) values[i]! += amount;
};

/** Brute force, independent of the library: is `a` within tolerance of (or identical to) `b`? */
function sameCurve(a: ModelSample, b: ModelSample, tolerance = 1e-3): boolean {
  const max = (x: Float32Array, y: Float32Array) => Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
  if (max(a.sohCurve, b.sohCurve) === 0) return true;
  if (a.capacityMatrixRows !== b.capacityMatrixRows) return false;
  return max(a.sohCurve, b.sohCurve) <= tolerance && max(a.capacityMatrix!, b.capacityMatrix!) <= tolerance;
}

describe('content hashes', () => {
  const [cell] = synthetic(1, 11);

  it('depend on the curve and matrix values only, not on ids, protocol or buffer offsets', () => {
    const renamed = copyOf(cell!, 'synthetic-renamed');
    expect(sampleContentHash(renamed)).toBe(sampleContentHash(cell!));
    const backing = new Float32Array(300);
    backing.set(cell!.sohCurve, 44);
    const offsetView = { ...cell!, sohCurve: backing.subarray(44, 300) };
    expect(sampleContentHash(offsetView)).toBe(sampleContentHash(cell!));
    expect(sampleContentHash(cell!)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('change with one float32 step of one SOH point or one matrix entry', () => {
    const soh = copyOf(cell!, 'synthetic-soh', {
      soh: (v) => {
        v[100] = Math.fround(v[100]! * (1 + 2 ** -23));
      },
    });
    expect(soh.sohCurve[100]).not.toBe(cell!.sohCurve[100]);
    expect(sampleContentHash(soh)).not.toBe(sampleContentHash(cell!));
    const matrix = copyOf(cell!, 'synthetic-matrix', {
      matrix: (v) => {
        v[9999] = v[9999]! + 1e-6;
      },
    });
    expect(sampleContentHash(matrix)).not.toBe(sampleContentHash(cell!));
    expect(sohCurveHash(matrix)).toBe(sohCurveHash(cell!));
  });

  it('tell a missing matrix from an all-zero one', () => {
    const zero = copyOf(cell!, 'synthetic-zero', { matrix: (v) => v.fill(0) });
    const none = { ...zero, capacityMatrix: null, capacityMatrixRows: null };
    expect(sampleContentHash(none)).not.toBe(sampleContentHash(zero));
  });
});

describe('duplicateKind', () => {
  const [a, b] = synthetic(2, 5);
  const hashed = (s: ModelSample) => hashSample(s);

  it('names exact copies, same curves with another matrix, and near-duplicates within both tolerances', () => {
    expect(duplicateKind(hashed(a!), hashed(copyOf(a!, 'synthetic-copy')))).toBe('exact');
    expect(duplicateKind(hashed(a!), hashed(copyOf(a!, 'synthetic-m', { matrix: shift(0.5) })))).toBe(
      'same-soh-curve',
    );
    const near = copyOf(a!, 'synthetic-near', { soh: shift(5e-4), matrix: shift(5e-4) });
    expect(duplicateKind(hashed(a!), hashed(near))).toBe('near-duplicate');
  });

  it('keeps apart curves outside either tolerance, distinct cells and cells of another matrix size', () => {
    const sohFar = copyOf(a!, 'synthetic-soh-far', { soh: shift(2e-3), matrix: shift(5e-4) });
    const matrixFar = copyOf(a!, 'synthetic-matrix-far', { soh: shift(5e-4), matrix: shift(2e-3) });
    expect(duplicateKind(hashed(a!), hashed(sohFar))).toBeUndefined();
    expect(duplicateKind(hashed(a!), hashed(matrixFar))).toBeUndefined();
    expect(duplicateKind(hashed(a!), hashed(b!))).toBeUndefined();
    // Like the SNL cells whose matrices are all zero: one matrix, different curves, different cells.
    const zeroA = copyOf(a!, 'synthetic-zero-a', { matrix: (v) => v.fill(0) });
    const zeroB = copyOf(b!, 'synthetic-zero-b', { matrix: (v) => v.fill(0) });
    expect(duplicateKind(hashed(zeroA), hashed(zeroB))).toBeUndefined();
    const [small] = synthetic(1, 5, 20);
    const smallNear = { ...copyOf(small!, 'synthetic-20'), sohCurve: a!.sohCurve.map((v) => v + 1e-4) };
    expect(duplicateKind(hashed(a!), hashed(smallNear))).toBeUndefined();
  });

  it('takes tolerances from the caller and refuses invalid ones', () => {
    const near = copyOf(a!, 'synthetic-near', { soh: shift(5e-4), matrix: shift(5e-4) });
    expect(duplicateKind(hashed(a!), hashed(near), nearDuplicateTolerance({ soh: 1e-4 }))).toBeUndefined();
    expect(() => nearDuplicateTolerance({ matrix: -1 })).toThrow(
      'tolerance matrix must be a finite number >= 0',
    );
    expect(() => nearDuplicateTolerance({ soh: Number.NaN })).toThrow('tolerance soh');
  });
});

describe('selectLeakageFree', () => {
  const pool = synthetic(12, 21);
  const test = synthetic(4, 22, 100, 'synthetic-test');
  const leaked = [
    copyOf(test[0]!, 'synthetic-exact-copy-of-test-0'),
    copyOf(test[1]!, 'synthetic-near-copy-of-test-1', { soh: shift(-3e-4), matrix: shift(2e-4) }),
    copyOf(test[2]!, 'synthetic-curve-of-test-2', { matrix: shift(0.3) }),
  ];
  const repeat = copyOf(pool[3]!, 'synthetic-repeat-of-3');
  const candidates = [...pool.slice(0, 6), ...leaked, repeat, ...pool.slice(6)];
  const selection = selectLeakageFree(candidates, test);

  it('drops every copy of an excluded curve and repeats of kept ones, saying which and why', () => {
    expect(selection.kept.map((k) => k.sample.cellId)).toEqual(pool.map((s) => s.cellId));
    expect(selection.dropped.map(({ cellId, kind, against, of }) => ({ cellId, kind, against, of }))).toEqual(
      [
        { cellId: leaked[0]!.cellId, kind: 'exact', against: 'excluded', of: 'synthetic-test-0' },
        { cellId: leaked[1]!.cellId, kind: 'near-duplicate', against: 'excluded', of: 'synthetic-test-1' },
        { cellId: leaked[2]!.cellId, kind: 'same-soh-curve', against: 'excluded', of: 'synthetic-test-2' },
        { cellId: repeat.cellId, kind: 'exact', against: 'kept', of: pool[3]!.cellId },
      ],
    );
    const near = selection.dropped[1]!;
    expect(near.maxSohDifference).toBeCloseTo(3e-4, 6);
    expect(near.maxMatrixDifference).toBeCloseTo(2e-4, 6);
    expect(selection.dropped[2]!.maxSohDifference).toBe(0);
  });

  it('keeps no curve that a brute-force comparison finds in the excluded set, and no repeat', () => {
    for (const { sample } of selection.kept) {
      for (const excluded of test) expect(sameCurve(sample, excluded), sample.cellId).toBe(false);
    }
    const hashes = selection.kept.map((k) => k.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('keeps the first of several copies', () => {
    const first = copyOf(pool[0]!, 'synthetic-first');
    const { kept, dropped } = selectLeakageFree([first, pool[0]!], []);
    expect(kept.map((k) => k.sample.cellId)).toEqual(['synthetic-first']);
    expect(dropped[0]).toMatchObject({ cellId: pool[0]!.cellId, of: 'synthetic-first', against: 'kept' });
  });
});

describe('plans', () => {
  it('take a target the other splits of its matrix size, excluding its test split', () => {
    const matr1 = pretrainingPlan('matr_1');
    expect(matr1.rows).toBe(100);
    expect(matr1.excluded).toEqual(['matr_1_test']);
    expect(matr1.candidates).toEqual([
      'matr_2_train',
      'matr_2_test',
      'hust_train',
      'hust_test',
      'clo_train',
      'clo_test',
      'cruh_train',
      'cruh_test',
      'mix_train',
      'mix_test',
    ]);
    const snl = pretrainingPlan('snl', { excludeTargetTraining: true });
    expect([snl.rows, snl.candidates, snl.excluded]).toEqual([
      20,
      ['crush_train', 'crush_test'],
      ['snl_test', 'snl_train'],
    ]);
  });

  it('build a foundation set from training halves against every test half, and mark the CLO stand-in', () => {
    expect(foundationPlan(20)).toMatchObject({
      candidates: ['snl_train', 'crush_train'],
      excluded: ['snl_test', 'crush_test'],
    });
    expect(() => foundationPlan(100, ['snl'])).toThrow('snl has 20-row matrices, not 100');
    expect(reconstructedCloTrainingPlan()).toMatchObject({ reconstructed: true, excluded: ['clo_test'] });
  });
});

describe('cell lists', () => {
  const [kept, excluded] = [synthetic(2, 31, 20), synthetic(1, 32, 20, 'synthetic-excluded')];
  const plan: LeakageFreePlan = { ...foundationPlan(20), name: 'synthetic-set' };
  const selection = selectLeakageFree([...kept, copyOf(excluded[0]!, 'synthetic-leak')], excluded);
  const list = cellListOf({
    plan,
    tolerance: nearDuplicateTolerance(),
    parts: [],
    excludedCells: excluded.map((s) => ({ cellId: s.cellId, hash: sampleContentHash(s) })),
    ...selection,
  });

  it('hold ids and hashes only, and survive a JSON round trip', () => {
    expect(list.cells).toEqual(kept.map((s) => ({ id: s.cellId, sha256: sampleContentHash(s) })));
    expect(list.dropped).toEqual([
      {
        id: 'synthetic-leak',
        kind: 'exact',
        against: 'excluded',
        of: excluded[0]!.cellId,
        maxSohDifference: 0,
        maxMatrixDifference: 0,
      },
    ]);
    expect(JSON.stringify(list)).not.toMatch(/sohCurve|capacityMatrix"/);
    const ids = { ...list, cells: list.cells.map((c, i) => ({ ...c, id: `snl_train/${i}` })), excluded: [] };
    expect(parseCellList(JSON.parse(JSON.stringify(ids))).cells).toEqual(ids.cells);
  });

  it('refuse other formats and malformed entries', () => {
    expect(() => parseCellList({ format: 'x' }, 'f.json')).toThrow('f.json: not a diffbatt-cell-list');
    const bad = { ...list, cells: [{ id: 'snl_train/0', sha256: 'abc' }], excluded: [] };
    expect(() => parseCellList(bad, 'f.json')).toThrow('entry 0 is not {"id"');
  });
});
