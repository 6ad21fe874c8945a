/** Error metrics between paired reference and predicted values (cycle lives, usually). */

function assertPaired(reference: ArrayLike<number>, predicted: ArrayLike<number>): void {
  if (reference.length !== predicted.length) {
    throw new RangeError(`${reference.length} reference values but ${predicted.length} predictions`);
  }
  if (reference.length === 0) throw new RangeError('no values to compare');
}

function meanOf(
  reference: ArrayLike<number>,
  predicted: ArrayLike<number>,
  term: (reference: number, predicted: number) => number,
): number {
  assertPaired(reference, predicted);
  let sum = 0;
  for (let i = 0; i < reference.length; i++) sum += term(reference[i]!, predicted[i]!);
  return sum / reference.length;
}

/** Root-mean-square error. */
export function rmse(reference: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return Math.sqrt(meanOf(reference, predicted, (r, p) => (r - p) ** 2));
}

/** Mean absolute error. */
export function mae(reference: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return meanOf(reference, predicted, (r, p) => Math.abs(r - p));
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10 %), as scikit-learn's
 * `mean_absolute_percentage_error` used by BatteryLife: `|r - p| / max(|r|, eps)`.
 */
export function mape(reference: ArrayLike<number>, predicted: ArrayLike<number>): number {
  return meanOf(reference, predicted, (r, p) => Math.abs(r - p) / Math.max(Math.abs(r), Number.EPSILON));
}

/**
 * Alpha-accuracy of BatteryLife: the share (0..1) of cells whose relative error `|p - r| / r` is at most
 * `alpha` (reported there for alpha = 0.15 and 0.1).
 */
export function alphaAccuracy(
  reference: ArrayLike<number>,
  predicted: ArrayLike<number>,
  alpha: number,
): number {
  if (!(alpha >= 0)) throw new RangeError(`alpha must be >= 0, got ${alpha}`);
  return meanOf(reference, predicted, (r, p) => (Math.abs(p - r) / Math.abs(r) <= alpha ? 1 : 0));
}
