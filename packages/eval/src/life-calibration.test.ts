import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import {
  assertCalibratable,
  calibratedLifeIntervals,
  calibrateLifeSummary,
  fitLifeIntervalCalibration,
  type LifeCalibrationCell,
  lifeIntervalCoverage,
  lifeIntervalScore,
  parseLifeIntervalCalibration,
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
    // 200 and 50 lie exactly on the calibrated bounds: covered (bounds included) despite rounding.
    const summaries = cells.map((c) => calibrateLifeSummary(lifeSummary(c.lives, [0.5]), calibration));
    expect(lifeIntervalCoverage(summaries, measured)[0]!.coverage).toBe(0.75);
  });

  it('scores a measured life by its ln-cycle distance outside the interval, negative inside', () => {
    expect(lifeIntervalScore(100, 400, 800)).toBeCloseTo(Math.log(2), 12);
    expect(lifeIntervalScore(100, 400, 25)).toBeCloseTo(Math.log(4), 12);
    // Inside: minus the distance to the nearer bound (200 is ln 2 from both ends).
    expect(lifeIntervalScore(100, 400, 200)).toBeCloseTo(-Math.log(2), 12);
    expect(lifeIntervalScore(100, 400, 400)).toBe(0);
  });

  it('covers at least ceil((n + 1) level) of its own n cells (the margin cell stays inside)', () => {
    const cells = overconfidentCells(37, 8);
    const calibration = fitLifeIntervalCalibration(cells, LEVELS);
    const coverage = lifeIntervalCoverage(
      summarise(cells).map((s) => calibrateLifeSummary(s, calibration)),
      cells.map((c) => c.measuredLife),
    );
    for (const [i, level] of LEVELS.entries()) {
      expect(coverage[i]!.coverage).toBeGreaterThanOrEqual(Math.ceil(38 * level - 1e-9) / 37);
    }
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
    for (const levels of [[0], [1], [0.5, 1.5], [Number.NaN]]) {
      expect(() => fitLifeIntervalCalibration(overconfidentCells(30, 4), levels)).toThrow(
        /field "levels": an interval level must lie between 0 and 1/,
      );
    }
    expect(() => fitLifeIntervalCalibration(overconfidentCells(30, 4), [0.5, 0.5])).toThrow(
      /interval level 0\.5 appears twice/,
    );
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

describe('calibratedLifeIntervals', () => {
  it('calibrates every level of the calibration and gives the coverage before and after', () => {
    // As by hand above: margin ln 2 at 50 %, so [100, 100] becomes [50, 200].
    const calibration = {
      method: 'conformal-log-life' as const,
      margins: [{ level: 0.5, logMargin: Math.log(2) }],
      calibrationCells: 4,
    };
    const [interval] = calibratedLifeIntervals([[100, 100], [100]], [150, 300], calibration);
    expect(interval!.level).toBe(0.5);
    expect(interval!.lower[0]).toBeCloseTo(50, 9);
    expect(interval!.upper).toEqual([expect.closeTo(200, 9), expect.closeTo(200, 9)]);
    expect(interval!.uncalibratedCoverage).toBe(0);
    expect(interval!.coverage).toBe(0.5); // 150 inside [50, 200], 300 not
    expect(() => calibratedLifeIntervals([[100]], [1, 2], calibration)).toThrow(/2 measured lives/);
  });
});

describe('parseLifeIntervalCalibration', () => {
  const saved = () =>
    JSON.parse(JSON.stringify(fitLifeIntervalCalibration(overconfidentCells(40, 7), LEVELS)));

  it('reads back a calibration written as JSON, with or without provenance', () => {
    const fitted = fitLifeIntervalCalibration(overconfidentCells(40, 7), LEVELS);
    expect(parseLifeIntervalCalibration(saved(), 'c.json')).toEqual(fitted);
    const withProvenance = { ...saved(), provenance: { model: 'm', samplesPerCell: 8 } };
    expect(parseLifeIntervalCalibration(withProvenance, 'c.json').provenance).toEqual({
      model: 'm',
      samplesPerCell: 8,
    });
  });

  it('refuses a bad calibration in one line naming the file and the field', () => {
    const withMargin = (margin: Record<string, unknown>) => {
      const value = saved();
      value.margins[1] = { ...value.margins[1], ...margin };
      return value;
    };
    const cases: [unknown, RegExp][] = [
      [{ ...saved(), method: 'isotonic' }, /field "method": .*method must be "conformal-log-life"/],
      [
        JSON.parse(JSON.stringify(saved()).replace(/"logMargin":[^,}]+/, '"logMargin":1e999')),
        /field "margins\.0\.logMargin": .*finite/,
      ],
      [withMargin({ logMargin: null }), /field "margins\.1\.logMargin"/],
      [withMargin({ level: 0 }), /field "margins\.1\.level": .*must be positive/],
      [withMargin({ level: 1 }), /field "margins\.1\.level": .*less than 1/],
      [withMargin({ level: 0.5 }), /field "margins\.1\.level": .*level 0\.5 appears twice/],
      [withMargin({ width: 2 }), /field "margins\.1\.width"/],
      [{ ...saved(), margins: [] }, /field "margins": .*non-empty/],
      [{ ...saved(), calibrationCells: 0 }, /field "calibrationCells"/],
      [{ ...saved(), extra: true }, /field "extra"/],
      [[1, 2], /field "\(root\)": .*must be an object \(was an array\)/],
      [null, /field "\(root\)": .*was null/],
    ];
    for (const [value, message] of cases) {
      let thrown: unknown;
      try {
        parseLifeIntervalCalibration(value, 'calibration.json');
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(Error);
      const text = (thrown as Error).message;
      expect(text).toMatch(/^calibration\.json, field "/);
      expect(text).toMatch(message);
      expect(text).not.toContain('\n');
    }
  });
});

describe('assertCalibratable', () => {
  it('refuses levels that need more cells than there are, before any sampling', () => {
    expect(() => assertCalibratable(18, LEVELS)).toThrow(
      /95 % life intervals needs at least 19 held-out cells/,
    );
    expect(() => assertCalibratable(19, LEVELS)).not.toThrow();
    expect(() => assertCalibratable(3, [0.5])).not.toThrow();
    expect(() => assertCalibratable(2, [0.8])).toThrow(/needs at least 4/);
  });

  it('names a bad or repeated level before counting cells', () => {
    expect(() => assertCalibratable(1, [0.5, 1])).toThrow(/between 0 and 1/);
    expect(() => assertCalibratable(100, [0.8, 0.8])).toThrow(/appears twice/);
  });
});
