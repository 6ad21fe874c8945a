import { DiffBattError } from './errors.js';

/** Length of the DiffBatt SOH curve and the number of cycles each point covers. */
export const SOH_CURVE_LENGTH = 256;
export const CYCLES_PER_SOH_POINT = 10;
/** Value of the encoded curve after the end of measured data (SOH 0). */
export const SOH_CURVE_PADDING = -1;
/** Voltage points of a capacity-matrix row. */
export const CAPACITY_MATRIX_VOLTAGE_POINTS = 100;
/** Rows (cycles) a capacity matrix may have: 100 for most splits, 20 for SNL and CRUSH. */
export const CAPACITY_MATRIX_ROWS = [100, 20] as const;
export type CapacityMatrixRows = (typeof CAPACITY_MATRIX_ROWS)[number];

/**
 * What the model consumes and produces for one cell.
 * - `sohCurve`: 256 float32 values `2*SOH - 1`, padded with -1 after the last measured cycle.
 * - `capacityMatrix`: row-major `[rows, 100]` float32 Q(V) differences to the base cycle, or null when the
 *   source has no Q(V) data (then only the SOH curve is usable).
 */
export interface ModelSample {
  cellId: string;
  source: string;
  sohCurve: Float32Array;
  capacityMatrix: Float32Array | null;
  capacityMatrixRows: CapacityMatrixRows | null;
  protocol?: Float32Array;
  /** True when a model generated this sample. */
  synthetic: boolean;
  /** Free-form provenance (model, seed, guidance weight, source cell) for synthetic samples. */
  provenance?: Record<string, string | number | boolean>;
}

/**
 * Plausible values of a sample, far outside anything measured or generated: the encoded SOH curve within
 * SOH -100 % .. 1000 % and capacity-matrix differences within +-1000 Ah. A value beyond them (SOH 1e30 in a
 * tampered dataset file) is damage, which would otherwise be scored as a confident result.
 */
export const SAMPLE_VALUE_LIMITS = Object.freeze({
  sohCurve: [-3, 19] as const,
  capacityMatrix: [-1000, 1000] as const,
});

/** Checks the invariants of a sample (lengths, finite and plausible values) and names the offending field. */
export function assertValidSample(sample: ModelSample, where = sample.cellId): void {
  if (sample.sohCurve.length !== SOH_CURVE_LENGTH) {
    throw new DiffBattError(`SOH curve has ${sample.sohCurve.length} points, expected ${SOH_CURVE_LENGTH}`, {
      file: where,
      field: 'sohCurve',
    });
  }
  assertFinite(sample.sohCurve, where, 'sohCurve');
  assertWithin(sample.sohCurve, SAMPLE_VALUE_LIMITS.sohCurve, where, 'sohCurve', (v) => {
    const soh = (v + 1) * 50;
    const limits = SAMPLE_VALUE_LIMITS.sohCurve.map((x) => (x + 1) * 50).join(' .. ');
    return ` (SOH ${Math.abs(soh) < 1e6 ? soh.toFixed(0) : soh.toPrecision(3)} %; plausible: ${limits} %)`;
  });
  if (sample.capacityMatrix === null) {
    if (sample.capacityMatrixRows !== null) {
      throw new DiffBattError('capacityMatrixRows is set but the matrix is missing', {
        file: where,
        field: 'capacityMatrix',
      });
    }
    return;
  }
  const rows = sample.capacityMatrixRows;
  if (rows === null || !CAPACITY_MATRIX_ROWS.includes(rows)) {
    throw new DiffBattError(
      `capacity matrix must have ${CAPACITY_MATRIX_ROWS.join(' or ')} rows, got ${rows}`,
      {
        file: where,
        field: 'capacityMatrixRows',
      },
    );
  }
  if (sample.capacityMatrix.length !== rows * CAPACITY_MATRIX_VOLTAGE_POINTS) {
    throw new DiffBattError(
      `capacity matrix has ${sample.capacityMatrix.length} values, expected ${rows}x${CAPACITY_MATRIX_VOLTAGE_POINTS}`,
      { file: where, field: 'capacityMatrix' },
    );
  }
  assertFinite(sample.capacityMatrix, where, 'capacityMatrix');
  assertWithin(sample.capacityMatrix, SAMPLE_VALUE_LIMITS.capacityMatrix, where, 'capacityMatrix', () => {
    return ` Ah (plausible: ${SAMPLE_VALUE_LIMITS.capacityMatrix.join(' .. ')} Ah)`;
  });
}

function assertWithin(
  values: Float32Array,
  [low, high]: readonly [number, number],
  where: string,
  field: string,
  describe: (value: number) => string,
): void {
  const bad = values.findIndex((v) => v < low || v > high);
  if (bad >= 0) {
    const value = values[bad]!;
    throw new DiffBattError(`implausible value ${value} at index ${bad}${describe(value)}`, {
      file: where,
      field,
    });
  }
}

function assertFinite(values: Float32Array, where: string, field: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new DiffBattError(`non-finite value ${values[bad]} at index ${bad}`, { file: where, field });
}
