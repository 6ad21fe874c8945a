/** Small dense symmetric-matrix helpers (row-major Float64Array) for the synthesis metrics. */

export interface SymmetricEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Row-major `d x d`; column j is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric `d x d` matrix by cyclic Jacobi rotations. Slower than QR for large
 * d but unconditionally stable and accurate for the small, often near-singular covariance matrices of
 * feature sets (eigenvalues near 0 come out as tiny numbers of either sign, never as garbage).
 */
export function symmetricEigen(matrix: ArrayLike<number>, d: number): SymmetricEigen {
  if (matrix.length !== d * d)
    throw new RangeError(`matrix has ${matrix.length} entries, expected ${d}x${d}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  const offDiagonal = () => {
    let sum = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) sum += a[p * d + q]! ** 2;
    return sum;
  };
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i]! ** 2;
  for (let sweep = 0; sweep < 100 && offDiagonal() > 1e-30 * scale; sweep++) {
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}

/**
 * Eigenvalues of a positive semi-definite matrix at or below this fraction of the largest are rounding noise
 * of a (near-)singular matrix, set to 0 before any square root: sqrt would blow noise of 1e-16 relative up
 * to 1e-8. A true eigenvalue that small changes a square root's trace by at most 1e-6 of the largest root.
 */
export const EIGENVALUE_NOISE_FLOOR = 1e-12;

/** Square roots of PSD eigenvalues, with noise (negative or below the floor) set to 0. */
export function psdEigenvalueRoots(values: Float64Array): Float64Array {
  const floor = EIGENVALUE_NOISE_FLOOR * Math.max(0, ...values);
  return values.map((value) => (value > floor ? Math.sqrt(value) : 0));
}

/** Square root of a symmetric positive semi-definite matrix, `V sqrt(L) V^T` (see `psdEigenvalueRoots`). */
export function symmetricSqrt(matrix: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const roots = psdEigenvalueRoots(values);
  const out = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const root = roots[j]!;
    if (root === 0) continue;
    for (let r = 0; r < d; r++) {
      const vr = vectors[r * d + j]! * root;
      for (let c = 0; c < d; c++) out[r * d + c]! += vr * vectors[c * d + j]!;
    }
  }
  return out;
}

/** Row-major product of two `d x d` matrices. */
export function multiply(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    for (let k = 0; k < d; k++) {
      const ark = a[r * d + k]!;
      if (ark === 0) continue;
      for (let c = 0; c < d; c++) out[r * d + c]! += ark * b[k * d + c]!;
    }
  }
  return out;
}

/** Column means and the unbiased (n - 1) covariance of `n` row vectors of length `d`, as `np.cov`. */
export function meanAndCovariance(rows: readonly ArrayLike<number>[]): {
  d: number;
  mean: Float64Array;
  covariance: Float64Array;
} {
  const n = rows.length;
  if (n < 2) throw new RangeError(`a covariance needs at least 2 feature vectors, got ${n}`);
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  for (const row of rows) {
    if (row.length !== d) throw new RangeError(`feature vectors differ in length: ${row.length} and ${d}`);
    for (let j = 0; j < d; j++) mean[j]! += row[j]! / n;
  }
  const covariance = new Float64Array(d * d);
  for (const row of rows) {
    for (let r = 0; r < d; r++) {
      const dr = row[r]! - mean[r]!;
      for (let c = r; c < d; c++) covariance[r * d + c]! += (dr * (row[c]! - mean[c]!)) / (n - 1);
    }
  }
  for (let r = 0; r < d; r++) for (let c = 0; c < r; c++) covariance[r * d + c] = covariance[c * d + r]!;
  return { d, mean, covariance };
}
