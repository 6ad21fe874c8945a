import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  DATASET_FILE_EXTENSION,
  DatasetError,
  type ModelSample,
  type NpyArray,
  parseNpy,
  readDatasetFile,
  SOH_CURVE_LENGTH,
} from '@diffbatt/core';
import { type ScoreOptions, type ScoreResults, scoreSohCurves } from './score.js';

/** Encoded SOH curves read from one file; dataset files also name each curve's cell. */
export interface CurveSet {
  /** Where the curves came from, for messages. */
  file: string;
  curves: ArrayLike<number>[];
  /** Per curve, its cell id (dataset files only). */
  cellIds: string[] | null;
  /** Per curve, the reference cell it was generated for: `provenance.sourceCellId`, else its cell id. */
  sourceCellIds: string[] | null;
  /** Per curve, whether a model generated it (dataset files only; .npy files carry no flag). */
  synthetic: boolean[] | null;
}

/** The curves of a dataset file's samples, with their cell ids, source cells and synthetic flags. */
export function curveSetOfSamples(samples: readonly ModelSample[], file: string): CurveSet {
  if (samples.length === 0) throw new DatasetError('the dataset file holds no samples', { file });
  return {
    file,
    curves: samples.map((sample) => sample.sohCurve),
    cellIds: samples.map((sample) => sample.cellId),
    sourceCellIds: samples.map(({ cellId, provenance }) => {
      const source = provenance?.['sourceCellId'];
      return typeof source === 'string' ? source : cellId;
    }),
    synthetic: samples.map((sample) => sample.synthetic),
  };
}

/** The curves of a NumPy `[N, 256]` or `[N, 256, 1]` float array (values `2 * SOH - 1`), checked finite. */
export function curveSetOfNpy(array: NpyArray, file: string): CurveSet {
  const [cells, length, channels = 1, ...rest] = array.shape;
  if (cells === undefined || cells < 1 || length !== SOH_CURVE_LENGTH || channels !== 1 || rest.length > 0) {
    throw new DatasetError(
      `expected an array of shape [N, ${SOH_CURVE_LENGTH}] or [N, ${SOH_CURVE_LENGTH}, 1] with N >= 1, got [${array.shape.join(', ')}]`,
      { file },
    );
  }
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new DatasetError(`expected float32 or float64 curves, got ${array.dtype}`, { file });
  }
  const bad = array.data.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new DatasetError(
      `non-finite value ${array.data[bad]} in curve ${Math.floor(bad / length) + 1}, point ${(bad % length) + 1}`,
      { file },
    );
  }
  const curves = Array.from({ length: cells }, (_, cell) =>
    array.data.subarray(cell * length, (cell + 1) * length),
  );
  return { file, curves, cellIds: null, sourceCellIds: null, synthetic: null };
}

/** The curves of a `.npy` array or a dataset file (`.dbds`); anything wrong is one line naming the file. */
export async function readCurveSet(file: string): Promise<CurveSet> {
  const extension = extname(file).toLowerCase();
  if (extension === DATASET_FILE_EXTENSION) {
    return curveSetOfSamples((await readDatasetFile(file)).samples, file);
  }
  if (extension !== '.npy') {
    throw new DatasetError(
      `unsupported file type: expected a NumPy .npy array or a DiffBatt dataset file (${DATASET_FILE_EXTENSION})`,
      { file },
    );
  }
  let bytes: Uint8Array;
  try {
    // A copy: parseNpy needs the bytes at the start of their own buffer.
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`, { file });
  }
  return curveSetOfNpy(parseNpy(bytes, file), file);
}

/**
 * Each reference cell's generated curves. By cell id when both sets name their cells and every generated
 * curve names a reference cell; otherwise by position: N curves, or k * N with each cell's k samples
 * together (the order of `np.repeat`).
 */
export function groupCurvesByCell(reference: CurveSet, generated: CurveSet): ArrayLike<number>[][] {
  const cells = reference.curves.length;
  const cellOf = new Map(reference.cellIds?.map((id, cell) => [id, cell]));
  if (generated.sourceCellIds && cellOf.size === cells) {
    const unmatched = generated.sourceCellIds.findIndex((id) => !cellOf.has(id));
    if (unmatched < 0) {
      const groups = reference.curves.map((): ArrayLike<number>[] => []);
      generated.sourceCellIds.forEach((id, index) => {
        groups[cellOf.get(id)!]!.push(generated.curves[index]!);
      });
      const empty = groups.findIndex((group) => group.length === 0);
      if (empty >= 0) {
        throw new DatasetError(`no generated curve for reference cell ${reference.cellIds![empty]}`, {
          file: generated.file,
        });
      }
      return groups;
    }
    if (generated.sourceCellIds.some((id) => cellOf.has(id))) {
      throw new DatasetError(
        `sample ${unmatched + 1} (${generated.sourceCellIds[unmatched]}) matches no reference cell while others do`,
        { file: generated.file },
      );
    }
  }
  const samples = generated.curves.length / cells;
  if (!Number.isInteger(samples)) {
    throw new DatasetError(
      `${generated.curves.length} generated curves do not match ${cells} reference cells: give N curves, or k * N with each cell's k samples together`,
      { file: generated.file },
    );
  }
  return Array.from({ length: cells }, (_, cell) =>
    generated.curves.slice(cell * samples, (cell + 1) * samples),
  );
}

/** `scoreSohCurves` on two curve sets, the generated curves grouped by `groupCurvesByCell`. */
export function scoreCurveSets(
  reference: CurveSet,
  generated: CurveSet,
  options: ScoreOptions = {},
): ScoreResults {
  return scoreSohCurves(
    {
      reference: reference.curves,
      generated: groupCurvesByCell(reference, generated),
      ...(reference.cellIds ? { cellIds: reference.cellIds } : {}),
    },
    options,
  );
}
