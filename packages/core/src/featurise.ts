import type { Cell } from './cell.js';
import { DiffBattError } from './errors.js';
import {
  type CapacityMatrixOptions,
  capacityMatrix,
  implausibleSamplesText,
} from './featurise/capacity-matrix.js';
import {
  type CapacityFade,
  type CapacityFadeOptions,
  capacityFade,
  encodeSohCurve,
  fadeEndOfLife,
  sohCurveSummary,
} from './featurise/soh-curve.js';
import { assertValidSample, CAPACITY_MATRIX_VOLTAGE_POINTS, type ModelSample } from './sample.js';

export {
  type CapacityMatrixOptions,
  type CapacityMatrixResult,
  capacityMatrix,
  DISCHARGE_CURRENT_THRESHOLD_IN_A,
  MIN_DISCHARGE_CURVE_SAMPLES,
  PLAUSIBLE_VOLTAGE_RANGE_IN_V,
  plausibleSample,
} from './featurise/capacity-matrix.js';
export {
  type CapacityFade,
  type CapacityFadeOptions,
  capacityFade,
  cycleDischargeCapacity,
  END_OF_LIFE_FRACTION,
  encodeSohCurve,
  sohCurveSummary,
} from './featurise/soh-curve.js';

export interface FeaturiseOptions extends CapacityMatrixOptions, CapacityFadeOptions {
  /** Stop the SOH curve at the end-of-life cycle, as DiffBatt's curves do (default true). */
  truncateAtEndOfLife?: boolean;
  /** Things worth telling the user (padded rows, outlier cycles, data ending before end of life). */
  onWarning?: (message: string) => void;
}

/**
 * What is wrong with a cell's capacity fade, said once for featurising and inspecting. Every plugin's NaN,
 * infinite or negative capacities end up here, dropped alike and said so.
 */
function fadeWarnings(fade: CapacityFade): string[] {
  const listed = (cycles: readonly number[]) =>
    `${cycles.slice(0, 10).join(', ')}${cycles.length > 10 ? ', ...' : ''}`;
  const warnings: string[] = [];
  if (fade.invalidCycles.length > 0) {
    warnings.push(
      `dropped ${fade.invalidCycles.length} cycle(s) whose discharge capacity is NaN, infinite or negative: cycle(s) ${listed(fade.invalidCycles)}`,
    );
  }
  if (fade.outlierCycles.length > 0) {
    warnings.push(
      `dropped ${fade.outlierCycles.length} outlier cycle(s) from the SOH curve: ${listed(fade.outlierCycles)}`,
    );
  }
  return warnings;
}

/** What is wrong with a cell's capacity matrix (or why it has none), said once for featurising and inspecting. */
function matrixWarnings(matrix: ReturnType<typeof capacityMatrix>): string[] {
  if ('problem' in matrix) return [`no capacity matrix: ${matrix.problem}`];
  const warnings: string[] = [];
  if (matrix.implausibleSamples.samples > 0) warnings.push(implausibleSamplesText(matrix.implausibleSamples));
  if (matrix.paddedRows > 0) {
    warnings.push(
      `${matrix.paddedRows} capacity-matrix row(s) repeat cycle ${matrix.cycleNumbers[matrix.cycleNumbers.length - 1]} (fewer Q(V) cycles than rows)`,
    );
  }
  return warnings;
}

/**
 * A cell as a model-ready sample: the SOH curve from its capacity fade and the capacity matrix from its
 * Q(V) curves (null, with a warning, when the cell has none). Step by step: see `capacityFade`,
 * `encodeSohCurve` and `capacityMatrix`; the README compares the result with the DiffBatt tensors.
 */
export function featuriseCell(cell: Cell, options: FeaturiseOptions = {}): ModelSample {
  const warn = (message: string) => options.onWarning?.(`${cell.cellId}: ${message}`);
  const fade = capacityFade(cell, options);
  if (fade.points.length === 0) {
    throw new DiffBattError('no cycle with a valid discharge capacity: cannot build a SOH curve', {
      file: cell.cellId,
    });
  }
  for (const message of fadeWarnings(fade)) warn(message);
  const endOfLife = fadeEndOfLife(fade.points, cell.nominalCapacityInAh);
  const truncate = options.truncateAtEndOfLife ?? true;
  const points =
    truncate && endOfLife !== null ? fade.points.filter((p) => p.cycleNumber <= endOfLife) : fade.points;
  if (endOfLife === null) {
    warn(
      `capacity data ends at cycle ${points[points.length - 1]!.cycleNumber} before end of life; the SOH curve is ` +
        'padded from there (fine as a condition, not as a training or evaluation target)',
    );
  }
  const matrix = capacityMatrix(cell, options);
  for (const message of matrixWarnings(matrix)) warn(message);
  const sample: ModelSample = {
    cellId: cell.cellId,
    source: cell.source,
    sohCurve: encodeSohCurve(points),
    capacityMatrix: 'problem' in matrix ? null : matrix.matrix,
    capacityMatrixRows: 'problem' in matrix ? null : matrix.rows,
    synthetic: cell.synthetic ?? false,
  };
  assertValidSample(sample);
  return sample;
}

/** One row of `diffbatt datasets inspect` (stable JSON: scripts rely on these names). */
export interface CellInspection {
  cellId: string;
  /** Cycles with data (cells) or cycles covered by the measured part of the SOH curve (samples, 10 per point). */
  cycles: number;
  cycleLife: number | null;
  cycleLifeSource: 'data' | 'published' | null;
  publishedCycleLife: number | null;
  /** [rows, voltage points], or null when there is no capacity matrix. */
  capacityMatrixShape: [number, number] | null;
  warnings: string[];
}

/**
 * Life and shape of a cell. cycleLife = first cycle below 0.8 x nominal in the (outlier-cleaned) data,
 * else the published life, else null; a disagreement between data and published life is a warning.
 */
export function inspectCell(cell: Cell, options: FeaturiseOptions = {}): CellInspection {
  const fade = capacityFade(cell, options);
  const warnings = fadeWarnings(fade);
  const dataLife = fadeEndOfLife(fade.points, cell.nominalCapacityInAh);
  const published = cell.publishedCycleLife ?? null;
  if (dataLife !== null && published !== null && dataLife !== published) {
    warnings.push(`life in the data (${dataLife}) differs from the published life (${published})`);
  }
  if (dataLife === null && published !== null && fade.points.length > 0) {
    warnings.push(
      `data ends at cycle ${fade.points[fade.points.length - 1]!.cycleNumber}; life is the published one`,
    );
  }
  const matrix = capacityMatrix(cell, options);
  warnings.push(...matrixWarnings(matrix));
  const cycleLife = dataLife ?? published;
  return {
    cellId: cell.cellId,
    cycles: cell.cycles.length,
    cycleLife,
    cycleLifeSource: dataLife !== null ? 'data' : published !== null ? 'published' : null,
    publishedCycleLife: published,
    capacityMatrixShape: 'problem' in matrix ? null : [matrix.rows, CAPACITY_MATRIX_VOLTAGE_POINTS],
    warnings,
  };
}

/**
 * Life and shape of a model-ready sample. The SOH curve is relative to its first point and DiffBatt's curves
 * stop at end of life (capacity < 0.8 x nominal, often above 0.8 of the first point), so: cycleLife = the
 * first point below SOH 0.8, else the end of the measured curve when it stops before cycle 2560 (as
 * DiffBatt's evaluation counts it), else null.
 */
export function inspectSample(sample: ModelSample): CellInspection {
  const { lastMeasuredCycle, endOfLifeCycle } = sohCurveSummary(sample.sohCurve);
  const endsEarly = lastMeasuredCycle < sample.sohCurve.length * 10;
  const cycleLife = endOfLifeCycle ?? (endsEarly && lastMeasuredCycle > 0 ? lastMeasuredCycle : null);
  return {
    cellId: sample.cellId,
    cycles: lastMeasuredCycle,
    cycleLife,
    cycleLifeSource: cycleLife === null ? null : 'data',
    publishedCycleLife: null,
    capacityMatrixShape:
      sample.capacityMatrixRows === null ? null : [sample.capacityMatrixRows, CAPACITY_MATRIX_VOLTAGE_POINTS],
    warnings: sample.synthetic ? ['synthetic sample'] : [],
  };
}
