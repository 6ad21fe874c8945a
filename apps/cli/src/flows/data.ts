import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertValidSample,
  type CapacityMatrixRows,
  DATASET_FILE_EXTENSION,
  type DatasetRegistry,
  DiffBattError,
  featuriseCell,
  type LoadProgress,
  type ModelSample,
  readDatasetFile,
} from '@diffbatt/core';

export interface LoadedSamples {
  /** Plugin id, or 'dbds' for the project's own dataset file. */
  source: string;
  samples: ModelSample[];
  /** How many of the samples the featuriser built from raw cells (the rest came ready-made). */
  featurisedCells: number;
}

export interface LoadSamplesOptions {
  pluginId?: string;
  /** Capacity-matrix rows the featuriser builds for raw cells (default 100). */
  rows?: CapacityMatrixRows;
  onWarning?: (message: string) => void;
  onProgress?: (progress: LoadProgress) => void;
}

/**
 * The project's dataset files that `path` names: itself if it is one, every file of a folder that holds only
 * dataset files (hidden files aside; name order), else null (a path for the dataset plugins).
 */
export async function datasetFilesAt(path: string): Promise<string[] | null> {
  if (path.endsWith(DATASET_FILE_EXTENSION)) return [path];
  const isFolder = await stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isFolder) return null;
  const names = (await readdir(path)).filter((name) => !name.startsWith('.')).sort();
  if (names.length === 0 || !names.every((name) => name.endsWith(DATASET_FILE_EXTENSION))) return null;
  return names.map((name) => join(path, name));
}

/**
 * Model-ready samples from any input a user may give: the project's dataset file, or a path a dataset
 * plugin recognises (cells are featurised on the way). Every sample is validated, so NaN or a malformed
 * curve stops here with the cell named, not inside the network.
 */
export async function loadSamples(
  registry: DatasetRegistry,
  path: string,
  options: LoadSamplesOptions = {},
): Promise<LoadedSamples> {
  let loaded: LoadedSamples;
  const datasetFiles = options.pluginId === undefined ? await datasetFilesAt(path) : null;
  if (datasetFiles !== null) {
    const samples: ModelSample[] = [];
    for (const file of datasetFiles) samples.push(...(await readDatasetFile(file)).samples);
    loaded = { source: 'dbds', samples, featurisedCells: 0 };
  } else {
    const plugin = await registry.resolve(path, options.pluginId);
    const samples: ModelSample[] = [];
    let featurisedCells = 0;
    const loadOptions = {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    };
    const featuriseOptions = {
      ...(options.rows === undefined ? {} : { rows: options.rows }),
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    };
    for await (const record of plugin.load(path, loadOptions)) {
      if (record.kind === 'sample') {
        samples.push(record.sample);
      } else {
        samples.push(featuriseCell(record.cell, featuriseOptions));
        featurisedCells++;
      }
    }
    loaded = { source: plugin.id, samples, featurisedCells };
  }
  if (loaded.samples.length === 0) throw new DiffBattError('holds no cells', { file: path });
  const seen = new Map<string, number>();
  for (const [index, sample] of loaded.samples.entries()) {
    assertValidSample(sample, `${path}: cell ${sample.cellId}`);
    // Cells are selected (--cells), paired with generated curves and reported by id: one id, one cell.
    const first = seen.get(sample.cellId);
    if (first !== undefined) {
      throw new DiffBattError(
        `cell id "${sample.cellId}" appears twice (cells ${first + 1} and ${index + 1})`,
        {
          file: path,
        },
      );
    }
    seen.set(sample.cellId, index);
  }
  return loaded;
}

/** The samples that can condition the model; a clear error when none can, or rows disagree with the model. */
export function requireCapacityMatrices(
  loaded: LoadedSamples,
  path: string,
  expectedRows: number | undefined,
  onWarning?: (message: string) => void,
): ModelSample[] {
  const usable = loaded.samples.filter((s) => s.capacityMatrix !== null);
  if (usable.length === 0) {
    throw new DiffBattError(
      'no cell has a capacity matrix (Q(V) data), which the model needs as its condition',
      {
        file: path,
      },
    );
  }
  if (usable.length < loaded.samples.length) {
    onWarning?.(`${loaded.samples.length - usable.length} cell(s) without a capacity matrix left out`);
  }
  const rows = new Set(usable.map((s) => s.capacityMatrixRows));
  if (rows.size > 1)
    throw new DiffBattError(`cells mix capacity matrices of ${[...rows].join(' and ')} rows`, { file: path });
  const [dataRows] = rows;
  if (expectedRows !== undefined && dataRows !== expectedRows) {
    throw new DiffBattError(
      `capacity matrices have ${dataRows} rows but the model expects ${expectedRows}x100 (use a model trained on ${dataRows}-cycle data)`,
      { file: path },
    );
  }
  return usable;
}

/** The cells named in a comma-separated id list (`--cells`), in the list's order; an unknown id is an error. */
export function pickCells(cells: ModelSample[], idList: string, data: string): ModelSample[] {
  const byId = new Map(cells.map((c) => [c.cellId, c]));
  return idList.split(',').map((id) => {
    const cell = byId.get(id.trim());
    if (!cell) throw new DiffBattError(`--cells: no cell "${id.trim()}" in this data`, { file: data });
    return cell;
  });
}
