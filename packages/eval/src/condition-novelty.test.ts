import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import {
  conditionNovelty,
  conditionNoveltyReference,
  isUnlikeReference,
  NOVELTY_WARNING_SHARE,
  type NoveltyReferenceCell,
} from './condition-novelty.js';

/** SYNTHETIC cells: 2x3 "capacity matrices" of standard normal values around `centre`. */
function cells(random: SeededRandom, count: number, centre = 0, prefix = 'cell'): NoveltyReferenceCell[] {
  return Array.from({ length: count }, (_, i) => ({
    cellId: `${prefix}/${i}`,
    capacityMatrix: Float32Array.from({ length: 6 }, () => centre + random.normal()),
  }));
}

describe('conditionNoveltyReference', () => {
  it('keeps each cell’s distance to its nearest other cell, sorted', () => {
    const at = (cellId: string, x: number) => ({ cellId, capacityMatrix: Float32Array.of(x, 0) });
    const reference = conditionNoveltyReference([at('a', 0), at('b', 1), at('c', 3), at('d', 7)]);
    // a-b 1, b-a 1, c-b 2, d-c 4.
    expect(Array.from(reference.nearestDistances)).toEqual([1, 1, 2, 4]);
  });

  it('counts a matrix that several cells share once, under its first cell', () => {
    const at = (cellId: string, x: number) => ({ cellId, capacityMatrix: Float32Array.of(x, 0) });
    const reference = conditionNoveltyReference([
      at('a', 0),
      at('b', 1),
      at('b-copy', 1),
      at('c', 3),
      at('d', 7),
    ]);
    expect(reference.cells.map((cell) => cell.cellId)).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(reference.nearestDistances)).toEqual([1, 1, 2, 4]);
    expect(conditionNovelty(reference, Float32Array.of(1, 0)).nearestCellId).toBe('b');
  });

  it('refuses fewer than two cells, mixed sizes and non-finite values, naming the cell', () => {
    const one = { cellId: 'x', capacityMatrix: Float32Array.of(1, 2) };
    expect(() => conditionNoveltyReference([one])).toThrow(
      /at least 2 cells with distinct capacity matrices, got 1 \(of 1 cells\)/,
    );
    expect(() => conditionNoveltyReference([one, { ...one, cellId: 'copy' }])).toThrow(
      /got 1 \(of 2 cells\)/,
    );
    expect(() =>
      conditionNoveltyReference([one, { cellId: 'y', capacityMatrix: Float32Array.of(1) }]),
    ).toThrow(/cell y's capacity matrix has 1 values, the reference cells' matrices 2/);
    expect(() =>
      conditionNoveltyReference([one, { cellId: 'z', capacityMatrix: Float32Array.of(1, Number.NaN) }]),
    ).toThrow(/cell z's capacity matrix has non-finite values/);
  });
});

describe('conditionNovelty', () => {
  const at = (cellId: string, x: number) => ({ cellId, capacityMatrix: Float32Array.of(x, 0) });
  const reference = conditionNoveltyReference([at('a', 0), at('b', 1), at('c', 3), at('d', 7)]);

  it('names the nearest reference cell and the share of reference cells nearer to their own neighbour', () => {
    expect(conditionNovelty(reference, Float32Array.of(3, 0))).toEqual({
      nearestDistance: 0,
      nearestCellId: 'c',
      referenceShare: 0,
    });
    // 1.5 from b: only the two cells at distance 1 lie nearer to their neighbour.
    expect(conditionNovelty(reference, Float32Array.of(-1.5, 0))).toMatchObject({
      nearestCellId: 'a',
      referenceShare: 0.5,
    });
    // 2 from d: a tie with c's own distance does not count.
    expect(conditionNovelty(reference, Float32Array.of(9, 0)).referenceShare).toBe(0.5);
    expect(conditionNovelty(reference, Float32Array.of(20, 0))).toMatchObject({
      nearestDistance: 13,
      nearestCellId: 'd',
      referenceShare: 1,
    });
  });

  it('refuses a matrix of another size or with non-finite values', () => {
    expect(() => conditionNovelty(reference, Float32Array.of(1, 2, 3))).toThrow(
      /has 3 values, the reference cells' matrices 2/,
    );
    expect(() => conditionNovelty(reference, Float32Array.of(Number.POSITIVE_INFINITY, 0))).toThrow(
      /non-finite/,
    );
  });

  it('counts a cell as unlike the reference cells from a share of NOVELTY_WARNING_SHARE on', () => {
    const at = (referenceShare: number) => ({ nearestDistance: 1, nearestCellId: 'a', referenceShare });
    expect(NOVELTY_WARNING_SHARE).toBe(0.9);
    expect([0, 0.89, 0.9, 1].map((share) => isUnlikeReference(at(share)))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('flags about 1 in 10 cells drawn like the reference cells, and nearly all of a shifted set', () => {
    const random = new SeededRandom(7);
    const fitted = conditionNoveltyReference(cells(random, 100));
    const flagged = (set: NoveltyReferenceCell[]) =>
      set.filter(
        (cell) => conditionNovelty(fitted, cell.capacityMatrix).referenceShare >= NOVELTY_WARNING_SHARE,
      ).length / set.length;
    const alike = flagged(cells(random, 1000, 0, 'alike'));
    expect(alike).toBeGreaterThan(0.05);
    expect(alike).toBeLessThan(0.16);
    expect(flagged(cells(random, 100, 3, 'shifted'))).toBeGreaterThan(0.9);
  });
});
