/**
 * A small downstream cycle-life model that is not DiffBatt, for judging synthetic curves by what they teach
 * another model (train on real and/or synthetic cells, test on real ones): Severson-style early-life
 * features and closed-form ridge regression. Plain TypeScript, float64.
 */
import {
  CAPACITY_MATRIX_VOLTAGE_POINTS,
  CYCLES_PER_SOH_POINT,
  DiffBattError,
  type ModelSample,
} from '@diffbatt/core';
import { featureStandardisation } from './feature-scaling.js';
import { EIGENVALUE_NOISE_FLOOR, symmetricEigen } from './linear-algebra.js';

/** Names of the values `earlyLifeFeatures` returns, in order. */
export const EARLY_LIFE_FEATURE_NAMES = [
  'log10VarianceDeltaQ',
  'log10AbsMinDeltaQ',
  'sohChangeToCycle100',
  'sohDropFromEarlyMax',
] as const;

/** Cycles of the SOH curve the features may look at (Severson et al.: the first 100 cycles). */
export const EARLY_LIFE_CYCLES = 100;

/**
 * Capacity-matrix row each row is a difference to (BatteryML's `diff_base`, as core's featuriser): the
 * 10th cycle of a 100-row matrix, the 3rd of a 20-row one.
 */
const BASE_ROW: Record<number, number> = { 100: 9, 20: 2 };

export type EarlyLifeInput = Pick<
  ModelSample,
  'cellId' | 'sohCurve' | 'capacityMatrix' | 'capacityMatrixRows'
>;

/**
 * Early-life features of a cell, computable alike for real cells and for synthetic ones (which carry their
 * source cell's capacity matrix and a generated SOH curve):
 * 1. `log10VarianceDeltaQ`: log10 of the variance (over the 100 voltage points, population variance as
 *    NumPy's `var`) of dQ(V) = last capacity-matrix row minus the base row, about Q_100(V) - Q_10(V) for
 *    MATR's 100-row matrices: Severson et al.'s strongest single predictor;
 * 2. `log10AbsMinDeltaQ`: log10 |min dQ(V)|, their second;
 * 3. `sohChangeToCycle100`: SOH % of the point covering cycles 91..100 minus that of cycles 1..10;
 * 4. `sohDropFromEarlyMax`: the highest SOH % of cycles 1..100 minus that of cycles 91..100 (capacity
 *    often rises before it fades; Severson's "max minus cycle 2" in SOH-curve resolution).
 * SOH % is `(x + 1) / 2 * 100` of the encoded curve. The SOH features are differences, not levels, so an
 * offset of a whole (synthetic) curve does not count. Throws DiffBattError naming the cell when there is no capacity matrix or dQ(V) is flat (log of 0).
 */
export function earlyLifeFeatures(sample: EarlyLifeInput): Float64Array {
  const { cellId, sohCurve, capacityMatrix, capacityMatrixRows: rows } = sample;
  if (capacityMatrix === null || rows === null) {
    throw new DiffBattError('early-life features need a capacity matrix; this cell has none', {
      file: cellId,
      field: 'capacityMatrix',
    });
  }
  const width = CAPACITY_MATRIX_VOLTAGE_POINTS;
  const baseRow = BASE_ROW[rows];
  if (baseRow === undefined || capacityMatrix.length !== rows * width) {
    throw new DiffBattError(
      `capacity matrix has ${capacityMatrix.length} values for ${rows} rows; expected 100 or 20 rows of ${width}`,
      { file: cellId, field: 'capacityMatrix' },
    );
  }
  const earlyPoints = EARLY_LIFE_CYCLES / CYCLES_PER_SOH_POINT;
  if (sohCurve.length < earlyPoints) {
    throw new DiffBattError(`SOH curve has ${sohCurve.length} points, fewer than the first 100 cycles need`, {
      file: cellId,
      field: 'sohCurve',
    });
  }
  const deltaQ = new Float64Array(width);
  for (let v = 0; v < width; v++) {
    deltaQ[v] = capacityMatrix[(rows - 1) * width + v]! - capacityMatrix[baseRow * width + v]!;
  }
  const mean = deltaQ.reduce((a, b) => a + b, 0) / width;
  const variance = deltaQ.reduce((a, b) => a + (b - mean) ** 2, 0) / width;
  const minimum = Math.min(...deltaQ);
  if (!(variance > 0) || minimum === 0 || !Number.isFinite(minimum)) {
    throw new DiffBattError(
      `dQ(V) between capacity-matrix rows ${rows} and ${baseRow + 1} is flat or not finite (variance ${variance}, min ${minimum}); its log is undefined`,
      { file: cellId, field: 'capacityMatrix' },
    );
  }
  const sohPercent = (i: number) => ((sohCurve[i]! + 1) / 2) * 100;
  let earlyMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < earlyPoints; i++) earlyMax = Math.max(earlyMax, sohPercent(i));
  const atCycle100 = sohPercent(earlyPoints - 1);
  const features = Float64Array.of(
    Math.log10(variance),
    Math.log10(Math.abs(minimum)),
    atCycle100 - sohPercent(0),
    earlyMax - atCycle100,
  );
  if (!features.every(Number.isFinite)) {
    throw new DiffBattError('SOH curve holds non-finite values in its first 100 cycles', {
      file: cellId,
      field: 'sohCurve',
    });
  }
  return features;
}

/** A fitted ridge regression: `predict(x) = intercept + sum_j weights[j] * (x[j] - means[j]) / scales[j]`. */
export interface RidgeModel {
  /** Feature means of the training rows (standardisation). */
  means: Float64Array;
  /** Feature standard deviations of the training rows (population, ddof 0); 1 for a constant feature. */
  scales: Float64Array;
  /** Weights of the standardised features. */
  weights: Float64Array;
  /** The mean target (the intercept is not penalised). */
  intercept: number;
  lambda: number;
}

function assertTrainingSet(features: readonly ArrayLike<number>[], targets: ArrayLike<number>): number {
  if (features.length === 0) throw new RangeError('ridge regression needs at least one training row');
  if (features.length !== targets.length) {
    throw new RangeError(`${features.length} feature rows but ${targets.length} targets`);
  }
  const d = features[0]!.length;
  if (d === 0) throw new RangeError('feature rows are empty');
  features.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`feature row ${i} has ${row.length} values, expected ${d}`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(row[j]!)) throw new RangeError(`feature row ${i} value ${j} is ${row[j]}`);
    }
    if (!Number.isFinite(targets[i]!)) throw new RangeError(`target ${i} is ${targets[i]}`);
  });
  return d;
}

/**
 * Ridge regression in closed form: features standardised with the training rows' mean and standard
 * deviation, intercept = mean target (unpenalised), weights minimising
 * `sum_i (y_i - intercept - z_i . w)^2 + lambda |w|^2` (scikit-learn's `Ridge(alpha=lambda)` on standardised
 * features). Solved through the eigen-decomposition of `Z^T Z`, dropping directions whose eigenvalue of
 * `Z^T Z + lambda I` is rounding noise: a constant or duplicated feature with lambda = 0 gets the
 * minimum-norm solution instead of a singular-matrix failure.
 */
export function fitRidgeRegression(
  features: readonly ArrayLike<number>[],
  targets: ArrayLike<number>,
  lambda: number,
): RidgeModel {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`ridge lambda must be finite and >= 0, got ${lambda}`);
  }
  const d = assertTrainingSet(features, targets);
  const n = features.length;
  // A feature that does not vary standardises to 0 and so gets weight 0 whatever its scale.
  const { means, scales } = featureStandardisation(features);
  let intercept = 0;
  for (let i = 0; i < n; i++) intercept += targets[i]! / n;
  const gram = new Float64Array(d * d);
  const moment = new Float64Array(d);
  const z = new Float64Array(d);
  features.forEach((row, i) => {
    for (let j = 0; j < d; j++) z[j] = (row[j]! - means[j]!) / scales[j]!;
    const centred = targets[i]! - intercept;
    for (let r = 0; r < d; r++) {
      moment[r]! += z[r]! * centred;
      for (let c = 0; c < d; c++) gram[r * d + c]! += z[r]! * z[c]!;
    }
  });
  const { values, vectors } = symmetricEigen(gram, d);
  // Z^T y has no component along a direction of (near-)zero eigenvalue of Z^T Z, so skipping those
  // directions loses nothing and keeps lambda = 0 well defined.
  const floor = EIGENVALUE_NOISE_FLOOR * Math.max(0, ...values);
  const weights = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    if (values[k]! <= floor) continue;
    let projection = 0;
    for (let r = 0; r < d; r++) projection += vectors[r * d + k]! * moment[r]!;
    for (let r = 0; r < d; r++) weights[r]! += (vectors[r * d + k]! * projection) / (values[k]! + lambda);
  }
  return { means, scales, weights, intercept, lambda };
}

/** The fitted model's prediction for one feature row. */
export function predictRidge(model: RidgeModel, features: ArrayLike<number>): number {
  if (features.length !== model.weights.length) {
    throw new RangeError(`feature row has ${features.length} values, the model ${model.weights.length}`);
  }
  let prediction = model.intercept;
  for (let j = 0; j < features.length; j++) {
    prediction += (model.weights[j]! * (features[j]! - model.means[j]!)) / model.scales[j]!;
  }
  return prediction;
}

export interface RidgeLambdaSearch {
  /** The lambda with the lowest cross-validated RMSE (the largest such lambda on a tie). */
  lambda: number;
  /** Cross-validated RMSE of the validation rows for every candidate, in the order given. */
  scores: { lambda: number; rmse: number }[];
}

/** Feature rows with their targets and the group (source cell) each row belongs to. */
export interface GroupedRows {
  features: readonly ArrayLike<number>[];
  targets: ArrayLike<number>;
  /** A real cell's id, or for a synthetic cell the id of the real cell it was generated from. */
  groups: readonly string[];
}

export interface RidgeLambdaSearchInput {
  /** Rows the model is fitted on (real cells, synthetic cells or both). */
  training: GroupedRows;
  /** Rows whose held-out error ranks the candidates (the real training cells). */
  validation: GroupedRows;
  lambdas: readonly number[];
}

function assertGrouped(rows: GroupedRows, name: string): void {
  assertTrainingSet(rows.features, rows.targets);
  if (rows.groups.length !== rows.features.length) {
    throw new RangeError(`${name}: ${rows.features.length} feature rows but ${rows.groups.length} groups`);
  }
}

/**
 * Chooses lambda by leave-one-group-out cross-validation: for each group of the validation rows, fit on the
 * training rows of every other group and predict that group's validation rows; the RMSE over all
 * validation rows ranks the candidates. Holding out a whole group keeps a synthetic cell from training a
 * fold that validates on the real cell it was made from (they share a capacity matrix). With the same rows
 * as training and validation this is plain leave-one-cell-out.
 */
export function selectRidgeLambda(input: RidgeLambdaSearchInput): RidgeLambdaSearch {
  const { training, validation, lambdas } = input;
  assertGrouped(training, 'training');
  assertGrouped(validation, 'validation');
  if (lambdas.length === 0) throw new RangeError('no lambda to choose from');
  const heldOut = [...new Set(validation.groups)];
  if (heldOut.length < 2) throw new RangeError('cross-validation needs validation rows in at least 2 groups');
  const scores = lambdas.map((lambda) => {
    let sum = 0;
    for (const group of heldOut) {
      const fold = training.features.flatMap((_, i) => (training.groups[i] === group ? [] : [i]));
      if (fold.length === 0) throw new RangeError(`holding out group ${group} leaves no training row`);
      const model = fitRidgeRegression(
        fold.map((i) => training.features[i]!),
        fold.map((i) => training.targets[i]!),
        lambda,
      );
      validation.features.forEach((row, i) => {
        if (validation.groups[i] === group) sum += (predictRidge(model, row) - validation.targets[i]!) ** 2;
      });
    }
    return { lambda, rmse: Math.sqrt(sum / validation.features.length) };
  });
  let best = scores[0]!;
  for (const score of scores) {
    if (score.rmse < best.rmse || (score.rmse === best.rmse && score.lambda > best.lambda)) best = score;
  }
  return { lambda: best.lambda, scores };
}
