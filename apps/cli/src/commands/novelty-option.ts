import { type DatasetRegistry, DiffBattError } from '@diffbatt/core';
import {
  type ConditionNovelty,
  type ConditionNoveltyReference,
  conditionNoveltyReference,
  isUnlikeReference,
  NOVELTY_WARNING_SHARE,
} from '@diffbatt/eval';
import type { Command } from 'commander';
import { loadSamples, requireCapacityMatrices } from '../flows/data.js';
import { terminal } from '../terminal.js';

/** `--novelty-reference` of predict and test: the model's training cells, to mark cells unlike them. */
export function addNoveltyOption(command: Command): Command {
  return command.option(
    '--novelty-reference <data>',
    "the model's training cells (a dataset file or a path a plugin reads): say how unlike them each cell is",
  );
}

/** arktype field of `addNoveltyOption`. */
export const noveltyOptionField = { 'noveltyReference?': 'string > 0' } as const;

/** The `--novelty-reference` cells (read as `--data` is, detecting their format), or undefined without one. */
export async function noveltyReferenceOption(
  registry: DatasetRegistry,
  path: string | undefined,
  modelRows: number,
): Promise<ConditionNoveltyReference | undefined> {
  if (path === undefined) return undefined;
  const onWarning = (message: string) => terminal.info(`warning: ${message}`);
  const cells = requireCapacityMatrices(
    await loadSamples(registry, path, { onWarning }),
    path,
    modelRows,
    onWarning,
  );
  try {
    return conditionNoveltyReference(
      cells.map((cell) => ({ cellId: cell.cellId, capacityMatrix: cell.capacityMatrix as Float32Array })),
    );
  } catch (error) {
    // The library refuses too few distinct matrices (or bad values): a user mistake, named by its file.
    if (error instanceof RangeError) throw new DiffBattError(error.message, { file: path });
    throw error;
  }
}

/** A table cell: the reference share, marked `(!)` when the cell is unlike the reference cells. */
export const noveltyText = (novelty: ConditionNovelty) =>
  `${(novelty.referenceShare * 100).toFixed(0)} %${isUnlikeReference(novelty) ? ' (!)' : ''}`;

/** What the column means and how many cells it marks, for the terminal. */
export function describeNovelty(
  path: string,
  reference: ConditionNoveltyReference,
  novelty: ConditionNovelty[],
) {
  const unlike = novelty.filter(isUnlikeReference).length;
  return `unlike training cells: the share of the ${reference.cells.length} distinct training cells of ${path} (cells sharing a capacity matrix count once) that lie nearer to their own nearest neighbour than the cell lies to its nearest one (capacity-matrix distance); (!) at ${NOVELTY_WARNING_SHARE * 100} % or more, which about 1 in 10 cells like them reach: ${unlike} of ${novelty.length} cell(s). Such a prediction rests on no nearby training cell, and its interval does not widen for it.`;
}

/** The run-level JSON field naming the reference. */
export const noveltyJsonField = (path: string, reference: ConditionNoveltyReference) => ({
  noveltyReference: {
    data: path,
    distinctCells: reference.cells.length,
    warningShare: NOVELTY_WARNING_SHARE,
  },
});
