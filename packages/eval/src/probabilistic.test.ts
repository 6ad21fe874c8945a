import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  centralInterval,
  crpsEnergy,
  quantileOfSorted,
  sortedFinite,
  summariseSamples,
} from './probabilistic.js';

describe('quantiles and intervals', () => {
  it('interpolate linearly between order statistics (NumPy default, hand-computed)', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileOfSorted(sorted, 0)).toBe(1);
    expect(quantileOfSorted(sorted, 0.25)).toBe(1.75);
    expect(quantileOfSorted(sorted, 0.5)).toBe(2.5);
    expect(quantileOfSorted(sorted, 1)).toBe(4);
    expect(centralInterval(sorted, 0.5)).toEqual([1.75, 3.25]);
    expect(centralInterval(sorted, 1)).toEqual([1, 4]);
  });

  it('of one sample are that sample; of none, NaN', () => {
    expect(centralInterval([7], 0.95)).toEqual([7, 7]);
    expect(quantileOfSorted([], 0.5)).toBeNaN();
  });

  it('reject levels outside [0, 1]', () => {
    expect(() => quantileOfSorted([1], 1.5)).toThrow(/quantile/);
    expect(() => centralInterval([1], -0.1)).toThrow(/interval level/);
  });

  it('sortedFinite drops NaN and infinities', () => {
    expect(Array.from(sortedFinite([3, Number.NaN, 1, Number.POSITIVE_INFINITY, 2]))).toEqual([1, 2, 3]);
  });
});

describe('crpsEnergy', () => {
  it('matches hand-computed values', () => {
    // mean|X - 2| = 1; pairs (1,3),(3,1) give sum 4 over 4 pairs, halved: 0.5.
    expect(crpsEnergy([1, 3], 2)).toBe(0.5);
    // mean|X - 1| = 4/3; sum over ordered pairs 12, / (2 * 9) = 2/3.
    expect(crpsEnergy([0, 0, 3], 1)).toBeCloseTo(2 / 3, 15);
  });

  it('of one sample is its absolute error, and 0 when it hits the truth', () => {
    expect(crpsEnergy([510], 500)).toBe(10);
    expect(crpsEnergy([500], 500)).toBe(0);
  });

  it('ignores NaN samples and is NaN without any finite sample', () => {
    expect(crpsEnergy([1, Number.NaN, 3], 2)).toBe(0.5);
    expect(crpsEnergy([Number.NaN], 2)).toBeNaN();
  });

  it('equals the O(m^2) definition', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3000 }),
        (samples, truth) => {
          const m = samples.length;
          const toTruth = samples.reduce((sum, x) => sum + Math.abs(x - truth), 0) / m;
          const spread = samples.reduce(
            (sum, x) => sum + samples.reduce((s, y) => s + Math.abs(x - y), 0),
            0,
          );
          expect(crpsEnergy(samples, truth)).toBeCloseTo(toTruth - spread / (2 * m * m), 6);
        },
      ),
    );
  });
});

describe('summariseSamples', () => {
  it('gives per-cell centres, intervals, coverage and CRPS (hand-computed)', () => {
    const summary = summariseSamples(
      [500, 1000],
      [
        [400, 500, 600],
        [1200, 1300, 1400],
      ],
      [0.5, 1],
    );
    expect(summary.mean).toEqual([500, 1300]);
    expect(summary.median).toEqual([500, 1300]);
    expect(summary.intervals[0]).toEqual({
      level: 0.5,
      lower: [450, 1250],
      upper: [550, 1350],
      coverage: 0.5,
    });
    expect(summary.intervals[1]!.coverage).toBe(0.5);
    // Cell 1: mean|X - 500| = 200/3, pair spread 800 / 18 -> 200/9; cell 2: 300 - 200/9.
    expect(summary.crpsPerCell[0]).toBeCloseTo(200 / 3 - 400 / 9, 10);
    expect(summary.crpsPerCell[1]).toBeCloseTo(300 - 400 / 9, 10);
    expect(summary.crps).toBeCloseTo((200 / 3 + 300 - 800 / 9) / 2, 10);
    expect(summary.cellsScored).toBe(2);
    expect(summary.nonFiniteSamples).toBe(0);
  });

  it('with one sample per cell, covers only exact hits and CRPS is the absolute error', () => {
    const summary = summariseSamples([500, 1000], [[500], [1100]], [0.8]);
    expect(summary.intervals[0]!.coverage).toBe(0.5);
    expect(summary.crpsPerCell).toEqual([0, 100]);
    expect(summary.mean).toEqual([500, 1100]);
  });

  it('leaves NaN samples out and cells without a finite sample out of the aggregates', () => {
    const summary = summariseSamples([500, 1000, 800], [[Number.NaN, 500, 700], [Number.NaN], [800]], [0.95]);
    expect(summary.nonFiniteSamples).toBe(2);
    expect(summary.cellsScored).toBe(2);
    expect(summary.mean[0]).toBe(600);
    expect(summary.mean[1]).toBeNaN();
    expect(summary.median[1]).toBeNaN();
    expect(summary.crpsPerCell[1]).toBeNaN();
    // Cell 1's 95 % interval is [505, 695], missing 500; cell 3's is [800, 800].
    expect(summary.intervals[0]!.coverage).toBe(0.5);
    expect(summary.crps).toBeCloseTo((100 - 50 + 0) / 2, 10);
  });

  it('rejects truths and samples for different numbers of cells', () => {
    expect(() => summariseSamples([1, 2], [[1]])).toThrow(/2 true values but samples for 1 cells/);
  });

  it('property: the [min, max] interval of samples that include the truth always covers it', () => {
    const cell = fc
      .array(fc.integer({ min: 1, max: 2560 }), { minLength: 1, maxLength: 20 })
      .chain((samples) => fc.record({ samples: fc.constant(samples), truth: fc.constantFrom(...samples) }));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 10 }), (cells) => {
        const summary = summariseSamples(
          cells.map((c) => c.truth),
          cells.map((c) => c.samples),
          [1],
        );
        expect(summary.intervals[0]!.coverage).toBe(1);
      }),
    );
  });

  it('property: a truth anywhere between the sample minimum and maximum is covered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 3000, noNaN: true }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (samples, at) => {
          const low = Math.min(...samples);
          const high = Math.max(...samples);
          const truth = Math.min(high, low + (high - low) * at);
          expect(summariseSamples([truth], [samples], [1]).intervals[0]!.coverage).toBe(1);
        },
      ),
    );
  });
});
