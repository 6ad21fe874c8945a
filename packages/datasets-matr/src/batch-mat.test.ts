import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetRegistry, featuriseCell, inspectCell } from '@diffbatt/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMatrCells, matrDatasetPlugin } from './plugin.js';

const root = mkdtemp(join(tmpdir(), 'matr-batch-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

interface SyntheticBatchCell {
  barcode: string;
  policy: string;
  capacities: number[];
  cycleLife: number;
}

const chars = (text: string) => Uint16Array.from(text, (c) => c.charCodeAt(0));

/**
 * Writes a small HDF5 file in the layout of the official MATR batch .mat files (MATLAB v7.3): `batch/<field>`
 * are n x 1 columns of object references into `#refs#`; `summary` and `cycles` point at groups, the others
 * at datasets. Values are synthetic (a linear fade), not measured data. No 512-byte MATLAB user block.
 */
async function writeSyntheticBatch(
  name: string,
  cells: SyntheticBatchCell[],
  qdlinPoints = 1000,
): Promise<string> {
  const h5wasm = await import('h5wasm/node');
  await h5wasm.ready;
  const path = join(await root, name);
  const file = new h5wasm.File(path, 'w');
  const refs = file.create_group('#refs#');
  let counter = 0;
  const dataset = (data: Float64Array | Uint16Array, shape: number[]) =>
    refs.create_dataset({ name: `r${counter++}`, data, shape }).create_reference();
  const columns: Record<string, ReturnType<typeof dataset>[]> = {
    summary: [],
    cycles: [],
    cycle_life: [],
    policy_readable: [],
    barcode: [],
  };
  for (const cell of cells) {
    const summary = refs.create_group(`s${counter++}`);
    summary.create_dataset({
      name: 'QDischarge',
      data: Float64Array.from(cell.capacities),
      shape: [1, cell.capacities.length],
    });
    summary.create_dataset({
      name: 'cycle',
      data: Float64Array.from(cell.capacities, (_, i) => i + 1),
      shape: [1, cell.capacities.length],
    });
    columns['summary']!.push(summary.create_reference());
    const cycles = refs.create_group(`c${counter++}`);
    // Real files hold a Qdlin per cycle; 130 keep the test fast and still exceed the 120 that are read.
    const qdlin = cell.capacities.slice(0, 130).map((capacity) =>
      dataset(
        Float64Array.from({ length: qdlinPoints }, (_, i) => capacity * Math.sqrt(i / (qdlinPoints - 1))),
        [1, qdlinPoints],
      ),
    );
    cycles.create_dataset({ name: 'Qdlin', data: qdlin, shape: [qdlin.length, 1] });
    columns['cycles']!.push(cycles.create_reference());
    columns['cycle_life']!.push(dataset(Float64Array.of(cell.cycleLife), [1, 1]));
    columns['policy_readable']!.push(dataset(chars(cell.policy), [cell.policy.length, 1]));
    columns['barcode']!.push(dataset(chars(cell.barcode), [cell.barcode.length, 1]));
  }
  const batch = file.create_group('batch');
  for (const [field, references] of Object.entries(columns)) {
    batch.create_dataset({ name: field, data: references, shape: [references.length, 1] });
  }
  file.close();
  return path;
}

const fade = (cycles: number, start = 1.07, perCycle = 0.0003) =>
  Array.from({ length: cycles }, (_, i) => start - perCycle * i);

describe('MATR batch .mat (HDF5)', () => {
  it('reads summary capacities, Qdlin, lives, barcodes and policies of every cell', async () => {
    const path = await writeSyntheticBatch('batch.mat', [
      { barcode: 'EL0001', policy: '3.6C(80%)-3.6C', capacities: fade(700), cycleLife: 634 },
      {
        barcode: 'EL0002',
        policy: '5.3C(54%)-4C-newstructure',
        capacities: fade(150),
        cycleLife: Number.NaN,
      },
    ]);
    expect(await matrDatasetPlugin.detect(path)).toBe(true);
    const cells = await loadMatrCells(path);
    expect(cells.map((c) => [c.cellId, c.publishedCycleLife, c.cycles.length])).toEqual([
      ['EL0001', 634, 700],
      ['EL0002', null, 150],
    ]);
    expect(cells[0]!.chargeProtocol).toEqual([
      { rateInC: 3.6, startSoc: 0, endSoc: 0.8 },
      { rateInC: 3.6, startSoc: 0.8, endSoc: 1 },
    ]);
    expect(cells[1]!.description).toContain('5.3C(54%)-4C-newstructure');
    // Qdlin is loaded for the first 120 cycles only; summary capacities for all.
    expect(cells[0]!.cycles.filter((c) => c.dischargeCurve).length).toBe(120);
    // 1.07 - 0.0003 (n - 1) < 0.88 first at n = 635; the file says 634: inspect warns instead of hiding it.
    expect(inspectCell(cells[0]!)).toMatchObject({
      cycleLife: 635,
      cycleLifeSource: 'data',
      publishedCycleLife: 634,
      capacityMatrixShape: [100, 100],
    });
    expect(inspectCell(cells[0]!).warnings).toContain(
      'life in the data (635) differs from the published life (634)',
    );
    const sample = featuriseCell(cells[0]!);
    expect(sample.capacityMatrixRows).toBe(100);
    expect(sample.sohCurve[63]).not.toBe(-1);
    expect(sample.sohCurve[64]).toBe(-1);
  });

  it('refuses a file without the batch struct, a wrong Qdlin length and a truncated file', async () => {
    const h5wasm = await import('h5wasm/node');
    await h5wasm.ready;
    const empty = join(await root, 'empty.mat');
    const file = new h5wasm.File(empty, 'w');
    file.create_group('other');
    file.close();
    await expect(loadMatrCells(empty)).rejects.toThrow(
      `${empty}, field "batch": no "batch" struct: not a MATR batch file`,
    );
    const short = await writeSyntheticBatch(
      'short.mat',
      [{ barcode: 'X', policy: '4C(80%)-4C', capacities: fade(20), cycleLife: 10 }],
      50,
    );
    await expect(loadMatrCells(short)).rejects.toThrow(
      `${short}, field "batch/cycles[0]/Qdlin[0]": Qdlin has 50 points, expected 1000`,
    );
    const good = await writeSyntheticBatch('cut.mat', [
      { barcode: 'X', policy: '4C(80%)-4C', capacities: fade(20), cycleLife: 10 },
    ]);
    const bytes = await readFile(good);
    await writeFile(good, bytes.subarray(0, bytes.length >> 1));
    await expect(loadMatrCells(good)).rejects.toThrow(
      `${good}: cannot read as HDF5 (damaged or not MATLAB v7.3):`,
    );
    await writeFile(good, 'MATLAB 5.0 MAT-file, not HDF5');
    expect(await matrDatasetPlugin.detect(good)).toBe(false);
    // Loading it (as --plugin matr, or a batchdata name does) says why instead of "not a MATR input".
    await expect(loadMatrCells(good)).rejects.toThrow(`${good}: no HDF5 signature in its first 520 bytes`);
  });

  it('reads a folder of batch files in name order, detected only by their MATR names', async () => {
    await mkdir(join(await root, 'batches'));
    const cell = (barcode: string) => ({
      barcode,
      policy: '4C(80%)-4C',
      capacities: fade(130),
      cycleLife: 120,
    });
    const second = await writeSyntheticBatch('batches/2017-06-30_batchdata_updated_struct_errorcorrect.mat', [
      cell('EL0003'),
    ]);
    await writeSyntheticBatch('batches/2017-05-12_batchdata_updated_struct_errorcorrect.mat', [
      cell('EL0001'),
      cell('EL0002'),
    ]);
    const folder = join(await root, 'batches');
    expect(await matrDatasetPlugin.detect(folder)).toBe(true);
    expect((await loadMatrCells(folder)).map((c) => c.cellId)).toEqual(['EL0001', 'EL0002', 'EL0003']);

    // Other v7.3 .mat files (RWTH keeps a metadata.mat in its folders) are not taken for MATR batches...
    await mkdir(join(await root, 'other'));
    const other = join(await root, 'other');
    await writeSyntheticBatch('other/metadata.mat', [cell('X')]);
    expect(await matrDatasetPlugin.detect(other)).toBe(false);
    expect(await matrDatasetPlugin.claims?.(other)).toBe(false);
    // ...but --plugin matr reads any HDF5 .mat of a folder.
    expect((await loadMatrCells(other)).map((c) => c.cellId)).toEqual(['X']);

    // A damaged batch file in the folder: auto-detection still routes it here, and loading names the file.
    const bytes = await readFile(second);
    await writeFile(second, bytes.subarray(0, bytes.length >> 1));
    const registry = createDatasetRegistry([matrDatasetPlugin]);
    expect((await registry.resolve(folder)).id).toBe(matrDatasetPlugin.id);
    await expect(loadMatrCells(folder)).rejects.toThrow(`${second}: cannot read as HDF5`);
  });
});
