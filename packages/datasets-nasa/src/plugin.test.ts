import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, type LoadProgress } from '@diffbatt/core';
import { collectCells } from '@diffbatt/core/testing';
import { encodeMatFile, type MatValue, matChar, matDouble, matStruct } from '@diffbatt/matfile';
import { describe, expect, it } from 'vitest';
import { coulombCount, loadedDischargeCurve } from './battery.js';
import { nasaDatasetPlugin } from './plugin.js';

/**
 * A synthetic square-wave discharge like B0025's: samples every 10 s alternating 4 A load and rest,
 * the loaded voltage falling 0.05 V per loaded sample from 4.0 V, rest voltage 0.4 V higher.
 */
function squareWaveDischarge(loadedSamples: number) {
  const time: number[] = [];
  const current: number[] = [];
  const voltage: number[] = [];
  for (let index = 0; index < 2 * loadedSamples; index += 1) {
    const loaded = index % 2 === 1;
    const step = Math.floor(index / 2);
    time.push(index * 10);
    current.push(loaded ? -4 : 0.002);
    voltage.push(4.0 - 0.05 * step + (loaded ? 0 : 0.4));
  }
  return { time, current, voltage };
}

type Fields = Record<string, MatValue>;

function dischargeRecord(overrides: Fields = {}, loadedSamples = 30): Fields {
  const { time, current, voltage } = squareWaveDischarge(loadedSamples);
  const charge = coulombCount(time, current);
  const crossing = voltage.findIndex((value) => value < 2.7);
  const cutoff = crossing === -1 ? voltage.length - 1 : crossing;
  return {
    type: matChar('discharge'),
    ambient_temperature: matDouble(24),
    time: matDouble([2009, 2, 13, 19, 3, 52.1]),
    data: matStruct({
      Voltage_measured: matDouble(voltage),
      Current_measured: matDouble(current),
      Temperature_measured: matDouble(time.map(() => 25)),
      Current_load: matDouble(current.map((value) => -value)),
      Voltage_load: matDouble(voltage),
      Time: matDouble(time),
      Capacity: matDouble(charge[cutoff]!),
      ...overrides,
    }),
  };
}

function otherRecord(type: 'charge' | 'impedance'): Fields {
  const data: MatValue =
    type === 'charge'
      ? matStruct({ Voltage_measured: matDouble([3.5, 4.2]), Time: matDouble([0, 10]) })
      : matStruct({
          Battery_impedance: {
            kind: 'numeric',
            className: 'double',
            dimensions: [2, 1],
            real: Float64Array.of(0.1, 0.2),
            imaginary: Float64Array.of(-0.01, 0.02),
          },
        });
  return {
    type: matChar(type),
    ambient_temperature: matDouble(24),
    time: matDouble([2009, 2, 13, 0, 0, 0]),
    data,
  };
}

function batteryFile(name: string, records: Fields[]): Uint8Array {
  return encodeMatFile({ [name]: matStruct({ cycle: matStruct(records) }) });
}

async function folderWith(files: Record<string, Uint8Array | string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'nasa-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), content);
  return directory;
}

const loadCells = (path: string, onProgress?: (progress: LoadProgress) => void) =>
  collectCells(nasaDatasetPlugin, path, onProgress ? { onProgress } : {});

async function loadError(path: string): Promise<DatasetError> {
  try {
    await loadCells(path);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected load to fail');
}

describe('coulombCount and loadedDischargeCurve', () => {
  it('integrates a constant 2 A discharge to 1 Ah in 30 minutes', () => {
    const time = Array.from({ length: 181 }, (_, index) => index * 10);
    const charge = coulombCount(
      time,
      time.map(() => -2),
    );
    expect(charge.at(-1)).toBeCloseTo(1, 12);
  });

  it('keeps loaded samples only, strictly falling in voltage, up to the cut-off', () => {
    const curve = loadedDischargeCurve(
      [4.2, 3.7, 4.1, 3.69, 3.695, 3.6, 3.5],
      [0, -4, 0, -4, -4, -4, -4],
      [0, 1, 2, 3, 4, 5, 6],
      5,
    );
    expect(curve).toEqual({ voltageInV: [3.7, 3.69, 3.6], dischargeCapacityInAh: [1, 3, 5] });
  });
});

describe('nasaDatasetPlugin on synthetic files', () => {
  it('detects NASA file names with a MAT-file header, and nothing else', async () => {
    const good = await folderWith({ 'B0099.mat': batteryFile('B0099', [dischargeRecord()]) });
    expect(await nasaDatasetPlugin.detect(good)).toBe(true);
    expect(await nasaDatasetPlugin.detect(join(good, 'B0099.mat'))).toBe(true);
    const foreign = await folderWith({ 'cell1.csv': '1,2\n', 'B0001.mat': 'Voltage,Current\n' });
    expect(await nasaDatasetPlugin.detect(foreign)).toBe(false);
    expect(await nasaDatasetPlugin.detect(join(foreign, 'nothing-here'))).toBe(false);
  });

  it('makes one cell per file with a cycle per discharge, numbered by discharge count', async () => {
    const records = [
      otherRecord('impedance'),
      otherRecord('charge'),
      dischargeRecord(),
      otherRecord('charge'),
    ];
    records.push(dischargeRecord({}, 28));
    const path = await folderWith({ 'B0099.mat': batteryFile('B0099', records) });
    const [cell, ...rest] = await loadCells(path);
    expect(rest).toEqual([]);
    expect(cell).toMatchObject({
      cellId: 'B0099',
      source: 'nasa',
      nominalCapacityInAh: 2,
      temperatureInC: 24,
    });
    expect(cell!.cycles.map((cycle) => cycle.cycleNumber)).toEqual([1, 2]);
    const first = cell!.cycles[0]!;
    // The loaded voltage first falls below 2.7 V at sample 56; Capacity is the charge counted up to there.
    expect(first.dischargeCapacityInAh).toBeCloseTo(first.dischargeCurve!.dischargeCapacityInAh.at(-1)!, 12);
    expect(first.timeSeries!.voltageInV).toHaveLength(60);
    expect(first.dischargeCurve!.voltageInV[0]).toBeCloseTo(4.0, 12);
    expect(first.dischargeCurve!.voltageInV.at(-1)).toBeLessThan(2.7);
    const voltages = first.dischargeCurve!.voltageInV;
    expect(voltages.every((voltage, index) => index === 0 || voltage < voltages[index - 1]!)).toBe(true);
  });

  it('reports file and byte progress', async () => {
    const path = await folderWith({
      'B0098.mat': batteryFile('B0098', [dischargeRecord()]),
      'B0099.mat': batteryFile('B0099', [dischargeRecord()]),
    });
    const progress: LoadProgress[] = [];
    await loadCells(path, (update) => progress.push(update));
    expect(progress.filter((update) => update.unit === 'files').map((update) => update.done)).toEqual([
      0, 1, 2,
    ]);
    expect(progress.some((update) => update.unit === 'bytes' && update.done === update.total)).toBe(true);
  });

  it('keeps the capacity but gives no Q(V), and says why, when the Coulomb count disagrees with Capacity', async () => {
    const path = await folderWith({
      'B0099.mat': batteryFile('B0099', [dischargeRecord({ Capacity: matDouble(1.9) })]),
    });
    const [cell] = await loadCells(path);
    expect(cell!.cycles[0]!.dischargeCapacityInAh).toBe(1.9);
    expect(cell!.cycles[0]!.dischargeCurve).toBeUndefined();
    expect(cell!.description).toMatch(
      /discharge 1 \(B0099\.cycle\(1\)\.data\): Coulomb count 0\.\d+ Ah to 2\.7 V disagrees/,
    );
  });

  it('reads a derived capacity series (Battery7.mat: C7) as a capacity-only cell', async () => {
    const path = await folderWith({
      'Battery7.mat': encodeMatFile({ C7: matDouble([1.89, 1.7, 1.55]), Q7: matDouble([1.9, 5.6, 9.3]) }),
    });
    const [cell] = await loadCells(path);
    expect(cell).toMatchObject({ cellId: 'B0007-derived', nominalCapacityInAh: 2 });
    expect(cell!.cycles).toEqual([
      { cycleNumber: 1, dischargeCapacityInAh: 1.89 },
      { cycleNumber: 2, dischargeCapacityInAh: 1.7 },
      { cycleNumber: 3, dischargeCapacityInAh: 1.55 },
    ]);
  });
});

describe('nasaDatasetPlugin bad input (synthetic)', () => {
  const withFile = async (bytes: Uint8Array | string, name = 'B0099.mat') =>
    join(await folderWith({ [name]: bytes }), name);

  it('names file and field when a discharge lacks Capacity', async () => {
    const record = dischargeRecord();
    const data = record['data'] as { elements: Array<Record<string, MatValue>>; fieldNames: string[] };
    delete data.elements[0]!['Capacity'];
    data.fieldNames = data.fieldNames.filter((field) => field !== 'Capacity');
    const error = await loadError(await withFile(batteryFile('B0099', [otherRecord('charge'), record])));
    expect(error.message).toContain(
      'B0099.mat, field "B0099.cycle(2).data": unexpected structure: Capacity must be a number (was missing)',
    );
  });

  it('rejects NaN and infinite samples, naming the field and sample', async () => {
    const nan = dischargeRecord({ Voltage_measured: matDouble([4.2, Number.NaN, 3.1]) });
    expect((await loadError(await withFile(batteryFile('B0099', [nan])))).message).toContain(
      'Voltage_measured[1] must be a number (was NaN)',
    );
    const infinite = dischargeRecord({ Time: matDouble([0, 10, Number.POSITIVE_INFINITY, 30, 40, 50]) }, 3);
    expect((await loadError(await withFile(batteryFile('B0099', [infinite])))).message).toContain(
      'B0099.mat, field "B0099.cycle(1).data.Time": sample 3 is Infinity',
    );
  });

  it('rejects a discharge with empty series', async () => {
    const empty = dischargeRecord({ Voltage_measured: matDouble([], [0, 0]) });
    expect((await loadError(await withFile(batteryFile('B0099', [empty])))).message).toContain(
      'field "B0099.cycle(1).data": unexpected structure: Voltage_measured must be at least length 2',
    );
  });

  it('rejects series of different lengths and time running backwards', async () => {
    const short = dischargeRecord({ Temperature_measured: matDouble([25, 25]) });
    expect((await loadError(await withFile(batteryFile('B0099', [short])))).message).toContain(
      'field "B0099.cycle(1).data.Temperature_measured": has 2 samples but Time has 60',
    );
    const backwards = dischargeRecord({}, 3);
    (backwards['data'] as { elements: Array<Record<string, MatValue>> }).elements[0]!['Time'] = matDouble([
      0, 10, 5, 30, 40, 50,
    ]);
    expect((await loadError(await withFile(batteryFile('B0099', [backwards])))).message).toContain(
      'field "B0099.cycle(1).data.Time": time goes backwards at sample 3',
    );
  });

  it('rejects an unknown record type and a file without discharges', async () => {
    const rest = { ...otherRecord('charge'), type: matChar('rest') };
    expect((await loadError(await withFile(batteryFile('B0099', [rest])))).message).toContain(
      `cycle[0].type must be "charge", "discharge" or "impedance" (was "rest")`,
    );
    expect(
      (await loadError(await withFile(batteryFile('B0099', [otherRecord('charge')])))).message,
    ).toContain('has no discharge records');
  });

  it('rejects a truncated file, a file that is not a MAT-file, and a v7.3 file, naming the file', async () => {
    const bytes = batteryFile('B0099', [dischargeRecord()]);
    const truncated = await withFile(bytes.subarray(0, bytes.length - 50));
    expect((await loadError(truncated)).message).toMatch(/B0099\.mat: truncated/);
    expect((await loadError(await withFile('Cycle,Capacity\n'.repeat(20)))).message).toContain(
      'not a MATLAB level-5 MAT-file',
    );
    const hdf5 = new Uint8Array(600);
    hdf5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    const v73 = await withFile(hdf5, 'B0005.mat');
    expect(await nasaDatasetPlugin.detect(v73)).toBe(true);
    expect((await loadError(v73)).message).toContain('B0005.mat: is a MATLAB v7.3 MAT-file');
  });

  it('rejects an empty folder and a capacity series with a non-positive value', async () => {
    expect((await loadError(await folderWith({}))).message).toContain('no NASA .mat files here');
    const series = await withFile(encodeMatFile({ C5: matDouble([1.8, 0, 1.7]) }), 'Battery5.mat');
    expect((await loadError(series)).message).toContain(
      'Battery5.mat, field "C5": discharge 2 has capacity 0; expected a positive number of Ah',
    );
  });

  it('rejects an empty capacity series', async () => {
    const series = await withFile(encodeMatFile({ C5: matDouble([]) }), 'Battery5.mat');
    expect((await loadError(series)).message).toContain('Battery5.mat, field "C5": unexpected structure');
  });

  it('names the missing battery variable', async () => {
    const path = await withFile(encodeMatFile({ other: matDouble(1) }));
    expect((await loadError(path)).message).toContain(
      'no battery variable: expected "B0099" or a struct with a "cycle" field (variables: other)',
    );
  });
});

describe('nasaDatasetPlugin folder handling', () => {
  it('does not detect a file of another name, but loads it when asked to', async () => {
    const directory = await folderWith({ 'my-cell.mat': batteryFile('B0042', [dischargeRecord()]) });
    expect(await nasaDatasetPlugin.detect(join(directory, 'my-cell.mat'))).toBe(false);
    expect((await loadCells(join(directory, 'my-cell.mat'))).map((cell) => cell.cellId)).toEqual(['B0042']);
  });

  it('reads only NASA-named files, in name order', async () => {
    const directory = await folderWith({
      'B0026.mat': batteryFile('B0026', [dischargeRecord()]),
      'B0025.mat': batteryFile('B0025', [dischargeRecord()]),
      'notes.txt': 'ignored',
    });
    await mkdir(join(directory, 'sub'));
    expect((await loadCells(directory)).map((cell) => cell.cellId)).toEqual(['B0025', 'B0026']);
  });
});
