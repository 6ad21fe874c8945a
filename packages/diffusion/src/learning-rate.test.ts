import { describe, expect, it } from 'vitest';
import { learningRateAt } from './learning-rate.js';

describe('learningRateAt', () => {
  const cosine = { peak: 2e-3, warmupSteps: 10, decay: 'cosine', totalSteps: 110 } as const;

  it('warms up linearly to the peak', () => {
    expect(learningRateAt(cosine, 1)).toBeCloseTo(2e-4, 12);
    expect(learningRateAt(cosine, 5)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(cosine, 10)).toBeCloseTo(2e-3, 12);
  });

  it('decays along a half cosine to the floor at the budget and stays there', () => {
    expect(learningRateAt(cosine, 60)).toBeCloseTo(1e-3, 12); // half way: half the peak
    expect(learningRateAt(cosine, 110)).toBeCloseTo(0, 12);
    expect(learningRateAt({ ...cosine, finalFraction: 0.1 }, 110)).toBeCloseTo(2e-4, 12);
    expect(learningRateAt({ ...cosine, finalFraction: 0.1 }, 500)).toBeCloseTo(2e-4, 12);
    const rates = Array.from({ length: 100 }, (_, i) => learningRateAt(cosine, 11 + i));
    expect(rates.every((rate, i) => i === 0 || rate < rates[i - 1]!)).toBe(true);
  });

  it('is the constant peak without warm-up or decay, and refuses step 0', () => {
    const constant = { peak: 1e-3, warmupSteps: 0, decay: 'constant', totalSteps: 5 } as const;
    expect([1, 5, 50].map((step) => learningRateAt(constant, step))).toEqual([1e-3, 1e-3, 1e-3]);
    expect(() => learningRateAt(constant, 0)).toThrow('>= 1');
  });
});
