import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, type LoadProgress } from '@diffbatt/core';
import { collectCells } from '@diffbatt/core/testing';
import {
  encodeMatFile,
  type MatValue,
  matCell,
  matChar,
  matDouble,
  matNumeric,
  matStruct,
} from '@diffbatt/matfile';
import { describe, expect, it } from 'vitest';
import { rwthDatasetPlugin } from './plugin.js';

/** Synthetic project metadata for two cells, of which the tests below give folders to the first only. */
function metadata(overrides: Record<string, MatValue> = {}): Uint8Array {
  return encodeMatFile({
    metadata: matStruct({
      cell_format: matChar('18650'),
      type: matChar('NMC'),
      cell_names: matCell([matChar('cellA'), matChar('cellB')], [2, 1]),
      nom_capacity: matDouble([1.8, 1.82]),
      manufacturer_cap: matDouble(2),
      delta_DOD: matDouble([0.5, 0.6]),
      charge_CRate: matDouble([0.75, 1]),
      cycle_temp: matDouble([28.5, 28.6]),
      cycle_volt: matDouble([3.7, 3.7]),
      ...overrides,
    }),
  });
}

const checkUp = (capacity: number, start: number): Record<string, MatValue> => ({
  StartDate: matDouble(start),
  AhEla: matDouble(12),
  CapDCH1: matDouble(capacity),
  CAPqOCVCCCHA: matNumeric('uint8', 0),
  DigaProgrammName: matChar('TBA_CU'),
});
const cycling = (subcycles: number, ahDischarged: number, start: number): Record<string, MatValue> => ({
  StartDate: matDouble(start),
  AhEla: matDouble(ahDischarged),
  subcycles: matNumeric('uint8', subcycles),
  avg_Ah_per_cycle: matDouble(ahDischarged / subcycles),
  DigaProgrammName: matChar('TBA_Zyk'),
});
const eis = (): Record<string, MatValue> => ({ DigaProgrammName: matChar('TBA_BOL_P2_EIS') });

/** A synthetic project folder P001 holding metadata.mat and cellA's tests, named in chronological order. */
async function project(
  tests: Array<Record<string, MatValue>>,
  metadataBytes: Uint8Array = metadata(),
): Promise<{ root: string; project: string }> {
  const root = await mkdtemp(join(tmpdir(), 'rwth-'));
  const folder = join(root, 'P001');
  await mkdir(join(folder, 'cellA'), { recursive: true });
  await writeFile(join(folder, 'metadata.mat'), metadataBytes);
  for (const [index, variables] of tests.entries()) {
    const testFolder = join(folder, 'cellA', `TS${String(10_000 + index * 10).padStart(6, '0')}`);
    await mkdir(testFolder);
    await writeFile(join(testFolder, 'lean_data.mat'), encodeMatFile(variables));
  }
  return { root, project: folder };
}

const lifeTests = () => [
  checkUp(1.8, 100),
  eis(),
  cycling(100, 90, 200),
  checkUp(1.7, 300),
  cycling(100, 80, 400),
  checkUp(1.5, 500),
  checkUp(1.49, 600),
];

const loadCells = (path: string, onProgress?: (progress: LoadProgress) => void) =>
  collectCells(rwthDatasetPlugin, path, onProgress ? { onProgress } : {});

async function loadError(path: string): Promise<string> {
  try {
    await loadCells(path);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return (error as DatasetError).message;
  }
  throw new Error('expected load to fail');
}

describe('rwthDatasetPlugin on synthetic folders', () => {
  it('detects a project folder and the folder above it, and nothing else', async () => {
    const { root, project: folder } = await project(lifeTests());
    expect(await rwthDatasetPlugin.detect(folder)).toBe(true);
    expect(await rwthDatasetPlugin.detect(root)).toBe(true);
    expect(await rwthDatasetPlugin.detect(join(folder, 'cellA'))).toBe(false);
    const text = await project([], new TextEncoder().encode('not a mat file'));
    expect(await rwthDatasetPlugin.detect(text.project)).toBe(false);
    expect(await rwthDatasetPlugin.detect(join(root, 'missing'))).toBe(false);
  });

  it('gives capacity per check-up against summed subcycles and equivalent cycles', async () => {
    const { root } = await project(lifeTests());
    const cells = await loadCells(root);
    expect(cells.map((cell) => cell.cellId)).toEqual(['cellA']);
    const [cell] = cells;
    expect(cell).toMatchObject({
      source: 'rwth',
      nominalCapacityInAh: 2,
      formFactor: 'cylindrical_18650',
      cathodeMaterial: 'NMC',
      temperatureInC: 28.5,
    });
    expect(cell!.cycles).toEqual([
      { cycleNumber: 0, equivalentCycles: 0, dischargeCapacityInAh: 1.8 },
      { cycleNumber: 100, equivalentCycles: 45, dischargeCapacityInAh: 1.7 },
      { cycleNumber: 200, equivalentCycles: 85, dischargeCapacityInAh: 1.5 },
    ]);
    expect(cell!.description).toContain(
      'check-up TS010060 (1.4900 Ah) repeats the one at cycle 200 with no cycling in between and is left out',
    );
    expect(cell!.description).toContain('depth of discharge 50.0 %');
  });

  it('reports progress per test folder', async () => {
    const { root } = await project(lifeTests());
    const progress: LoadProgress[] = [];
    await loadCells(root, (update) => progress.push(update));
    expect(progress.map((update) => `${update.done}/${update.total} ${update.unit}`)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((done) => `${done}/7 files`),
    );
  });
});

describe('rwthDatasetPlugin bad input (synthetic)', () => {
  it('names the lean_data.mat and field of a mistyped, NaN or fractional value', async () => {
    const mistyped = await project([{ ...checkUp(1.8, 1), CapDCH1: matChar('1.8 Ah') }]);
    expect(await loadError(mistyped.root)).toMatch(
      /cellA\/TS010000\/lean_data\.mat: unexpected structure: CapDCH1 must be a number \(was a string\)/,
    );
    const nan = await project([{ ...checkUp(1.8, 1), CapDCH1: matDouble(Number.NaN) }]);
    expect(await loadError(nan.root)).toContain('CapDCH1 must be a number (was NaN)');
    const fractional = await project([checkUp(1.8, 1), { ...cycling(10, 9, 2), subcycles: matDouble(10.5) }]);
    expect(await loadError(fractional.root)).toContain(
      'TS010010/lean_data.mat: unexpected structure: subcycles must be an integer (was 10.5)',
    );
  });

  it('rejects an empty lean_data.mat (a MAT-file with no variables)', async () => {
    const { root } = await project([{}]);
    expect(await loadError(root)).toContain(
      'TS010000/lean_data.mat: unexpected structure: DigaProgrammName must be a string (was missing)',
    );
  });

  it('rejects a cycling test without AhEla, and a test that is both cycling and check-up', async () => {
    const { AhEla: _ignored, ...withoutAh } = cycling(10, 9, 2);
    const noAh = await project([checkUp(1.8, 1), withoutAh]);
    expect(await loadError(noAh.root)).toContain('TS010010/lean_data.mat, field "AhEla": cycling test');
    const both = await project([{ ...cycling(10, 9, 2), CapDCH1: matDouble(1.8) }]);
    expect(await loadError(both.root)).toContain('holds both subcycles (cycling) and CapDCH1 (check-up)');
  });

  it('rejects tests whose start dates contradict their folder order', async () => {
    const { root } = await project([checkUp(1.8, 500), cycling(10, 9, 100)]);
    expect(await loadError(root)).toMatch(
      /TS010010\/lean_data\.mat, field "StartDate": starts before .*TS010000/,
    );
  });

  it('rejects a truncated lean_data.mat and a test folder without one', async () => {
    const { project: folder, root } = await project([checkUp(1.8, 1)]);
    const bytes = encodeMatFile(checkUp(1.8, 1));
    await writeFile(join(folder, 'cellA', 'TS010000', 'lean_data.mat'), bytes.subarray(0, bytes.length - 30));
    expect(await loadError(root)).toMatch(/TS010000\/lean_data\.mat: truncated/);
    await mkdir(join(folder, 'cellA', 'TS020000'));
    await writeFile(join(folder, 'cellA', 'TS010000', 'lean_data.mat'), bytes);
    expect(await loadError(root)).toMatch(/TS020000\/lean_data\.mat: cannot read/);
  });

  it('rejects metadata with missing or inconsistent fields', async () => {
    const missing = await project(
      [checkUp(1.8, 1)],
      encodeMatFile({ metadata: matStruct({ type: matChar('NMC') }) }),
    );
    expect(await loadError(missing.root)).toMatch(
      /metadata\.mat, field "metadata": unexpected structure: .*cell_names must be/,
    );
    const short = await project([checkUp(1.8, 1)], metadata({ nom_capacity: matDouble([1.8]) }));
    expect(await loadError(short.root)).toContain(
      'field "metadata.nom_capacity": has 1 values for 2 cells in cell_names',
    );
    const negative = await project([checkUp(1.8, 1)], metadata({ nom_capacity: matDouble([-1, 1.8]) }));
    expect(await loadError(negative.root)).toContain('field "metadata.nom_capacity(1)": is -1 for cellA');
  });

  it('rejects a project whose listed cells have no folders, a cell without check-ups, and an empty folder', async () => {
    const other = await project(
      [checkUp(1.8, 1)],
      metadata({ cell_names: matCell([matChar('cellX'), matChar('cellY')], [2, 1]) }),
    );
    expect(await loadError(other.root)).toContain(
      'lists 2 cells (cellX, cellY, ...) but none of their folders is in',
    );
    const noCheckUps = await project([cycling(10, 9, 1)]);
    expect(await loadError(noCheckUps.root)).toMatch(/cellA: no check-up \(lean_data\.mat with CapDCH1\)/);
    const empty = await mkdtemp(join(tmpdir(), 'rwth-empty-'));
    expect(await loadError(empty)).toContain('no metadata.mat here or in a folder directly below');
  });
});
