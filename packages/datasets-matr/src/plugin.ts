import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Cell, DatasetError, type DatasetPlugin, type LoadOptions } from '@diffbatt/core';
import { arbinFilesIn, arbinMetadataPath, isArbinCsv, readArbinCell } from './arbin.js';
import { isHdf5File, readMatrBatch } from './batch-mat.js';
import { MATR_SOURCE } from './matr-cell.js';
import { exists, isSeversonSplit, readSeversonSplit } from './severson.js';

type Input =
  | { kind: 'severson'; directories: string[] }
  | { kind: 'arbin'; files: string[] }
  | { kind: 'batch'; files: string[] }
  | { kind: 'unknown' };

/**
 * Which of the three MATR forms `path` is; cheap (names, first bytes). `strict` (detect) claims only
 * inputs that look right; otherwise a named .csv is read as Arbin so that a damaged one gets a precise error.
 */
async function classify(path: string, strict: boolean): Promise<Input> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    return { kind: 'unknown' };
  }
  if (!isDirectory) {
    // Loading (not detecting) a .mat lets the HDF5 reader say what is wrong with it.
    if (/\.mat$/i.test(path) && (!strict || (await isHdf5File(path))))
      return { kind: 'batch', files: [path] };
    if (await isArbinCsv(path)) return { kind: 'arbin', files: [path] };
    if (!strict && /^cell\d+\.csv$/i.test(basename(path))) {
      throw new DatasetError('a Severson Qdlin file: pass its split directory (e.g. data/test1) instead', {
        file: path,
      });
    }
    if (!strict && /\.csv$/i.test(path) && !/_Metadata\.csv$/i.test(path))
      return { kind: 'arbin', files: [path] };
    return { kind: 'unknown' };
  }
  if (await isSeversonSplit(path)) return { kind: 'severson', directories: [path] };
  // Severson's `data/` folder: train/, test1/, test2/ beside cycle_lives/.
  const children = (await readdir(path)).sort().map((name) => join(path, name));
  const splits = (
    await Promise.all(children.map(async (child) => ((await isSeversonSplit(child)) ? child : null)))
  ).filter((child): child is string => child !== null);
  if (splits.length > 0) return { kind: 'severson', directories: splits };
  const arbin = await arbinFilesIn(path);
  if (arbin.length > 0) return { kind: 'arbin', files: arbin };
  // MATR's batch files downloaded into one folder (2017-05-12_batchdata_..., 2017-06-30_..., 2018-04-12_...).
  const batches = await batchFilesIn(path, strict);
  if (batches.length > 0) return { kind: 'batch', files: batches };
  // Loading a folder whose CSVs sit beside their _Metadata.csv reads them as Arbin exports, so that a
  // damaged one gets its precise error.
  if (!strict) {
    const paired = await metadataPairsIn(path);
    if (paired.length > 0) return { kind: 'arbin', files: paired };
  }
  return { kind: 'unknown' };
}

/** An Arbin CSV named as MATR names its exports: beside its `<name>_Metadata.csv`. */
const isMetadataPaired = async (file: string) =>
  /\.csv$/i.test(file) && !/_Metadata\.csv$/i.test(file) && (await exists(arbinMetadataPath(file)));

/** A file named as MATR names its batch downloads (2017-05-12_batchdata_updated_struct_errorcorrect.mat). */
const isBatchName = (file: string) => /batchdata.*\.mat$/i.test(basename(file));

/**
 * The batch .mat files of a folder, in name order. Detection wants MATR's batch names and HDF5 content (other
 * datasets keep v7.3 .mat files in folders too, e.g. RWTH's metadata.mat); loading takes every batch name, so
 * that a damaged one gets its precise error, and any HDF5 .mat.
 */
async function batchFilesIn(directory: string, strict: boolean): Promise<string[]> {
  const files = (await readdir(directory)).sort().map((name) => join(directory, name));
  const flags = await Promise.all(
    files.map(async (file) => {
      if (!/\.mat$/i.test(file) || !(await stat(file)).isFile()) return false;
      if (isBatchName(file)) return !strict || (await isHdf5File(file));
      return !strict && (await isHdf5File(file));
    }),
  );
  return files.filter((_, i) => flags[i]);
}

/** The CSVs of a folder that sit beside their `_Metadata.csv`, in name order. */
async function metadataPairsIn(directory: string): Promise<string[]> {
  const files = (await readdir(directory)).sort().map((name) => join(directory, name));
  const flags = await Promise.all(files.map(isMetadataPaired));
  return files.filter((_, i) => flags[i]);
}

async function* cells(input: Input, path: string, options: LoadOptions): AsyncGenerator<Cell> {
  switch (input.kind) {
    case 'severson':
      for (const directory of input.directories) yield* readSeversonSplit(directory, options);
      return;
    case 'arbin':
      for (const [done, file] of input.files.entries()) {
        options.signal?.throwIfAborted();
        yield await readArbinCell(file, options);
        options.onProgress?.({ file, done: done + 1, total: input.files.length, unit: 'files' });
      }
      return;
    case 'batch':
      for (const file of input.files) yield* readMatrBatch(file, options);
      return;
    default:
      throw new DatasetError(`not a MATR input: expected ${matrDatasetPlugin.recognises}`, { file: path });
  }
}

/** MATR (Severson et al. 2019) and CLO cells in the forms users have them. */
export const matrDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: MATR_SOURCE,
  description:
    'MATR/CLO A123 LFP cells (Severson 2019): Qdlin CSVs + cycle lives, raw Arbin CSVs, batch .mat files',
  recognises:
    'a Severson split directory (cellN.csv Qdlin files, ../cycle_lives/<split>_cycle_lives.csv) or its data/ folder, ' +
    'a raw Arbin CSV export (with <name>_Metadata.csv) or a folder of them, or a MATR batch .mat (v7.3/HDF5) or a folder of them',
  async detect(path) {
    return (await classify(path, true)).kind !== 'unknown';
  },
  async claims(path) {
    // A MATR batch file (2017-05-12_batchdata_updated_struct_errorcorrect.mat), or an Arbin CSV beside
    // its <name>_Metadata.csv (or a folder of either): names only MATR downloads use.
    if (isBatchName(path)) return true;
    try {
      if ((await stat(path)).isDirectory()) {
        const names = await readdir(path);
        return names.some(isBatchName) || (await metadataPairsIn(path)).length > 0;
      }
    } catch {
      return false;
    }
    return isMetadataPaired(path);
  },
  async *load(path, options = {}) {
    for await (const cell of cells(await classify(path, false), path, options)) yield { kind: 'cell', cell };
  },
};

/** All cells of a MATR input, read with the plugin (convenience for scripts and tests). */
export async function loadMatrCells(path: string, options: LoadOptions = {}): Promise<Cell[]> {
  const loaded: Cell[] = [];
  for await (const record of matrDatasetPlugin.load(path, options))
    if (record.kind === 'cell') loaded.push(record.cell);
  return loaded;
}
