import { DiffBattError, SOH_CURVE_LENGTH } from '@diffbatt/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EARLY_LIFE_FEATURE_NAMES,
  type EarlyLifeInput,
  earlyLifeFeatures,
  fitRidgeRegression,
  predictRidge,
  selectRidgeLambda,
} from './downstream.js';

const EARLY_SOH = [100, 100.4, 100.6, 100.2, 100, 99.8, 99.6, 99.4, 99.2, 99.0];

/**
 * Synthetic cell: capacity matrix with the base row and the last row given (other rows hold values the
 * features must ignore), SOH % given for cycles 1..100 (10 points) and a fading curve after them.
 */
function syntheticCell(matrix: {
  rows: 100 | 20;
  baseRow: number;
  base: (v: number) => number;
  last: (v: number) => number;
}): EarlyLifeInput {
  const { rows, baseRow, base, last } = matrix;
  const capacityMatrix = new Float32Array(rows * 100);
  for (let i = 0; i < capacityMatrix.length; i++) capacityMatrix[i] = ((i * 7919) % 13) / 100;
  for (let v = 0; v < 100; v++) {
    capacityMatrix[baseRow * 100 + v] = base(v);
    capacityMatrix[(rows - 1) * 100 + v] = last(v);
  }
  const sohCurve = new Float32Array(SOH_CURVE_LENGTH).fill(-1);
  EARLY_SOH.forEach((soh, i) => {
    sohCurve[i] = (2 * soh) / 100 - 1;
  });
  for (let i = 10; i < 60; i++) sohCurve[i] = 0.9 - i / 100;
  return { cellId: 'synthetic-cell', sohCurve, capacityMatrix, capacityMatrixRows: rows };
}

/** dQ(v) = -v / 500 against a zero base row. */
const fadingCell = syntheticCell({ rows: 100, baseRow: 9, base: () => 0, last: (v) => -v / 500 });

describe('earlyLifeFeatures', () => {
  it('computes dQ(V) = last row - base row and the early SOH changes (hand-computed)', () => {
    // dQ(v) = -v / 1000 (v = 0..99): variance (100^2 - 1) / 12 * 1e-6 = 8.3325e-4, min -0.099.
    const cell = syntheticCell({ rows: 100, baseRow: 9, base: () => 0.5, last: (v) => 0.5 - v / 1000 });
    const features = earlyLifeFeatures(cell);
    expect(features).toHaveLength(EARLY_LIFE_FEATURE_NAMES.length);
    expect(features[0]).toBeCloseTo(Math.log10(8.3325e-4), 4);
    expect(features[1]).toBeCloseTo(Math.log10(0.099), 4);
    expect(features[2]).toBeCloseTo(99.0 - 100, 4);
    expect(features[3]).toBeCloseTo(100.6 - 99.0, 4);
  });

  it('uses row 3 as the base of a 20-row matrix', () => {
    // dQ alternates -0.02 / 0: variance 1e-4, min -0.02.
    const cell = syntheticCell({
      rows: 20,
      baseRow: 2,
      base: () => 1,
      last: (v) => 1 - (v % 2 === 0 ? 0.02 : 0),
    });
    const features = earlyLifeFeatures(cell);
    expect(features[0]).toBeCloseTo(-4, 4);
    expect(features[1]).toBeCloseTo(Math.log10(0.02), 4);
  });

  it('looks only at the first 100 cycles of the SOH curve', () => {
    const later = { ...fadingCell, sohCurve: fadingCell.sohCurve.map((x, i) => (i >= 10 ? 0.123 : x)) };
    expect(earlyLifeFeatures(later)).toEqual(earlyLifeFeatures(fadingCell));
  });

  it('names the cell when there is no capacity matrix, it is flat, or it has the wrong size', () => {
    const cell = fadingCell;
    expect(() => earlyLifeFeatures({ ...cell, capacityMatrix: null, capacityMatrixRows: null })).toThrow(
      /synthetic-cell.*capacity matrix/,
    );
    const flat = syntheticCell({ rows: 100, baseRow: 9, base: () => 0.3, last: () => 0.3 });
    expect(() => earlyLifeFeatures(flat)).toThrow(DiffBattError);
    expect(() => earlyLifeFeatures(flat)).toThrow(/flat/);
    expect(() => earlyLifeFeatures({ ...cell, capacityMatrixRows: 20 })).toThrow(/2000 values|10000 values/);
    expect(() => earlyLifeFeatures({ ...cell, sohCurve: new Float32Array(5) })).toThrow(/sohCurve/);
    const broken = { ...cell, sohCurve: cell.sohCurve.map((x, i) => (i === 3 ? Number.NaN : x)) };
    expect(() => earlyLifeFeatures(broken)).toThrow(/non-finite/);
  });
});

describe('fitRidgeRegression', () => {
  it('fits noiseless linear data exactly with lambda 0', () => {
    const rows = [
      [0, 1],
      [1, 0],
      [2, 3],
      [5, -1],
      [-2, 4],
    ];
    const targets = rows.map(([a, b]) => 2 + 3 * a! - b!);
    const model = fitRidgeRegression(rows, targets, 0);
    rows.forEach((row, i) => {
      expect(predictRidge(model, row)).toBeCloseTo(targets[i]!, 10);
    });
    expect(predictRidge(model, [10, 10])).toBeCloseTo(22, 10);
    expect(model.intercept).toBeCloseTo(targets.reduce((a, b) => a + b, 0) / targets.length, 12);
  });

  it('agrees with NumPy: np.linalg.solve(Z.T @ Z + 0.5 I, Z.T @ (y - y.mean())) on standardised features', () => {
    const rows = [
      [1, 0, 2],
      [2, 1, 0],
      [3, 5, 1],
      [4, 2, 2],
      [5, 3, 7],
      [6, 1, 1],
    ];
    const model = fitRidgeRegression(rows, [1, 2.5, 2, 4.5, 3, 6], 0.5);
    // Computed with NumPy 2.4 (X.std(0), ddof 0).
    [1.56867747, -0.37718842, -0.53065873].forEach((weight, j) => {
      expect(model.weights[j]).toBeCloseTo(weight, 7);
    });
    expect(model.intercept).toBeCloseTo(19 / 6, 12);
    expect(predictRidge(model, [2.5, 2, 3])).toBeCloseTo(2.05306916, 7);
  });

  it('satisfies the ridge optimality condition Z^T (y - b - Z w) = lambda w', () => {
    const row = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(row, fc.integer({ min: -50, max: 50 })), { minLength: 4, maxLength: 12 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (data, lambda) => {
          const rows = data.map(([x]) => x);
          const model = fitRidgeRegression(
            rows,
            data.map(([, y]) => y),
            lambda,
          );
          const z = rows.map((x) => x.map((v, j) => (v - model.means[j]!) / model.scales[j]!));
          for (let j = 0; j < 3; j++) {
            let gradient = 0;
            data.forEach(([x, y], i) => {
              gradient += z[i]![j]! * (y - predictRidge(model, x));
            });
            expect(gradient).toBeCloseTo(lambda * model.weights[j]!, 6);
          }
        },
      ),
    );
  });

  it('shrinks the standardised weight to Z^T y / (Z^T Z + lambda) (hand-computed)', () => {
    // x = [-1, 1]: mean 0, sd 1, so z = x; y = [0, 2]: intercept 1, Z^T Z = 2, Z^T (y - 1) = 2.
    for (const [lambda, weight] of [
      [0, 1],
      [2, 0.5],
      [6, 0.25],
    ] as const) {
      const model = fitRidgeRegression([[-1], [1]], [0, 2], lambda);
      expect(model.weights[0]).toBeCloseTo(weight, 12);
      expect(predictRidge(model, [1])).toBeCloseTo(1 + weight, 12);
    }
  });

  it('standardises: rescaling a feature changes no prediction', () => {
    const rows = [[1], [2], [4], [7]];
    const targets = [3, 1, 4, 1];
    const model = fitRidgeRegression(rows, targets, 1.5);
    const scaled = fitRidgeRegression(
      rows.map(([x]) => [1000 * x! + 5]),
      targets,
      1.5,
    );
    for (const [x] of rows) {
      expect(predictRidge(scaled, [1000 * x! + 5])).toBeCloseTo(predictRidge(model, [x!]), 10);
    }
  });

  it('does not penalise the intercept: a huge lambda predicts the mean target, shifting targets shifts it', () => {
    const rows = [[1], [2], [3], [4]];
    const targets = [10, 20, 40, 30];
    const flat = fitRidgeRegression(rows, targets, 1e12);
    expect(predictRidge(flat, [100])).toBeCloseTo(25, 6);
    const model = fitRidgeRegression(rows, targets, 3);
    const shifted = fitRidgeRegression(
      rows,
      targets.map((t) => t + 1000),
      3,
    );
    expect(shifted.intercept).toBeCloseTo(model.intercept + 1000, 10);
    expect(Array.from(shifted.weights)).toEqual(Array.from(model.weights).map((w) => expect.closeTo(w, 10)));
  });

  it('survives singular features with lambda 0: duplicated columns share the weight, a constant gets 0', () => {
    const xs = [0, 1, 2, 3, 4];
    const duplicated = fitRidgeRegression(
      xs.map((x) => [x, x]),
      xs.map((x) => 1 + 2 * x),
      0,
    );
    expect(duplicated.weights[0]).toBeCloseTo(duplicated.weights[1]!, 10);
    expect(predictRidge(duplicated, [7, 7])).toBeCloseTo(15, 10);
    const constant = fitRidgeRegression(
      xs.map((x) => [x, 3]),
      xs.map((x) => 1 + 2 * x),
      0,
    );
    expect(constant.weights[1]).toBe(0);
    expect(predictRidge(constant, [7, 3])).toBeCloseTo(15, 10);
    const allConstant = fitRidgeRegression([[3], [3]], [1, 5], 0);
    expect(predictRidge(allConstant, [9])).toBe(3);
  });

  it('with lambda > 0 shrinks the weight of a single feature below the least-squares one', () => {
    const row = fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }));
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 3, maxLength: 10 }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (data, lambda) => {
          const rows = data.map(([x]) => [x]);
          const targets = data.map(([, y]) => y);
          const ols = fitRidgeRegression(rows, targets, 0);
          const ridge = fitRidgeRegression(rows, targets, lambda);
          expect(Math.abs(ridge.weights[0]!)).toBeLessThanOrEqual(Math.abs(ols.weights[0]!) + 1e-9);
        },
      ),
    );
  });

  it('rejects empty, mismatched, ragged or non-finite input and a bad lambda', () => {
    expect(() => fitRidgeRegression([], [], 1)).toThrow(/at least one training row/);
    expect(() => fitRidgeRegression([[1], [2]], [1], 1)).toThrow(/2 feature rows but 1 targets/);
    expect(() => fitRidgeRegression([[1, 2], [3]], [1, 2], 1)).toThrow(/row 1 has 1 values, expected 2/);
    expect(() => fitRidgeRegression([[]], [1], 1)).toThrow(/empty/);
    expect(() => fitRidgeRegression([[1], [Number.NaN]], [1, 2], 1)).toThrow(/row 1 value 0 is NaN/);
    expect(() => fitRidgeRegression([[1], [2]], [1, Number.POSITIVE_INFINITY], 1)).toThrow(/target 1/);
    expect(() => fitRidgeRegression([[1], [2]], [1, 2], -1)).toThrow(/lambda/);
    const model = fitRidgeRegression([[1], [2]], [1, 2], 1);
    expect(() => predictRidge(model, [1, 2])).toThrow(/2 values, the model 1/);
  });
});

describe('selectRidgeLambda', () => {
  it('picks lambda 0 for noiseless linear data and reports every candidate', () => {
    const xs = [0, 1, 2, 3, 4, 5];
    const cells = { features: xs.map((x) => [x]), targets: xs.map((x) => 3 - x), groups: xs.map(String) };
    const search = selectRidgeLambda({ training: cells, validation: cells, lambdas: [10, 0, 1] });
    expect(search.lambda).toBe(0);
    expect(search.scores.map((s) => s.lambda)).toEqual([10, 0, 1]);
    expect(search.scores[1]!.rmse).toBeCloseTo(0, 10);
    expect(search.scores[0]!.rmse).toBeGreaterThan(search.scores[2]!.rmse);
  });

  it('holds out a whole group and scores only validation rows (hand-computed leave-one-group-out)', () => {
    // A constant feature makes every fit predict its training mean. Real cells a, b, c have targets 0, 10,
    // 20; a synthetic cell made from a has target 100 and only trains.
    // Hold out a: train b, c -> 15, error 15. Hold out b: train a, a', c -> 40, error 30.
    // Hold out c: train a, a', b -> 110/3, error 50/3. RMSE = sqrt((15^2 + 30^2 + (50/3)^2) / 3).
    const real = { features: [[1], [1], [1]], targets: [0, 10, 20], groups: ['a', 'b', 'c'] };
    const realAndSynthetic = {
      features: [[1], [1], [1], [1]],
      targets: [0, 10, 20, 100],
      groups: ['a', 'b', 'c', 'a'],
    };
    const search = selectRidgeLambda({ training: realAndSynthetic, validation: real, lambdas: [0.1, 5] });
    expect(search.scores[0]!.rmse).toBeCloseTo(Math.sqrt((15 ** 2 + 30 ** 2 + (50 / 3) ** 2) / 3), 10);
    // Equal scores: the larger (simpler) lambda wins.
    expect(search.lambda).toBe(5);
    // Training on the synthetic cell alone: folds b and c predict 100 (errors 90, 80); fold a has nothing
    // left to train on.
    const synthetic = { features: [[1]], targets: [100], groups: ['a'] };
    expect(() => selectRidgeLambda({ training: synthetic, validation: real, lambdas: [1] })).toThrow(
      /group a leaves no training row/,
    );
    const twoFolds = { features: [[1], [1]], targets: [10, 20], groups: ['b', 'c'] };
    expect(
      selectRidgeLambda({ training: synthetic, validation: twoFolds, lambdas: [1] }).scores[0]!.rmse,
    ).toBeCloseTo(Math.sqrt((90 ** 2 + 80 ** 2) / 2), 10);
  });

  it('rejects mismatched groups, no candidates and fewer than two validation groups', () => {
    const cells = { features: [[1], [2], [3]], targets: [1, 2, 3], groups: ['a', 'b', 'c'] };
    expect(() =>
      selectRidgeLambda({ training: { ...cells, groups: ['a', 'b'] }, validation: cells, lambdas: [1] }),
    ).toThrow(/training: 3 feature rows but 2 groups/);
    expect(() => selectRidgeLambda({ training: cells, validation: cells, lambdas: [] })).toThrow(/no lambda/);
    const oneGroup = { ...cells, groups: ['a', 'a', 'a'] };
    expect(() => selectRidgeLambda({ training: cells, validation: oneGroup, lambdas: [1] })).toThrow(
      /at least 2 groups/,
    );
  });
});
