import { DiffBattError } from '@diffbatt/core';
import { DEFAULT_EOL_SOH, measuredCycleLife } from '@diffbatt/eval';
import type { HeldOutCell } from './calibrate.js';

/** A fold of `lifeStratifiedFolds`: its cells and their measured lives, in life order. */
export interface LifeFold {
  cellIds: string[];
  lives: number[];
}

/**
 * Cross-validation folds that each span the cells' lives: cells sorted by measured cycle life (the
 * scorer's rule at `eolSoh`; ties by id), rank r into fold r mod `folds`. Deterministic, so a fold list can
 * be fixed in a protocol before any network is trained. For `crossValidatedLifeCalibration`, whose
 * pooled margins assume every fold looks like the whole.
 */
export function lifeStratifiedFolds(
  cells: readonly Pick<HeldOutCell, 'cellId' | 'sohCurve'>[],
  folds: number,
  eolSoh = DEFAULT_EOL_SOH,
): LifeFold[] {
  if (!Number.isInteger(folds) || folds < 2 || folds > cells.length) {
    throw new DiffBattError(
      `cross-validation folds must be a whole number from 2 to the cell count (${cells.length}), got ${folds}`,
      { field: 'folds' },
    );
  }
  const ids = new Set<string>();
  for (const { cellId } of cells) {
    if (ids.has(cellId)) throw new DiffBattError(`cell id "${cellId}" appears twice`, { field: 'cells' });
    ids.add(cellId);
  }
  const byLife = cells
    .map((cell) => ({
      cellId: cell.cellId,
      life: measuredCycleLife(cell.sohCurve, `measured SOH curve of ${cell.cellId}`, eolSoh),
    }))
    .sort((a, b) => a.life - b.life || a.cellId.localeCompare(b.cellId));
  return Array.from({ length: folds }, (_, fold) => {
    const members = byLife.filter((_, rank) => rank % folds === fold);
    return { cellIds: members.map((m) => m.cellId), lives: members.map((m) => m.life) };
  });
}
