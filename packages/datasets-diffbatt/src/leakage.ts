import { createHash } from 'node:crypto';
import { DiffBattError, type ModelSample } from '@diffbatt/core';

/**
 * Content identity of model samples, for building training sets that provably hold no curve of a test
 * split. Ids are useless for this: the DiffBatt splits name cells by position (`clo_test/3`), and the
 * same measured cell appears under different names in different splits.
 */

/** Tolerances of the near-duplicate rule, in the units the samples are stored in. */
export interface NearDuplicateTolerance {
  /** Largest |difference| of the encoded SOH curve (`2*SOH - 1`); 1e-3 is 0.05 % SOH. */
  soh: number;
  /** Largest |difference| of the capacity matrix, in Ah. */
  matrix: number;
}

/**
 * Default tolerances. On the published splits the closest two distinct cells differ by 0.002 in the
 * SOH curve (with matrices 0.19 Ah apart) or by 0.0027 Ah in the matrix (with curves 1.8 apart), so a
 * pair within both tolerances is the same measurement, not two similar cells.
 */
export const DEFAULT_NEAR_DUPLICATE_TOLERANCE: Readonly<NearDuplicateTolerance> = Object.freeze({
  soh: 1e-3,
  matrix: 1e-3,
});

/**
 * How two samples are the same curve, strongest first:
 * - `exact`: byte-identical SOH curve and capacity matrix (equal content hashes);
 * - `same-soh-curve`: byte-identical SOH curve, different matrix (the same cell featurised differently:
 *   its label would still leak);
 * - `near-duplicate`: same matrix shape, max |dSOH| <= tolerance.soh AND max |dMatrix| <= tolerance.matrix.
 */
export type DuplicateKind = 'exact' | 'same-soh-curve' | 'near-duplicate';

function float32Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function matrixHeader(sample: ModelSample): Uint8Array {
  // The row count is hashed so a 20-row matrix can never collide with a 100-row one cut short.
  return Uint8Array.from([sample.capacityMatrixRows ?? 0]);
}

/** sha256 (hex) of the SOH curve's float32 little-endian bytes. */
export function sohCurveHash(sample: ModelSample): string {
  return createHash('sha256').update(float32Bytes(sample.sohCurve)).digest('hex');
}

/**
 * sha256 (hex) of a sample's content: SOH curve, matrix row count, capacity matrix (float32 little-endian
 * bytes). Ids, source, protocol vector and provenance are left out: they do not make a curve different.
 */
export function sampleContentHash(sample: ModelSample): string {
  const hash = createHash('sha256').update(float32Bytes(sample.sohCurve)).update(matrixHeader(sample));
  if (sample.capacityMatrix) hash.update(float32Bytes(sample.capacityMatrix));
  return hash.digest('hex');
}

/** max |a[i] - b[i]|, stopping early once it exceeds `limit` (then the returned value is only a bound). */
export function maxAbsDifference(a: Float32Array, b: Float32Array, limit = Number.POSITIVE_INFINITY): number {
  if (a.length !== b.length) throw new DiffBattError(`cannot compare arrays of ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i]! - b[i]!);
    if (difference > max) {
      max = difference;
      if (max > limit) break;
    }
  }
  return max;
}

function sameMatrixShape(a: ModelSample, b: ModelSample): boolean {
  return (
    a.capacityMatrixRows === b.capacityMatrixRows &&
    (a.capacityMatrix === null) === (b.capacityMatrix === null)
  );
}

/** Checks tolerances (finite, >= 0) and fills in the defaults. */
export function nearDuplicateTolerance(
  partial: Partial<NearDuplicateTolerance> = {},
): NearDuplicateTolerance {
  const tolerance = { ...DEFAULT_NEAR_DUPLICATE_TOLERANCE, ...partial };
  for (const [name, value] of Object.entries(tolerance)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new DiffBattError(`near-duplicate tolerance ${name} must be a finite number >= 0, got ${value}`);
    }
  }
  return tolerance;
}

/** A sample with its hashes computed once. */
export interface HashedSample {
  sample: ModelSample;
  hash: string;
  sohHash: string;
}

export function hashSample(sample: ModelSample): HashedSample {
  return { sample, hash: sampleContentHash(sample), sohHash: sohCurveHash(sample) };
}

/** Whether two hashed samples are the same curve, and how (see `DuplicateKind`); undefined when not. */
export function duplicateKind(
  a: HashedSample,
  b: HashedSample,
  tolerance: NearDuplicateTolerance = DEFAULT_NEAR_DUPLICATE_TOLERANCE,
): DuplicateKind | undefined {
  if (a.hash === b.hash) return 'exact';
  if (a.sohHash === b.sohHash) return 'same-soh-curve';
  if (!sameMatrixShape(a.sample, b.sample)) return undefined;
  if (maxAbsDifference(a.sample.sohCurve, b.sample.sohCurve, tolerance.soh) > tolerance.soh) return undefined;
  const [ma, mb] = [a.sample.capacityMatrix, b.sample.capacityMatrix];
  if (ma && mb && maxAbsDifference(ma, mb, tolerance.matrix) > tolerance.matrix) return undefined;
  return 'near-duplicate';
}

/** A candidate left out of a leakage-free set, with the cell it duplicates. */
export interface DroppedSample {
  cellId: string;
  hash: string;
  kind: DuplicateKind;
  /** `excluded`: it duplicates a cell that must not be trained on (a test cell); `kept`: a cell already in the set. */
  against: 'excluded' | 'kept';
  /** Id of the cell it duplicates. */
  of: string;
  maxSohDifference: number;
  /** null when the two matrices differ in shape (or both are absent). */
  maxMatrixDifference: number | null;
}

export interface LeakageFreeSelection {
  /** Candidates kept, in candidate order, each with its hashes. */
  kept: HashedSample[];
  dropped: DroppedSample[];
}

/** Hash lookups first, then a linear near-duplicate scan. */
class DuplicateIndex {
  readonly #byHash = new Map<string, HashedSample>();
  readonly #bySohHash = new Map<string, HashedSample>();
  readonly #all: HashedSample[] = [];

  constructor(private readonly tolerance: NearDuplicateTolerance) {}

  add(entry: HashedSample): void {
    if (!this.#byHash.has(entry.hash)) this.#byHash.set(entry.hash, entry);
    if (!this.#bySohHash.has(entry.sohHash)) this.#bySohHash.set(entry.sohHash, entry);
    this.#all.push(entry);
  }

  find(entry: HashedSample): { kind: DuplicateKind; of: HashedSample } | undefined {
    const exact = this.#byHash.get(entry.hash);
    if (exact) return { kind: 'exact', of: exact };
    const sameCurve = this.#bySohHash.get(entry.sohHash);
    if (sameCurve) return { kind: 'same-soh-curve', of: sameCurve };
    for (const other of this.#all) {
      const kind = duplicateKind(entry, other, this.tolerance);
      if (kind) return { kind, of: other };
    }
    return undefined;
  }
}

/**
 * Keeps the candidates that duplicate no `excluded` sample and no candidate kept before them (first
 * occurrence wins), by the rules of `DuplicateKind`. Every dropped candidate is reported with the cell it
 * duplicates and the measured differences.
 */
export function selectLeakageFree(
  candidates: readonly ModelSample[],
  excluded: readonly ModelSample[],
  tolerance: Partial<NearDuplicateTolerance> = {},
): LeakageFreeSelection {
  const checked = nearDuplicateTolerance(tolerance);
  const forbidden = new DuplicateIndex(checked);
  for (const sample of excluded) forbidden.add(hashSample(sample));
  const keptIndex = new DuplicateIndex(checked);
  const kept: HashedSample[] = [];
  const dropped: DroppedSample[] = [];
  for (const sample of candidates) {
    const entry = hashSample(sample);
    const againstExcluded = forbidden.find(entry);
    const match = againstExcluded ?? keptIndex.find(entry);
    if (!match) {
      kept.push(entry);
      keptIndex.add(entry);
      continue;
    }
    const [a, b] = [entry.sample, match.of.sample];
    const matrices = sameMatrixShape(a, b) && a.capacityMatrix && b.capacityMatrix;
    dropped.push({
      cellId: a.cellId,
      hash: entry.hash,
      kind: match.kind,
      against: againstExcluded ? 'excluded' : 'kept',
      of: b.cellId,
      maxSohDifference: maxAbsDifference(a.sohCurve, b.sohCurve),
      maxMatrixDifference: matrices ? maxAbsDifference(a.capacityMatrix!, b.capacityMatrix!) : null,
    });
  }
  return { kept, dropped };
}
