import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DiffBattError } from '@diffbatt/core';
import { isRunRecord, readJson } from './train.js';

/**
 * Which cells a saved network has seen. A fine-tuned network has also seen, through its weights, every cell
 * the network it started from trained on (and that one's starting network, and so on): a calibration or
 * validation cell among those was remembered before its own training began, so an error measured on it
 * understates the error on a new cell.
 */
export interface ModelLineage {
  /** The run record found for the model (`run.json` beside it, in its run folder or above its snapshots folder). */
  file: string;
  trainCellIds: string[];
  /** The networks it started from, nearest first, each with the training cells its run record lists. */
  ancestors: { modelDir: string; file: string; trainCellIds: string[] }[];
  /**
   * The first starting network whose cells are unknown (its folder, as recorded, holds no run record from
   * this directory), or null when the chain is known to its first network trained from scratch.
   */
  unknownAncestor: string | null;
}

/** More starting networks than any real chain has: a guard against a record that names itself. */
const MAX_ANCESTORS = 16;

/** The run record of the run that made `modelDir`, or null when none is found. */
async function runRecordOfModel(
  modelDir: string,
): Promise<{ file: string; trainCellIds: string[]; fromModelDir: string | null } | null> {
  const candidates = [join(modelDir, 'run.json'), join(modelDir, '..', 'run.json')];
  if (basename(dirname(resolve(modelDir))) === 'snapshots')
    candidates.push(join(modelDir, '..', '..', 'run.json'));
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const json = await readJson<unknown>(file, 'run record');
    if (!isRunRecord(json)) continue;
    const { trainCellIds, fromModelDir } = json as { trainCellIds?: unknown; fromModelDir?: unknown };
    if (!Array.isArray(trainCellIds) || !trainCellIds.every((id) => typeof id === 'string')) continue;
    return { file, trainCellIds, fromModelDir: typeof fromModelDir === 'string' ? fromModelDir : null };
  }
  return null;
}

/**
 * The lineage of a saved network from its run records: its own training cells and those of the networks it
 * was fine-tuned from (`fromModelDir`, resolved against the current directory as `diffbatt finetune
 * --from` was given it). Null when the model has no run record.
 */
export async function modelLineage(modelDir: string): Promise<ModelLineage | null> {
  const own = await runRecordOfModel(modelDir);
  if (own === null) return null;
  const ancestors: ModelLineage['ancestors'] = [];
  const lineage = (unknownAncestor: string | null): ModelLineage => ({
    file: own.file,
    trainCellIds: own.trainCellIds,
    ancestors,
    unknownAncestor,
  });
  for (let from = own.fromModelDir; from !== null; ) {
    if (ancestors.length === MAX_ANCESTORS) {
      throw new DiffBattError(
        `the run records name more than ${MAX_ANCESTORS} networks fine-tuned one from another (a loop?)`,
        { file: own.file },
      );
    }
    const record = await runRecordOfModel(from);
    if (record === null) return lineage(from);
    ancestors.push({ modelDir: from, file: record.file, trainCellIds: record.trainCellIds });
    from = record.fromModelDir;
  }
  return lineage(null);
}

/**
 * Of `cellIds`, those a starting network of `lineage` trained on, with the nearest ancestor that did: cells
 * the network itself never trained on but has seen.
 */
export function cellsSeenByAncestors(
  lineage: ModelLineage,
  cellIds: readonly string[],
): { cellId: string; modelDir: string }[] {
  return cellIds.flatMap((cellId) => {
    const ancestor = lineage.ancestors.find((a) => a.trainCellIds.includes(cellId));
    return ancestor === undefined ? [] : [{ cellId, modelDir: ancestor.modelDir }];
  });
}
