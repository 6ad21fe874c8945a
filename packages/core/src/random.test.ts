import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('resumes exactly from a saved state, including a pending normal deviate', () => {
    const random = new SeededRandom(7);
    random.normal();
    const state = JSON.parse(JSON.stringify(random.getState()));
    const expected = [random.normal(), random.uniform(), random.normal()];
    const resumed = SeededRandom.fromState(state);
    expect([resumed.normal(), resumed.uniform(), resumed.normal()]).toEqual(expected);
  });

  it('draws uniforms in [0,1) and normals with mean 0 and variance 1', () => {
    const random = new SeededRandom(1);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = random.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const z = random.normal();
      sum += z;
      sumSq += z * z;
    }
    // 5 standard errors: mean SE = 1/sqrt(n), variance SE = sqrt(2/n).
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('shuffles into a permutation without touching the input', () => {
    const items = [1, 2, 3, 4, 5, 6];
    const shuffled = new SeededRandom(3).shuffled(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...shuffled].sort()).toEqual(items);
  });
});
