/**
 * Standardisation of feature vectors by a set of rows: `(x - mean) / sd` per feature, with the rows' mean
 * and population standard deviation (ddof 0). Puts features of different units (cycles, % per 100 cycles,
 * percentage points) on one scale, so that Euclidean distances (k-NN precision/recall) and covariances
 * (Frechet distance) weigh them alike: distances are then in units of the rows' spread.
 */
export interface FeatureStandardisation {
  means: Float64Array;
  /** Per feature, the standard deviation; 1 for a feature that does not vary (it standardises to 0). */
  scales: Float64Array;
}

/** Means and standard deviations of `rows` (at least one, all of one length, finite). */
export function featureStandardisation(rows: readonly ArrayLike<number>[]): FeatureStandardisation {
  const n = rows.length;
  if (n === 0) throw new RangeError('standardisation needs at least one feature row');
  const d = rows[0]!.length;
  const means = new Float64Array(d);
  const scales = new Float64Array(d);
  for (const row of rows) {
    if (row.length !== d) throw new RangeError(`feature rows differ in length: ${row.length} and ${d}`);
    for (let j = 0; j < d; j++) means[j]! += row[j]! / n;
  }
  for (const row of rows) for (let j = 0; j < d; j++) scales[j]! += (row[j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(scales[j]!);
    // A feature that does not vary standardises to 0 whatever its scale.
    scales[j] = sd > 1e-12 * Math.max(1, Math.abs(means[j]!)) ? sd : 1;
  }
  return { means, scales };
}

/** One row standardised: `(row[j] - means[j]) / scales[j]`. */
export function standardise(standardisation: FeatureStandardisation, row: ArrayLike<number>): Float64Array {
  const { means, scales } = standardisation;
  if (row.length !== means.length) {
    throw new RangeError(`feature row has ${row.length} values, the standardisation ${means.length}`);
  }
  return Float64Array.from({ length: means.length }, (_, j) => (row[j]! - means[j]!) / scales[j]!);
}
