import { DiffBattError } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { formatScoreTable, scoreResultsToJson } from './format.js';
import { BEST_OF_REPS_RULE, measuredCycleLife, scoreSohCurves } from './score.js';

/**
 * Synthetic encoded curve: SOH `early` % for the first 10 points, 100 % up to point `step`, then 75 %.
 * Resized to 2560 cycles the step crosses 80 % at output 10 * step + 3, so its cycle life is
 * 10 * step + 4 (source (i - 4.5) / 10 = step - 0.15 gives SOH 100 - 25 * 0.85 = 78.75).
 */
function stepCurve(step: number, early = 100): Float32Array {
  return Float32Array.from({ length: 256 }, (_, i) => {
    const soh = i < 10 ? early : i < step ? 100 : 75;
    return (2 * soh) / 100 - 1;
  });
}

describe('scoreSohCurves', () => {
  it('scores one sample per cell by the original rules (hand-computed lives)', () => {
    const results = scoreSohCurves({
      reference: [stepCurve(50), stepCurve(80)],
      generated: [[stepCurve(60)], [stepCurve(80)]],
      cellIds: ['a', 'b'],
    });
    expect(results.rulReference).toEqual([504, 804]);
    expect(results.rulPredicted).toEqual([604, 804]);
    expect(results.rulRmse).toBeCloseTo(Math.sqrt(100 ** 2 / 2), 12);
    expect(results.rulMae).toBe(50);
    expect(results.rulMape).toBeCloseTo(100 / 504 / 2, 12);
    expect(results.rulAccuracy10).toBe(0.5);
    expect(results.rulAccuracy15).toBe(0.5);
    expect(results.medianOfSamples.rulPredicted).toEqual([604, 804]);
    expect(results.samplesPerCell).toEqual([1, 1]);
    expect(results.cellIds).toEqual(['a', 'b']);
    expect(results.rule).toBe(BEST_OF_REPS_RULE);
    // Cell b matches exactly. In cell a, the prediction's 100 % vs the reference's 75 % counts where
    // both masks pass (reference > 60, prediction > 80): cycles 504..603 at 25 points plus the ramps.
    expect(results.sohRmsePerCell[1]).toBe(0);
    expect(results.sohRmsePerCell[0]).toBeGreaterThan(0);
    expect(results.sohRmseCells).toBe(2);
    expect(results.synthesis).toBeNull();
  });

  it('chooses best-of-reps from the early cycles and a median rule that ignores the reference', () => {
    // The 404 sample matches the reference's early cycles; the others start at 99 %.
    const results = scoreSohCurves({
      reference: [stepCurve(50)],
      generated: [[stepCurve(60, 99), stepCurve(40), stepCurve(50, 99), stepCurve(70, 99)]],
    });
    expect(results.rulPredicted).toEqual([404]);
    expect(results.rulSamples.median).toEqual([554]);
    expect(results.medianOfSamples.rulPredicted).toEqual([554]);
    expect(results.rulSamples.mean).toEqual([554]);
    expect(results.rulSamples.crpsPerCell[0]).toBeCloseTo(
      (100 + 100 + 0 + 200) / 4 - (2 * (-3 * 404 - 1 * 504 + 1 * 604 + 3 * 704)) / 32,
      10,
    );
    const widest = results.rulSamples.intervals.at(-1)!;
    expect(widest.level).toBe(0.95);
    expect(widest.coverage).toBe(1);
  });

  it('gives an all-padded reference the last cycle and no SOH RMSE, as the original', () => {
    const padded = new Float32Array(256).fill(-1);
    const results = scoreSohCurves({
      reference: [padded, stepCurve(50)],
      generated: [[stepCurve(60)], [stepCurve(50)]],
    });
    expect(results.rulReference).toEqual([2560, 504]);
    expect(results.sohRmsePerCell[0]).toBeNaN();
    expect(results.sohRmseCells).toBe(1);
    expect(results.sohRmse).toBe(0);
  });

  it('counts a curve that never crosses EOL as living 2560 cycles', () => {
    const flat = new Float32Array(256).fill(0.9);
    const results = scoreSohCurves({ reference: [stepCurve(50)], generated: [[flat]] });
    expect(results.rulPredicted).toEqual([2560]);
  });

  it('leaves NaN samples out and says how many', () => {
    const broken = stepCurve(60);
    broken[100] = Number.NaN;
    const results = scoreSohCurves({ reference: [stepCurve(50)], generated: [[broken, stepCurve(50)]] });
    expect(results.nonFiniteSamples).toBe(1);
    expect(results.samplesPerCell).toEqual([1]);
    expect(results.rulPredicted).toEqual([504]);
  });

  it('computes synthesis metrics once each set has more than k curves; identical sets score perfectly', () => {
    const reference = [40, 50, 60, 70, 90].map((step) => stepCurve(step));
    const results = scoreSohCurves({ reference, generated: reference.map((curve) => [curve]) });
    expect(results.synthesis).toMatchObject({
      featureMap: 'soh-thresholds-v1',
      precision: 1,
      recall: 1,
      k: 3,
      referenceCurves: 5,
      generatedCurves: 5,
    });
    expect(results.synthesis!.frechetDistance).toBeCloseTo(0, 10);
    expect(results.rulRmse).toBe(0);
    expect(results.sohRmse).toBe(0);
  });

  it('follows a different EOL threshold', () => {
    // SOH 75 is above 70, so with EOL 70 the step never ends life.
    const results = scoreSohCurves(
      { reference: [stepCurve(50)], generated: [[stepCurve(50)]] },
      { eolSoh: 70 },
    );
    expect(results.rulReference).toEqual([2560]);
    expect(results.protocol.eolSoh).toBe(70);
  });

  it('rejects malformed input with a message naming the cell', () => {
    const ok = stepCurve(50);
    const cases: [Parameters<typeof scoreSohCurves>[0], RegExp][] = [
      [{ reference: [], generated: [] }, /no reference curves/],
      [{ reference: [ok], generated: [[ok], [ok]] }, /1 reference curves but generated curves for 2 cells/],
      [
        { reference: [ok.subarray(1)], generated: [[ok]] },
        /reference curve of cell-1 has 255 points, expected 256/,
      ],
      [{ reference: [ok], generated: [[ok, ok.subarray(2)]] }, /generated curve 2 of cell-1 has 254 points/],
      [
        { reference: [Float32Array.from(ok).fill(Number.NaN, 3, 4)], generated: [[ok]] },
        /reference curve of cell-1 holds NaN/,
      ],
      [
        { reference: [ok], generated: [[new Float32Array(256).fill(Number.NaN)]], cellIds: ['b1c0'] },
        /none of the 1 generated curves of b1c0 is finite/,
      ],
      [{ reference: [ok], generated: [[ok]], cellIds: ['x', 'y'] }, /2 cell ids for 1 cells/],
      [{ reference: [ok, ok], generated: [[ok], []] }, /no generated curves for cell-2/],
    ];
    for (const [input, message] of cases) {
      expect(() => scoreSohCurves(input)).toThrow(message);
      expect(() => scoreSohCurves(input)).toThrow(DiffBattError);
    }
    for (const eolSoh of [0, 100, Number.NaN]) {
      expect(() => scoreSohCurves({ reference: [ok], generated: [[ok]] }, { eolSoh })).toThrow(/EOL must be/);
    }
  });
});

describe('formatScoreTable and scoreResultsToJson', () => {
  const padded = new Float32Array(256).fill(-1);
  const results = scoreSohCurves({
    reference: [stepCurve(50), padded],
    generated: [
      [stepCurve(60), stepCurve(40)],
      [stepCurve(50), stepCurve(50)],
    ],
    cellIds: ['b1c0', 'b1c1'],
  });

  it('prints a summary, both rules and one row per cell', () => {
    const table = formatScoreTable(results);
    expect(table).toMatch(/^2 cells, 2 generated curve\(s\) per cell; EOL at 80 % SOH/);
    expect(table).toMatch(/^cycle life RMSE \(cycles\) +\d+\.\d +\d+\.\d$/m);
    expect(table).toMatch(
      /^\* best of reps by SOH RMSE over cycles 1\.\.100 \(uses the reference's early cycles\)$/m,
    );
    expect(table).toMatch(/^cell +life +best of reps +median +95 % interval +SOH RMSE$/m);
    expect(table).toMatch(/^b1c0 +504 +\d+ +504 +\d+-\d+ +\d+\.\d{3}$/m);
    expect(table).toMatch(/^b1c1 +2560 +504 +504 +504-504 +-$/m);
    expect(table).toMatch(/synthesis metrics: not computed/);
    expect(table).toMatch(
      /^cycle life from samples \(2 cells\): CRPS \d+\.\d cycles; coverage 50 %: \d+\.\d %, 80 %/m,
    );
  });

  it('says so instead of printing point intervals when each cell has one sample', () => {
    const single = scoreSohCurves({ reference: [stepCurve(50)], generated: [[stepCurve(60)]] });
    expect(formatScoreTable(single)).toMatch(/^one sample per cell: intervals would be single points/m);
  });

  it('writes JSON with the required fields and null for undefined numbers', () => {
    const json = JSON.parse(scoreResultsToJson(results));
    expect(json.rulReference).toEqual([504, 2560]);
    expect(json.rulPredicted).toHaveLength(2);
    expect(typeof json.rulRmse).toBe('number');
    expect(typeof json.sohRmse).toBe('number');
    expect(json.sohRmsePerCell[1]).toBeNull();
    expect(json.medianOfSamples.rulPredicted).toEqual([504, 504]);
    expect(json.rulSamples.intervals.map((i: { level: number }) => i.level)).toEqual([0.5, 0.8, 0.95]);
  });

  it('scores calibrated life intervals beside the uncalibrated ones when given a calibration', () => {
    // Samples 404 and 604 (lives 10 * step + 4); the references live 504 and 804.
    const input = {
      reference: [stepCurve(50), stepCurve(80)],
      generated: [
        [stepCurve(40), stepCurve(60)],
        [stepCurve(40), stepCurve(60)],
      ],
    };
    const lifeCalibration = {
      method: 'conformal-log-life' as const,
      margins: [{ level: 0.8, logMargin: Math.log(1.5) }],
      calibrationCells: 20,
    };
    const calibrated = scoreSohCurves(input, { lifeCalibration });
    expect(scoreSohCurves(input).rulSamplesCalibrated).toBeUndefined();
    const [interval] = calibrated.rulSamplesCalibrated!.intervals;
    // 80 % of [404, 604]: [424, 584]; times and over 1.5: [282.7, 876] holds 804, which 584 did not.
    expect(interval!.lower[0]).toBeCloseTo(424 / 1.5, 6);
    expect(interval!.upper[0]).toBeCloseTo(584 * 1.5, 6);
    expect(interval!.uncalibratedCoverage).toBe(0.5);
    expect(interval!.coverage).toBe(1);
    expect(calibrated.rulSamplesCalibrated!.calibrationCells).toBe(20);
    expect(formatScoreTable(calibrated)).toMatch(
      /^calibrated life intervals \(conformal, fitted on 20 other cells\): coverage 80 %: 100\.0 % \(uncalibrated 50\.0 %\)$/m,
    );
    expect(JSON.parse(scoreResultsToJson(calibrated)).rulSamplesCalibrated.intervals[0].coverage).toBe(1);
  });
});

describe('measuredCycleLife', () => {
  it('gives the life scoreSohCurves takes as the reference', () => {
    expect(measuredCycleLife(stepCurve(100), 'cell a')).toBe(1004);
    expect(measuredCycleLife(stepCurve(100), 'cell a', 70)).toBe(2560);
    const scores = scoreSohCurves({ reference: [stepCurve(100)], generated: [[stepCurve(50)]] });
    expect(scores.rulReference[0]).toBe(1004);
  });

  it('refuses a measured curve of the wrong length or with NaN, naming it', () => {
    expect(() => measuredCycleLife(new Float32Array(255), 'curve of cell b')).toThrow(
      'curve of cell b has 255 points, expected 256',
    );
    const holed = stepCurve(100);
    holed[7] = Number.NaN;
    expect(() => measuredCycleLife(holed, 'curve of cell c')).toThrow(
      'curve of cell c holds NaN or infinite values',
    );
  });
});
