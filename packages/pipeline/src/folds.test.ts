import { syntheticSamples } from '@diffbatt/core/testing';
import { measuredCycleLife } from '@diffbatt/eval';
import { describe, expect, it } from 'vitest';
import { lifeStratifiedFolds } from './folds.js';

// SYNTHETIC cells with distinct lives: the folds' mechanics, not any dataset's.
const cells = syntheticSamples(11, 3);
const lifeOf = new Map(cells.map((c) => [c.cellId, measuredCycleLife(c.sohCurve, c.cellId)]));

describe('lifeStratifiedFolds', () => {
  it('deals the cells in life order round the folds: a partition in which every fold spans the lives', () => {
    const folds = lifeStratifiedFolds(cells, 4);
    expect(folds.map((f) => f.cellIds.length)).toEqual([3, 3, 3, 2]);
    expect(folds.flatMap((f) => f.cellIds).sort()).toEqual(cells.map((c) => c.cellId).sort());
    const ranked = [...cells].sort(
      (a, b) => lifeOf.get(a.cellId)! - lifeOf.get(b.cellId)! || a.cellId.localeCompare(b.cellId),
    );
    for (const [fold, { cellIds, lives }] of folds.entries()) {
      expect(cellIds).toEqual(ranked.filter((_, rank) => rank % 4 === fold).map((c) => c.cellId));
      expect(lives).toEqual(cellIds.map((id) => lifeOf.get(id)));
    }
    // The shortest and the longest life are in different folds than their neighbours in rank.
    expect(folds[0]!.cellIds[0]).toBe(ranked[0]!.cellId);
    expect(folds[1]!.cellIds[0]).toBe(ranked[1]!.cellId);
  });

  it('does not depend on the order the cells come in', () => {
    expect(lifeStratifiedFolds([...cells].reverse(), 3)).toEqual(lifeStratifiedFolds(cells, 3));
  });

  it('refuses fewer than 2 folds, more folds than cells and a repeated cell id', () => {
    expect(() => lifeStratifiedFolds(cells, 1)).toThrow(/from 2 to the cell count \(11\), got 1/);
    expect(() => lifeStratifiedFolds(cells, 12)).toThrow(/got 12/);
    expect(() => lifeStratifiedFolds(cells, 2.5)).toThrow(/whole number/);
    expect(() => lifeStratifiedFolds([...cells, cells[0]!], 2)).toThrow(/"synthetic-1" appears twice/);
  });
});
