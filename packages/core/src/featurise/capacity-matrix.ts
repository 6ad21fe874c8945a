import type { Cell, Cycle } from '../cell.js';
import { DiffBattError } from '../errors.js';
import { CAPACITY_MATRIX_VOLTAGE_POINTS, type CapacityMatrixRows } from '../sample.js';
import { finiteMedian, interpolateLinear, linspace } from './numeric.js';

export interface CapacityMatrixOptions {
  /** Rows (cycles) of the matrix: 100 (default) or 20 (SNL, CRUSH). */
  rows?: CapacityMatrixRows;
  /** Row whose curve is subtracted from every row; default 9 for 100 rows, 2 for 20 (BatteryML's `diff_base`). */
  baseRow?: number;
  /** First cycle number used; default 2 (Severson's Qdlin and BatteryML's MATR data both start there). */
  firstCycle?: number;
  /** Voltage range of the grid, high to low; default the cell's max/min voltage limits. */
  voltageRangeInV?: readonly [upper: number, lower: number];
  /** Points of the fine grid (BatteryML: 1000) and of the matrix (100): every (fine/points)-th fine point is kept. */
  fineGridPoints?: number;
  /** Half width (rows) of the median taken across cycles at each voltage; default 4 (9 cycles), 0 = off. */
  crossCycleMedianHalfWindow?: number;
  /** Samples with current below minus this (A) are discharge samples (BatteryML: 0.1 A). */
  dischargeCurrentThresholdInA?: number;
}

export interface CapacityMatrixResult {
  matrix: Float32Array;
  rows: CapacityMatrixRows;
  /** The voltages of the 100 columns, high to low. */
  voltagesInV: Float64Array;
  /** Cycle number of each row; rows past the data repeat the last cycle (see `paddedRows`). */
  cycleNumbers: number[];
  /** Rows copied from the last measured row because the cell has fewer Q(V) cycles than rows. */
  paddedRows: number;
  /** Cycles that lost discharge samples to `plausibleSample` (damaged data), and how many samples. */
  implausibleSamples: { cycles: number[]; samples: number };
}

/** Voltages a cell sample can have (V): a -5 V or 1e6 V sample is a damaged row, not a measurement. */
export const PLAUSIBLE_VOLTAGE_RANGE_IN_V = [0, 10] as const;

/**
 * Whether a discharge sample can be a measurement: a finite voltage within `PLAUSIBLE_VOLTAGE_RANGE_IN_V`
 * and a finite capacity no further below zero than the cell's nominal capacity (a per-cycle counter
 * starts at zero; -5 Ah on a 1.1 Ah cell is damage).
 */
export function plausibleSample(
  voltageInV: number,
  capacityInAh: number,
  nominalCapacityInAh: number,
): boolean {
  const [low, high] = PLAUSIBLE_VOLTAGE_RANGE_IN_V;
  return (
    voltageInV >= low &&
    voltageInV <= high &&
    Number.isFinite(capacityInAh) &&
    capacityInAh >= -nominalCapacityInAh
  );
}

/** Default of `dischargeCurrentThresholdInA` (BatteryML's). */
export const DISCHARGE_CURRENT_THRESHOLD_IN_A = 0.1;
/** Fewest discharge samples that give a cycle a Q(V) curve: BatteryML returns zeros for two or fewer. */
export const MIN_DISCHARGE_CURVE_SAMPLES = 3;

/** What was left out of the Q(V) curves as damaged, for warnings. */
export function implausibleSamplesText({ cycles, samples }: { cycles: number[]; samples: number }): string {
  const [low, high] = PLAUSIBLE_VOLTAGE_RANGE_IN_V;
  const listed = cycles.slice(0, 10).join(', ') + (cycles.length > 10 ? ', ...' : '');
  return (
    `left out ${samples} sample(s) with a voltage outside ${low} .. ${high} V or a capacity below ` +
    `minus the nominal capacity: cycle(s) ${listed}`
  );
}

/** Why a cell has no capacity matrix (null result), for warnings. */
export type CapacityMatrixProblem = { problem: string };

/**
 * Q(V) of one cycle on `voltages` (high to low): the source's own curve, or interpolated discharge samples
 * (implausible samples of the cycle left out and counted in `implausible`).
 */
function dischargeCurveAt(
  cycle: Cycle,
  voltages: Float64Array,
  threshold: number,
  nominalCapacityInAh: number,
  implausible: { cycles: number[]; samples: number },
): Float64Array | null {
  if (cycle.dischargeCurve) {
    return interpolateLinear(
      cycle.dischargeCurve.voltageInV,
      cycle.dischargeCurve.dischargeCapacityInAh,
      voltages,
    );
  }
  const series = cycle.timeSeries;
  if (!series?.dischargeCapacityInAh) return null;
  const voltage: number[] = [];
  const capacity: number[] = [];
  let dropped = 0;
  for (let i = 0; i < series.currentInA.length; i++) {
    const v = series.voltageInV[i]!;
    const q = series.dischargeCapacityInAh[i]!;
    // Any damaged sample of the cycle is counted; only discharge samples would have entered the curve.
    if (!plausibleSample(v, q, nominalCapacityInAh)) {
      dropped++;
      continue;
    }
    if (series.currentInA[i]! < -threshold) {
      voltage.push(v);
      capacity.push(q);
    }
  }
  if (dropped > 0) {
    implausible.cycles.push(cycle.cycleNumber);
    implausible.samples += dropped;
  }
  // BatteryML returns zeros for a cycle with too few samples; we treat it as missing instead.
  return voltage.length >= MIN_DISCHARGE_CURVE_SAMPLES
    ? interpolateLinear(voltage, capacity, voltages)
    : null;
}

/**
 * The DiffBatt "capacity matrix" of a cell: for the first `rows` cycles (from `firstCycle`) that have Q(V)
 * data, Qd(V) on a voltage grid from the upper to the lower cut-off, minus the base row's curve.
 * Step by step:
 * 1. grid: BatteryML's 1000 points from upper to lower voltage, of which every 10th is kept (100 points,
 *    the first at the upper limit), which is BatteryML's `cycle_average` subsampling;
 * 2. each cycle's Q(V) is interpolated linearly on that grid (NaN outside the measured voltage range);
 * 3. rows = Q(V) of a cycle minus Q(V) of the base row (index 9 for 100 rows, 2 for 20);
 * 4. at each voltage, a running median across ±4 cycles replaces each row's value (removes single outlier
 *    cycles such as MATR test1 cell 3's cycle 12, whose raw Qdlin reaches 48 Ah); non-finite values are
 *    ignored by the median;
 * 5. remaining NaN/Inf become 0 (BatteryML).
 * Returns a problem instead when the cell cannot give a matrix (no voltage range, too few Q(V) cycles).
 */
export function capacityMatrix(
  cell: Cell,
  options: CapacityMatrixOptions = {},
): CapacityMatrixResult | CapacityMatrixProblem {
  const rows = options.rows ?? 100;
  const baseRow = options.baseRow ?? (rows === 100 ? 9 : 2);
  const upper = options.voltageRangeInV?.[0] ?? cell.maxVoltageLimitInV;
  const lower = options.voltageRangeInV?.[1] ?? cell.minVoltageLimitInV;
  if (upper === undefined || lower === undefined || !(upper > lower)) {
    return { problem: 'no voltage range (the cell states no max/min voltage limits)' };
  }
  const fine = options.fineGridPoints ?? 1000;
  if (!Number.isInteger(fine / CAPACITY_MATRIX_VOLTAGE_POINTS) || fine <= 0) {
    throw new DiffBattError(
      `fineGridPoints must be a positive multiple of ${CAPACITY_MATRIX_VOLTAGE_POINTS}, got ${fine}`,
    );
  }
  const stride = fine / CAPACITY_MATRIX_VOLTAGE_POINTS;
  const voltagesInV = linspace(upper, lower, fine).filter((_, i) => i % stride === 0);
  const threshold = options.dischargeCurrentThresholdInA ?? DISCHARGE_CURRENT_THRESHOLD_IN_A;
  const firstCycle = options.firstCycle ?? 2;
  const curves: Float64Array[] = [];
  const cycleNumbers: number[] = [];
  const implausibleSamples = { cycles: [] as number[], samples: 0 };
  for (const cycle of [...cell.cycles].sort((a, b) => a.cycleNumber - b.cycleNumber)) {
    if (curves.length === rows) break;
    if (cycle.cycleNumber < firstCycle) continue;
    const curve = dischargeCurveAt(
      cycle,
      voltagesInV,
      threshold,
      cell.nominalCapacityInAh,
      implausibleSamples,
    );
    if (!curve) continue;
    curves.push(curve);
    cycleNumbers.push(cycle.cycleNumber);
  }
  if (curves.length <= baseRow) {
    return {
      problem:
        `only ${curves.length} cycles with Q(V) data from cycle ${firstCycle}; the base row is ${baseRow}` +
        (implausibleSamples.samples > 0 ? `; ${implausibleSamplesText(implausibleSamples)}` : ''),
    };
  }
  const paddedRows = rows - curves.length;
  while (curves.length < rows) {
    curves.push(curves[curves.length - 1]!);
    cycleNumbers.push(cycleNumbers[cycleNumbers.length - 1]!);
  }
  const base = curves[baseRow]!;
  const width = CAPACITY_MATRIX_VOLTAGE_POINTS;
  const differences = new Float64Array(rows * width);
  curves.forEach((curve, row) => {
    for (let v = 0; v < width; v++) differences[row * width + v] = curve[v]! - base[v]!;
  });
  const matrix = new Float32Array(rows * width);
  const halfWindow = options.crossCycleMedianHalfWindow ?? 4;
  const column = new Float64Array(rows);
  const scratch = new Float64Array(2 * halfWindow + 1);
  for (let v = 0; v < width; v++) {
    for (let row = 0; row < rows; row++) column[row] = differences[row * width + v]!;
    for (let row = 0; row < rows; row++) {
      const value =
        halfWindow === 0
          ? column[row]!
          : finiteMedian(
              column,
              Math.max(0, row - halfWindow),
              Math.min(rows, row + halfWindow + 1),
              scratch,
            );
      matrix[row * width + v] = Number.isFinite(value) ? value : 0;
    }
  }
  return { matrix, rows, voltagesInV, cycleNumbers, paddedRows, implausibleSamples };
}
