import {
  meanAndCovariance,
  multiply,
  psdEigenvalueRoots,
  symmetricEigen,
  symmetricSqrt,
} from './linear-algebra.js';

/**
 * Frechet distance between Gaussians fitted to two sets of feature vectors (the FID formula):
 * `|mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^1/2 S_b S_a^1/2)^1/2)`. The matrix square roots come from
 * symmetric eigen-decompositions, which stay real and stable for the near-singular covariances of small
 * sets (unlike `sqrtm(S_a S_b)` of a non-symmetric product). Each set needs at least 2 vectors.
 */
export function frechetDistance(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const first = meanAndCovariance(a);
  const second = meanAndCovariance(b);
  const d = first.d;
  if (second.d !== d) throw new RangeError(`feature vectors differ in length: ${d} and ${second.d}`);
  let distance = 0;
  for (let j = 0; j < d; j++) {
    distance += (first.mean[j]! - second.mean[j]!) ** 2;
    distance += first.covariance[j * d + j]! + second.covariance[j * d + j]!;
  }
  const rootFirst = symmetricSqrt(first.covariance, d);
  const product = multiply(multiply(rootFirst, second.covariance, d), rootFirst, d);
  // Symmetrise away rounding so the eigen-decomposition sees an exactly symmetric matrix.
  for (let r = 0; r < d; r++) {
    for (let c = r + 1; c < d; c++) {
      const mean = (product[r * d + c]! + product[c * d + r]!) / 2;
      product[r * d + c] = mean;
      product[c * d + r] = mean;
    }
  }
  for (const root of psdEigenvalueRoots(symmetricEigen(product, d).values)) distance -= 2 * root;
  // Identical sets cancel to rounding noise of either sign; a distance is never negative.
  return Math.max(distance, 0);
}

export interface PrecisionRecall {
  /** Share of generated vectors inside the k-NN ball of some reference vector (fidelity). */
  precision: number;
  /** Share of reference vectors inside the k-NN ball of some generated vector (diversity). */
  recall: number;
  k: number;
}

function squaredDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < x.length; j++) sum += (x[j]! - y[j]!) ** 2;
  return sum;
}

/** Squared distance from each vector to its k-th nearest other vector of the same set. */
function kthNeighbourRadii(set: readonly ArrayLike<number>[], k: number): Float64Array {
  // The k smallest distances so far, ascending: O(n k) memory-free per vector instead of sorting n.
  const nearest = new Float64Array(k);
  return Float64Array.from(set, (x, i) => {
    nearest.fill(Number.POSITIVE_INFINITY);
    set.forEach((y, j) => {
      if (i === j) return;
      let slot = k - 1;
      const distance = squaredDistance(x, y);
      if (!(distance < nearest[slot]!)) return;
      for (; slot > 0 && nearest[slot - 1]! > distance; slot--) nearest[slot] = nearest[slot - 1]!;
      nearest[slot] = distance;
    });
    return nearest[k - 1]!;
  });
}

/** Share of `queries` within the ball (radius = k-th neighbour distance) of at least one `manifold` vector. */
function shareInsideManifold(
  queries: readonly ArrayLike<number>[],
  manifold: readonly ArrayLike<number>[],
  radii: Float64Array,
): number {
  const inside = queries.filter((query) =>
    manifold.some((centre, i) => squaredDistance(query, centre) <= radii[i]!),
  ).length;
  return inside / queries.length;
}

/**
 * Improved precision and recall of Kynkaanniemi et al. (2019): each set's manifold is the union of balls
 * around its vectors reaching their k-th nearest neighbour (k = 3 by default). Each set needs more than k
 * vectors.
 */
export function knnPrecisionRecall(
  reference: readonly ArrayLike<number>[],
  generated: readonly ArrayLike<number>[],
  k = 3,
): PrecisionRecall {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  for (const [name, set] of [
    ['reference', reference],
    ['generated', generated],
  ] as const) {
    if (set.length <= k)
      throw new RangeError(
        `k-NN precision/recall with k = ${k} needs more than ${k} ${name} vectors, got ${set.length}`,
      );
  }
  return {
    precision: shareInsideManifold(generated, reference, kthNeighbourRadii(reference, k)),
    recall: shareInsideManifold(reference, generated, kthNeighbourRadii(generated, k)),
    k,
  };
}
