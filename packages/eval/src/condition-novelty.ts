/**
 * How unlike a model's training cells a cell's capacity matrix is. A DiffBatt network answers a condition far
 * from every training cell with some training cell's curve, which can be any life (on CRUSH, a cell dying at
 * 396 cycles was predicted never to fail), and its sampled spread does not widen there; this score tells the
 * user which predictions stand on no nearby training cell. Distances are Euclidean over the whole matrix, in
 * the units the model reads (Ah), so they compare only matrices of the same shape.
 */

/** Reference share at or above which a cell counts as unlike the reference cells. */
export const NOVELTY_WARNING_SHARE = 0.9;

/** A reference cell: its id and capacity matrix (row-major `[rows, 100]`). */
export interface NoveltyReferenceCell {
  cellId: string;
  capacityMatrix: Float32Array;
}

/** The distinct reference cells and each one's distance to its nearest other one, sorted ascending. */
export interface ConditionNoveltyReference {
  cells: readonly NoveltyReferenceCell[];
  nearestDistances: Float64Array;
}

export interface ConditionNovelty {
  /** Euclidean distance to the nearest reference cell's capacity matrix. */
  nearestDistance: number;
  nearestCellId: string;
  /**
   * Share of the reference cells that lie nearer to their own nearest neighbour than this cell lies to the
   * nearest reference cell: 0 for a reference cell itself; for a cell drawn like the reference cells, about
   * uniform, so `NOVELTY_WARNING_SHARE` (0.9) flags about 1 in 10 of them and far more of a shifted set.
   */
  referenceShare: number;
}

/** Whether a cell counts as unlike the reference cells: its `referenceShare` is at least `NOVELTY_WARNING_SHARE`. */
export const isUnlikeReference = (novelty: ConditionNovelty) =>
  novelty.referenceShare >= NOVELTY_WARNING_SHARE;

function matrixDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

function requireMatrix(matrix: Float32Array, length: number, what: string): void {
  if (matrix.length !== length) {
    throw new RangeError(`${what} has ${matrix.length} values, the reference cells' matrices ${length}`);
  }
  if (!matrix.every(Number.isFinite)) throw new RangeError(`${what} has non-finite values`);
}

/**
 * The novelty reference of `given` (a model's training cells): every capacity matrix of the same size, at
 * least two distinct ones. A matrix that several cells share is one condition and counts once (under its
 * first cell's id): a copy would lie at distance 0 from it and make every other cell look far. O(n^2)
 * distances, each over the whole matrix: 91 CRUSH or 55 HUST cells take milliseconds.
 */
export function conditionNoveltyReference(given: readonly NoveltyReferenceCell[]): ConditionNoveltyReference {
  const length = given[0]?.capacityMatrix.length ?? 0;
  for (const cell of given) {
    requireMatrix(cell.capacityMatrix, length, `cell ${cell.cellId}'s capacity matrix`);
  }
  const seen = new Set<string>();
  const cells = given.filter(({ capacityMatrix: m }) => {
    const key = m.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (cells.length < 2) {
    throw new RangeError(
      `a novelty reference needs at least 2 cells with distinct capacity matrices, got ${cells.length} (of ${given.length} cells)`,
    );
  }
  const nearest = new Float64Array(cells.length).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) {
      const distance = matrixDistance(cells[i]!.capacityMatrix, cells[j]!.capacityMatrix);
      if (distance < nearest[i]!) nearest[i] = distance;
      if (distance < nearest[j]!) nearest[j] = distance;
    }
  }
  return { cells, nearestDistances: nearest.sort() };
}

/** `capacityMatrix`'s nearest reference cell and its `referenceShare` (see `ConditionNovelty`). */
export function conditionNovelty(
  reference: ConditionNoveltyReference,
  capacityMatrix: Float32Array,
): ConditionNovelty {
  requireMatrix(capacityMatrix, reference.cells[0]!.capacityMatrix.length, 'the capacity matrix');
  let nearestDistance = Number.POSITIVE_INFINITY;
  let nearestCellId = '';
  for (const cell of reference.cells) {
    const distance = matrixDistance(cell.capacityMatrix, capacityMatrix);
    if (distance < nearestDistance) [nearestDistance, nearestCellId] = [distance, cell.cellId];
  }
  // Reference cells strictly nearer to their neighbour than this cell is to its nearest reference cell.
  let below = 0;
  for (const distance of reference.nearestDistances) if (distance < nearestDistance) below++;
  return { nearestDistance, nearestCellId, referenceShare: below / reference.nearestDistances.length };
}
