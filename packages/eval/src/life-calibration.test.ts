import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import {
  calibrateLifeSummary,
  fitLifeIntervalCalibration,
  type LifeCalibrationCell,
  lifeIntervalCoverage,
} from './life-calibration.js';
import { lifeSummary } from './life-summary.js';

/**
 * SYNTHETIC cells of an overconfident model: ln life ~ N(ln 800, 0.5) per cell, the model's 16 samples
 * centred on the truth plus an error of sd 0.3, with a spread of only 0.05 (as the released weights: their
 * 80 % intervals cover 17 % of the MATR-1 test cells).
 */
function overconfidentCells(count: number, seed: number): LifeCalibrationCell[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => {
    const logTruth = Math.log(800) + 0.5 * random.normal();
    const logCentre = logTruth + 0.3 * random.normal();
    return {
      measuredLife: Math.exp(logTruth),
      lives: Array.from({ length: 16 }, () => Math.exp(logCentre + 0.05 * random.normal())),
    };
  });
}

const LEVELS = [0.5, 0.8, 0.95];
const summarise = (cells: LifeCalibrationCell[]) => cells.map((c) => lifeSummary(c.lives, LEVELS));

describe('conformal calibration of life intervals', () => {
  it('takes the ceil((n + 1) level)-th smallest ln-cycle score, by hand on 4 cells', () => {
    // Every cell samples exactly 100 cycles, so each interval is [100, 100] and score = |ln(y / 100)|.
    const measured = [100, 200, 50, 400];
    const cells = measured.map((measuredLife) => ({ measuredLife, lives: [100, 100, 100] }));
    const calibration = fitLifeIntervalCalibration(cells, [0.5, 0.6]);
    // Scores ln 1, ln 2, ln 2, ln 4 sorted: 0, 0.693, 0.693, 1.386; rank ceil(5 * 0.5) = 3, ceil(5 * 0.6) = 3.
    expect(calibration.margins[0]!.logMargin).toBeCloseTo(Math.log(2), 12);
    expect(calibration.calibrationCells).toBe(4);
    const calibrated = calibrateLifeSummary(lifeSummary([100, 100, 100], [0.5]), calibration);
    expect(calibrated.intervals[0]!.lower).toBeCloseTo(50, 9);
    expect(calibrated.intervals[0]!.upper).toBeCloseTo(200, 9);
    expect(calibrated.median).toBe(100);
  });

  it('brings overconfident intervals to their nominal coverage on new cells', () => {
    const calibration = fitLifeIntervalCalibration(overconfidentCells(200, 1), LEVELS);
    const test = overconfidentCells(2000, 2);
    const truth = test.map((c) => c.measuredLife);
    const before = lifeIntervalCoverage(summarise(test), truth);
    const after = lifeIntervalCoverage(
      summarise(test).map((s) => calibrateLifeSummary(s, calibration)),
      truth,
    );
    for (const [i, level] of LEVELS.entries()) {
      expect(before[i]!.coverage).toBeLessThan(level - 0.3);
      // 2000 test cells: binomial sd <= 1.1 points; the 200 calibration cells add a few more.
      expect(Math.abs(after[i]!.coverage - level)).toBeLessThan(0.06);
    }
  });

  it('narrows intervals that are too wide, without inverting them', () => {
    const cells = overconfidentCells(100, 3).map((c) => ({
      measuredLife: c.measuredLife,
      lives: [c.measuredLife / 10, c.measuredLife, c.measuredLife * 10],
    }));
    const calibration = fitLifeIntervalCalibration(cells, [0.5]);
    expect(calibration.margins[0]!.logMargin).toBeLessThan(0);
    const calibrated = calibrateLifeSummary(lifeSummary([1, 1000, 1e6], [0.5]), {
      ...calibration,
      margins: [{ level: 0.5, logMargin: -100 }],
    });
    expect(calibrated.intervals[0]!.lower).toBe(calibrated.intervals[0]!.upper);
  });

  it('names what is missing: too few cells for a level, a level without a margin', () => {
    expect(() => fitLifeIntervalCalibration(overconfidentCells(10, 4), [0.95])).toThrow(
      /95 % life intervals needs at least 19 held-out cells with finite samples, got 10/,
    );
    expect(() => fitLifeIntervalCalibration(overconfidentCells(3, 4), [0.8])).toThrow(/at least 4 held-out/);
    expect(fitLifeIntervalCalibration(overconfidentCells(4, 4), [0.8]).calibrationCells).toBe(4);
    const calibration = fitLifeIntervalCalibration(overconfidentCells(30, 5), [0.8]);
    expect(() => calibrateLifeSummary(lifeSummary([100, 200], [0.5]), calibration)).toThrow(
      /has no 50 % level \(it has 80 %\)/,
    );
  });

  it('leaves out cells without a finite sample', () => {
    const cells = [...overconfidentCells(20, 6), { measuredLife: 500, lives: [Number.NaN] }];
    expect(fitLifeIntervalCalibration(cells, [0.5]).calibrationCells).toBe(20);
  });
});
