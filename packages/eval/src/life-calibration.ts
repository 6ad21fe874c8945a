import { DiffBattError } from '@diffbatt/core';
import { type } from 'arktype';
import { type LifeSummary, lifeSummary } from './life-summary.js';
import { centralInterval, DEFAULT_INTERVAL_LEVELS, sortedFinite } from './probabilistic.js';

/**
 * Split-conformal calibration of sampled life intervals: conformalised quantile regression (Romano et al.
 * 2019) on ln(cycle life), because lives span 150-2500 cycles and errors grow with life. On cells the
 * model did not train on (validation cells or cross-validation folds, never the test split), each cell's
 * score is how far its measured life lies outside its central interval, in ln cycles (negative inside);
 * an interval is then widened at both ends by the ceil((n + 1) level)-th smallest score. For exchangeable
 * cells this covers at least `level` of new cells, whatever the model's own spread.
 */
export interface LifeIntervalCalibration {
  method: 'conformal-log-life';
  /** Per central level: ln-cycle margin added to ln(upper) and taken from ln(lower); negative narrows. */
  margins: { level: number; logMargin: number }[];
  /** Cells with at least one finite sampled life that the margins were computed from. */
  calibrationCells: number;
  /**
   * What the margins were fitted with (`diffbatt calibrate` records model, cells, sampler, samples per
   * cell, guidance, seed and EOL). Informational: the margins hold only for the same model and sampling.
   */
  provenance?: Record<string, unknown>;
}

/** A held-out cell: the lives sampled for it and its measured life. */
export interface LifeCalibrationCell {
  lives: readonly number[];
  measuredLife: number;
}

/** ceil((n + 1) level), the rank of the margin among n scores; the tolerance absorbs 0.8 * 5 = 4.000...1. */
const conformalRank = (n: number, level: number): number => Math.ceil((n + 1) * level - 1e-9);

/** ln cycles added to every margin when applied: far below any meaningful width, far above rounding. */
const ROUNDING_SLACK = 1e-12;

/** ln of a life in cycles, floored at 1 cycle so that a life of 0 stays finite. */
const logLife = (cycles: number): number => Math.log(Math.max(cycles, 1));

/**
 * A cell's conformal score: how far its measured life lies outside the interval [lower, upper], in ln cycles
 * (negative inside: minus the distance to the nearer bound). The margin that makes an interval cover the
 * cell is exactly this score.
 */
export function lifeIntervalScore(lower: number, upper: number, measuredLife: number): number {
  const measured = logLife(measuredLife);
  return Math.max(logLife(lower) - measured, measured - logLife(upper));
}

/**
 * Throws a DiffBattError unless `levels` (distinct, between 0 and 1) can be calibrated from `cellCount`
 * held-out cells (ceil((n + 1) level) <= n: 0.95 needs at least 19). Lets a caller refuse before sampling.
 */
export function assertCalibratable(cellCount: number, levels: readonly number[]): void {
  for (const [index, level] of levels.entries()) {
    if (!(level > 0 && level < 1)) {
      throw new DiffBattError(`an interval level must lie between 0 and 1 (exclusive), got ${level}`, {
        field: 'levels',
      });
    }
    if (levels.indexOf(level) !== index) {
      throw new DiffBattError(`interval level ${level} appears twice`, { field: 'levels' });
    }
  }
  for (const level of levels) {
    if (conformalRank(cellCount, level) > cellCount) {
      let needed = cellCount + 1;
      while (conformalRank(needed, level) > needed) needed++;
      throw new DiffBattError(
        `calibrating ${level * 100} % life intervals needs at least ${needed} held-out cells with finite samples, got ${cellCount}`,
        { field: 'cells' },
      );
    }
  }
}

/**
 * Fits the margins of `levels` from held-out cells; throws as `assertCalibratable` for too few cells
 * with finite samples.
 */
export function fitLifeIntervalCalibration(
  cells: readonly LifeCalibrationCell[],
  levels: readonly number[] = DEFAULT_INTERVAL_LEVELS,
): LifeIntervalCalibration {
  const scored = cells
    .map((cell) => ({ sorted: sortedFinite(cell.lives), measured: cell.measuredLife }))
    // Finite as the score sees it: ln of the life floored at 1 cycle, so any life below 1 (-Infinity too) scores as 1.
    .filter((cell) => cell.sorted.length > 0 && Number.isFinite(logLife(cell.measured)));
  const n = scored.length;
  assertCalibratable(n, levels);
  const margins = levels.map((level) => {
    const rank = conformalRank(n, level);
    const scores = Float64Array.from(scored, ({ sorted, measured }) => {
      const [lower, upper] = centralInterval(sorted, level);
      return lifeIntervalScore(lower, upper, measured);
    }).sort();
    return { level, logMargin: scores[rank - 1]! };
  });
  return { method: 'conformal-log-life', margins, calibrationCells: n };
}

/**
 * A cell's life summary with its intervals widened (or narrowed) by `calibration`; the median and mean
 * stay. Throws a DiffBattError for a level the calibration has no margin for.
 */
export function calibrateLifeSummary(
  summary: LifeSummary,
  calibration: LifeIntervalCalibration,
): LifeSummary {
  return {
    ...summary,
    intervals: summary.intervals.map(({ level, lower, upper }) => {
      const margin = calibration.margins.find((m) => m.level === level);
      if (margin === undefined) {
        throw new DiffBattError(
          `the life-interval calibration has no ${level * 100} % level (it has ${calibration.margins.map((m) => m.level * 100).join(', ')} %)`,
          { field: 'levels' },
        );
      }
      // The slack keeps the cell whose score set the margin inside despite rounding in exp and ln.
      const factor = Math.exp(margin.logMargin + ROUNDING_SLACK);
      const low = Math.max(lower, 1) / factor;
      const high = Math.max(upper, 1) * factor;
      if (low <= high) return { level, lower: low, upper: high };
      // A negative margin wider than half the interval collapses it to its middle instead of inverting it.
      const middle = Math.sqrt(low * high);
      return { level, lower: middle, upper: middle };
    }),
  };
}

/** Share of cells whose measured life lies within their interval of each level (bounds included). */
export function lifeIntervalCoverage(
  summaries: readonly LifeSummary[],
  measuredLives: readonly number[],
): { level: number; coverage: number }[] {
  const levels = summaries[0]?.intervals.map((i) => i.level) ?? [];
  return levels.map((level, index) => {
    let covered = 0;
    summaries.forEach((summary, cell) => {
      const interval = summary.intervals[index]!;
      const life = measuredLives[cell]!;
      if (life >= interval.lower && life <= interval.upper) covered++;
    });
    return { level, coverage: summaries.length === 0 ? Number.NaN : covered / summaries.length };
  });
}

/** One calibrated level over many cells, beside the coverage of the same level uncalibrated. */
export interface CalibratedLifeIntervals {
  level: number;
  /** Per cell, the calibrated interval. */
  lower: number[];
  upper: number[];
  /** Share of cells whose measured life lies within the calibrated interval (bounds included). */
  coverage: number;
  /** The same share for the sampled (uncalibrated) interval of this level. */
  uncalibratedCoverage: number;
}

/**
 * Calibrated intervals at every level of `calibration` for cells given as their sampled lives, with the
 * coverage of the measured lives before and after calibration.
 */
export function calibratedLifeIntervals(
  sampledLives: readonly (readonly number[])[],
  measuredLives: readonly number[],
  calibration: LifeIntervalCalibration,
): CalibratedLifeIntervals[] {
  if (sampledLives.length !== measuredLives.length) {
    throw new DiffBattError(
      `${measuredLives.length} measured lives but sampled lives for ${sampledLives.length} cells`,
    );
  }
  const levels = calibration.margins.map((m) => m.level);
  const summaries = sampledLives.map((lives) => lifeSummary(lives, levels));
  const calibrated = summaries.map((summary) => calibrateLifeSummary(summary, calibration));
  const before = lifeIntervalCoverage(summaries, measuredLives);
  const after = lifeIntervalCoverage(calibrated, measuredLives);
  return levels.map((level, index) => ({
    level,
    lower: calibrated.map((summary) => summary.intervals[index]!.lower),
    upper: calibrated.map((summary) => summary.intervals[index]!.upper),
    coverage: after[index]!.coverage,
    uncalibratedCoverage: before[index]!.coverage,
  }));
}

/** A finite number: JSON.parse reads 1e999 as Infinity. */
const finiteNumber = type('number').narrow((n, ctx) => Number.isFinite(n) || ctx.mustBe('a finite number'));

const calibrationSchema = type({
  '+': 'reject',
  method: "'conformal-log-life'",
  margins: type({ '+': 'reject', level: '0 < number < 1', logMargin: finiteNumber }).array().atLeastLength(1),
  calibrationCells: 'number.integer >= 1',
  'provenance?': 'Record<string, unknown>',
});

/**
 * Reads back a calibration saved as JSON (`JSON.parse` of what `fitLifeIntervalCalibration` returned).
 * Throws a DiffBattError naming `where` (the file) and the offending field.
 */
export function parseLifeIntervalCalibration(value: unknown, where: string): LifeIntervalCalibration {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    // arktype would name a missing field of an array; the root is what is wrong.
    const was = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new DiffBattError(`invalid life-interval calibration: must be an object (was ${was})`, {
      file: where,
      field: '(root)',
    });
  }
  const checked = calibrationSchema(value);
  if (checked instanceof type.errors) {
    const first = checked[0]!;
    throw new DiffBattError(`invalid life-interval calibration: ${first.message}`, {
      file: where,
      field: first.path.join('.'),
    });
  }
  const seen = new Set<number>();
  for (const [index, { level }] of checked.margins.entries()) {
    if (seen.has(level)) {
      throw new DiffBattError(`invalid life-interval calibration: level ${level} appears twice`, {
        file: where,
        field: `margins.${index}.level`,
      });
    }
    seen.add(level);
  }
  return checked;
}
