import { encodeNpyFloat32, type ModelSample, writeDatasetFile } from '@diffbatt/core';
import { createScratchDirectory, type ScratchDirectory } from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CurveSet,
  curveSetOfNpy,
  curveSetOfSamples,
  groupCurvesByCell,
  readCurveSet,
  scoreCurveSets,
} from './curve-sets.js';

/** A flat encoded curve whose every point is `value`, so a group's members can be told apart. */
const flat = (value: number) => new Float32Array(256).fill(value);

const sample = (cellId: string, value: number, sourceCellId?: string): ModelSample => ({
  cellId,
  source: 'synthetic',
  sohCurve: flat(value),
  capacityMatrix: null,
  capacityMatrixRows: null,
  synthetic: sourceCellId !== undefined,
  ...(sourceCellId === undefined ? {} : { provenance: { sourceCellId } }),
});

const positional = (values: number[]): CurveSet => ({
  file: 'generated.npy',
  curves: values.map(flat),
  cellIds: null,
  sourceCellIds: null,
  synthetic: null,
});

/** Each group as the first value of its curves. */
const firstValues = (groups: ArrayLike<number>[][]) => groups.map((group) => group.map((curve) => curve[0]));

describe('groupCurvesByCell', () => {
  // Values exact in float32, so groups compare without rounding.
  const reference = curveSetOfSamples([sample('a', 0.75), sample('b', 0.5)], 'reference.dbds');

  it('groups by position: N curves, or k * N with each cell k samples together', () => {
    expect(firstValues(groupCurvesByCell(reference, positional([0.25, 0.5])))).toEqual([[0.25], [0.5]]);
    expect(firstValues(groupCurvesByCell(reference, positional([0.25, 0.5, 0.75, 1])))).toEqual([
      [0.25, 0.5],
      [0.75, 1],
    ]);
    expect(() => groupCurvesByCell(reference, positional([0.25, 0.5, 0.75]))).toThrow(
      "generated.npy: 3 generated curves do not match 2 reference cells: give N curves, or k * N with each cell's k samples together",
    );
  });

  it('groups by source cell when every generated curve names a reference cell', () => {
    const generated = curveSetOfSamples(
      [sample('g1', 0.25, 'b'), sample('g2', 0.5, 'a'), sample('g3', 0.75, 'b')],
      'generated.dbds',
    );
    expect(firstValues(groupCurvesByCell(reference, generated))).toEqual([[0.5], [0.25, 0.75]]);
  });

  it('refuses a partial match and a reference cell left without curves', () => {
    const partial = curveSetOfSamples([sample('g1', 0.25, 'a'), sample('g2', 0.5, 'z')], 'generated.dbds');
    expect(() => groupCurvesByCell(reference, partial)).toThrow(
      'generated.dbds: sample 2 (z) matches no reference cell while others do',
    );
    const onlyA = curveSetOfSamples([sample('g1', 0.25, 'a')], 'generated.dbds');
    expect(() => groupCurvesByCell(reference, onlyA)).toThrow(
      'generated.dbds: no generated curve for reference cell b',
    );
  });

  it('scores the grouped curves under the reference cell ids', () => {
    const results = scoreCurveSets(reference, positional([0.75, 0.75, 0.5, 0.5]));
    expect(results.cellIds).toEqual(['a', 'b']);
    expect(results.samplesPerCell).toEqual([2, 2]);
  });
});

describe('curve files', () => {
  let dir: ScratchDirectory;
  beforeAll(async () => {
    dir = await createScratchDirectory('diffbatt-curve-sets');
  });
  afterAll(() => dir.remove());

  it('reads [N, 256, 1] arrays and dataset files', async () => {
    const npy = await dir.write('curves.npy', encodeNpyFloat32(new Float32Array(512).fill(0.5), [2, 256, 1]));
    const fromNpy = await readCurveSet(npy);
    expect(fromNpy.curves.map((curve) => curve.length)).toEqual([256, 256]);
    expect(fromNpy.cellIds).toBeNull();
    const dbds = `${dir.path}/cells.dbds`;
    await writeDatasetFile(dbds, [sample('a', 0.75), sample('g', 0.25, 'a')]);
    expect(await readCurveSet(dbds)).toMatchObject({
      cellIds: ['a', 'g'],
      sourceCellIds: ['a', 'a'],
      synthetic: [false, true],
    });
  });

  it('names the file in one line for a wrong shape, a non-finite value, a missing file or another type', async () => {
    const array = (shape: number[], data: Float32Array) => ({ dtype: 'float32' as const, shape, data });
    expect(() => curveSetOfNpy(array([2, 100], new Float32Array(200)), 'x.npy')).toThrow(
      'x.npy: expected an array of shape [N, 256] or [N, 256, 1] with N >= 1, got [2, 100]',
    );
    const data = new Float32Array(512);
    data[300] = Number.NaN;
    expect(() => curveSetOfNpy(array([2, 256], data), 'x.npy')).toThrow(
      'x.npy: non-finite value NaN in curve 2, point 45',
    );
    await expect(readCurveSet(`${dir.path}/missing.npy`)).rejects.toThrow(/missing\.npy: file not found$/);
    await expect(readCurveSet('curves.csv')).rejects.toThrow(/^curves\.csv: unsupported file type/);
  });
});
