import { SOH_CURVE_CYCLES, sohCurveBand, sohPercent } from '@diffbatt/eval';
import type { ReportCurveCell } from './html-report.js';

/** One cell of the HTML report: its measured curve, the band of its generated curves, and its life. */
export function reportCell(
  cellId: string,
  reference: ArrayLike<number> | null,
  curves: readonly ArrayLike<number>[],
  life: { truth: number | null; predicted: number; low: number; high: number },
  level: number,
  synthetic = false,
): ReportCurveCell {
  const band = sohCurveBand(curves, level);
  return {
    cellId,
    cycles: [...SOH_CURVE_CYCLES],
    referenceSoh: reference ? sohPercent(reference) : null,
    predictedMedian: band.median,
    predictedLow: band.low,
    predictedHigh: band.high,
    lifeTrue: life.truth,
    lifePredicted: life.predicted,
    lifeLow: life.low,
    lifeHigh: life.high,
    synthetic,
  };
}
