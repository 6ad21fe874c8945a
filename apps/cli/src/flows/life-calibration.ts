import type { SamplerConfig } from '@diffbatt/diffusion';
import { type LifeIntervalCalibration, parseLifeIntervalCalibration } from '@diffbatt/eval';
import { cellsSeenByAncestors, type ModelLineage, modelLineage } from '@diffbatt/pipeline';
import { readJsonFile } from '../json-file.js';
import { OptionError } from '../options.js';

/**
 * A calibration written by `diffbatt calibrate` (a bad file is one line naming it and the field), with a
 * warning for each setting of `run` that differs from the sampling it was fitted with.
 */
export async function readLifeCalibration(
  file: string,
  run: CalibratedSampling,
  onWarning: (message: string) => void,
): Promise<LifeIntervalCalibration> {
  const calibration = parseLifeIntervalCalibration(await readJsonFile(file), file);
  for (const mismatch of calibrationMismatches(calibration, run)) {
    onWarning(`${file} was fitted with ${mismatch}; its margins may not hold`);
  }
  return calibration;
}

/** What a sampling run draws with, as `calibrateLifeIntervals` records it in a calibration's provenance. */
export interface CalibratedSampling {
  sampler: SamplerConfig;
  samplesPerCell: number;
  guidanceWeight: number;
  /** Curves projected onto never-rising ones (`--monotone`); absent from calibrations fitted before it. */
  monotone: boolean;
  /** Whittaker smoothing penalty (`--smooth`, 0 = off); calibrations fitted before it had none. */
  smoothing: number;
  eolSoh: number;
  /** Networks whose curves were pooled (`--ensemble`: 1 + its count); calibrations before it had one. */
  networks: number;
}

/**
 * The settings in which this run differs from the one the calibration was fitted with, one phrase each:
 * the margins were fitted for that sampling and may not hold for another.
 */
export function calibrationMismatches(
  calibration: LifeIntervalCalibration,
  run: CalibratedSampling,
): string[] {
  // Calibrations fitted before an option existed were fitted without it: one network, no smoothing.
  const fitted: Record<string, unknown> = { networks: 1, smoothing: 0, ...calibration.provenance };
  return Object.entries(run).flatMap(([key, value]) => {
    if (!(key in fitted)) return [];
    const [was, now] = [JSON.stringify(fitted[key]), JSON.stringify(value)];
    return was === now ? [] : [`${key} ${was} (this run: ${now})`];
  });
}

/**
 * What a calibration must say of a network's lineage: the cells it calibrates on that a network it was
 * fine-tuned from trained on (it has seen them, so margins fitted on them are too narrow for new cells), and
 * a starting network whose cells are unknown. One line each; none when the lineage is clean.
 */
export function lineageWarnings(
  network: string,
  lineage: ModelLineage,
  cellIds: readonly string[],
): { seen: number; warnings: string[] } {
  const seen = cellsSeenByAncestors(lineage, cellIds);
  const warnings: string[] = [];
  if (seen.length > 0) {
    const by = [...new Set(seen.map((s) => s.modelDir))].join(', ');
    warnings.push(
      `${seen.length} of the ${cellIds.length} cells ${network} is calibrated on were training cells of ${by}, ` +
        'which it was fine-tuned from: it has seen them, so margins fitted on them understate its error on new ' +
        'cells (calibrate with networks fine-tuned from one that never saw these cells)',
    );
  }
  if (lineage.unknownAncestor !== null) {
    warnings.push(
      `${network} was fine-tuned from ${lineage.unknownAncestor}, which has no run record here: ` +
        'whether that network saw the calibration cells is unknown',
    );
  }
  return { seen: seen.length, warnings };
}

/**
 * The lineage (`modelLineage`: run record, training cells, starting networks) of each of `modelDirs` that has
 * a run record, and the union of their training cells (undefined: none found).
 */
export async function trainingCellsOfModels(modelDirs: readonly string[]) {
  const found = await Promise.all(
    modelDirs.map(async (dir) => {
      const lineage = await modelLineage(dir);
      return lineage === null ? null : { dir, lineage };
    }),
  );
  const records = found.filter((r) => r !== null);
  return {
    records,
    ids: records.length === 0 ? undefined : [...new Set(records.flatMap((r) => r.lineage.trainCellIds))],
  };
}

/** A fold network of a cross-validated calibration and its lineage: the training cells its run record lists. */
export interface FoldNetwork {
  dir: string;
  lineage: ModelLineage;
}

/**
 * Shares `cells` out between fold networks: each network's fold is the cells it never trained on. Refuses
 * a cell held out by two networks (the folds of one split never overlap) and a network that holds out
 * none; `unused` are the cells every network trained on, which no fold can score.
 */
export function foldsOfCells<Cell extends { cellId: string }>(
  cells: readonly Cell[],
  networks: readonly FoldNetwork[],
): { folds: Cell[][]; unused: string[] } {
  const training = networks.map((network) => new Set(network.lineage.trainCellIds));
  const folds: Cell[][] = networks.map(() => []);
  const unused: string[] = [];
  for (const cell of cells) {
    const holders = networks.flatMap((_, index) => (training[index]!.has(cell.cellId) ? [] : [index]));
    if (holders.length > 1) {
      const [first, second] = holders.map((index) => networks[index]!.dir);
      throw new OptionError(
        `cell ${cell.cellId} is held out by both ${first} and ${second} (neither run record lists it as a ` +
          'training cell): fold networks must each be trained without one fold of a split into disjoint folds',
      );
    }
    if (holders.length === 0) unused.push(cell.cellId);
    else folds[holders[0]!]!.push(cell);
  }
  for (const [index, fold] of folds.entries()) {
    if (fold.length === 0) {
      throw new OptionError(
        `fold network ${networks[index]!.dir} trained on every cell of the calibration data: it holds out no fold`,
      );
    }
  }
  return { folds, unused };
}
