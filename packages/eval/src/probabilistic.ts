/**
 * Scores for predictions given as N samples per cell (N model draws of a cell's cycle life). Non-finite
 * samples (a diverged draw) are left out; a cell with no finite sample has NaN statistics and is left out
 * of the aggregate scores, which say how many cells they cover.
 */

/** Central prediction-interval levels reported by default. */
export const DEFAULT_INTERVAL_LEVELS = [0.5, 0.8, 0.95] as const;

/** Finite values in ascending order. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(Array.from(values).filter(Number.isFinite)).sort();
}

/**
 * Quantile `p` of ascending `sorted` values with linear interpolation between order statistics (NumPy's
 * default, Hyndman-Fan type 7): p = 0 is the minimum, p = 1 the maximum. NaN when empty.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = p * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

/** Lower and upper quantiles of the central interval holding `level` of the samples (0.8 -> q10, q90). */
export function centralInterval(sorted: ArrayLike<number>, level: number): [lower: number, upper: number] {
  if (!(level >= 0 && level <= 1)) throw new RangeError(`interval level must be in [0, 1], got ${level}`);
  return [quantileOfSorted(sorted, (1 - level) / 2), quantileOfSorted(sorted, (1 + level) / 2)];
}

/**
 * Continuous ranked probability score of a sample ensemble against the truth, energy form:
 * `mean|X - y| - mean|X - X'| / 2` over all sample pairs (the V-statistic, 0 for a single sample equal to
 * the truth). Same unit as the samples. NaN without finite samples.
 */
export function crpsEnergy(samples: ArrayLike<number>, truth: number): number {
  const sorted = sortedFinite(samples);
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  let toTruth = 0;
  // sum_{i,j} |x_i - x_j| = 2 * sum_i (2i - m + 1) x_(i) for ascending x, so no O(m^2) loop is needed.
  let pairSpread = 0;
  for (let i = 0; i < m; i++) {
    toTruth += Math.abs(sorted[i]! - truth);
    pairSpread += (2 * i - m + 1) * sorted[i]!;
  }
  return toTruth / m - pairSpread / (m * m);
}

export interface SampleIntervals {
  /** Central level, e.g. 0.8 for the 10th to 90th percentile. */
  level: number;
  lower: number[];
  upper: number[];
  /** Share of scored cells whose truth lies in [lower, upper] (bounds included). */
  coverage: number;
}

export interface SampleSummary {
  /** Per cell: mean and median of the finite samples. */
  mean: number[];
  median: number[];
  intervals: SampleIntervals[];
  /** Mean CRPS over scored cells, and per cell. */
  crps: number;
  crpsPerCell: number[];
  /** Cells with at least one finite sample, which the aggregates cover. */
  cellsScored: number;
  /** Samples left out because they were not finite. */
  nonFiniteSamples: number;
}

/** Summarises `samples[cell]` against `truth[cell]`: centre, central intervals, coverage and CRPS. */
export function summariseSamples(
  truth: ArrayLike<number>,
  samples: readonly ArrayLike<number>[],
  levels: readonly number[] = DEFAULT_INTERVAL_LEVELS,
): SampleSummary {
  if (truth.length !== samples.length) {
    throw new RangeError(`${truth.length} true values but samples for ${samples.length} cells`);
  }
  const sortedPerCell = samples.map(sortedFinite);
  const scored = sortedPerCell.flatMap((sorted, cell) => (sorted.length > 0 ? [cell] : []));
  const overScored = (hit: (cell: number) => number) =>
    scored.length === 0 ? Number.NaN : scored.reduce((sum, cell) => sum + hit(cell), 0) / scored.length;
  const intervals = levels.map((level) => {
    const bounds = sortedPerCell.map((sorted) => centralInterval(sorted, level));
    const lower = bounds.map(([low]) => low);
    const upper = bounds.map(([, high]) => high);
    const coverage = overScored((cell) =>
      lower[cell]! <= truth[cell]! && truth[cell]! <= upper[cell]! ? 1 : 0,
    );
    return { level, lower, upper, coverage };
  });
  const crpsPerCell = sortedPerCell.map((sorted, cell) => crpsEnergy(sorted, truth[cell]!));
  return {
    mean: sortedPerCell.map((sorted) =>
      sorted.length === 0 ? Number.NaN : sorted.reduce((a, b) => a + b) / sorted.length,
    ),
    median: sortedPerCell.map((sorted) => quantileOfSorted(sorted, 0.5)),
    intervals,
    crps: overScored((cell) => crpsPerCell[cell]!),
    crpsPerCell,
    cellsScored: scored.length,
    nonFiniteSamples: samples.reduce((sum, cell, i) => sum + cell.length - sortedPerCell[i]!.length, 0),
  };
}
