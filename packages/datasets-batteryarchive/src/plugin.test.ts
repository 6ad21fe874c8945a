import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError, type LoadProgress } from '@diffbatt/core';
import { collectCells } from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCell } from './fixtures/synthetic-cell.js';
import { writeBatteryArchive } from './fixtures/write-batteryarchive.js';
import { batteryArchiveDatasetPlugin } from './plugin.js';

/** Committed SYNTHETIC fixture (see fixtures/README.md): 3 made-up cycles in BatteryArchive's columns. */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const CELL = 'SYNTHETIC_18650_LFP_25C_0-100_1-1C_a';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batteryarchive-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cells = (path: string, onProgress?: (p: LoadProgress) => void) =>
  collectCells(batteryArchiveDatasetPlugin, path, onProgress ? { onProgress } : {});

describe('batteryarchive plugin on the synthetic fixture', () => {
  it('reads cycle data and time series into one cell, capacities per cycle, Q(V) per cycle', async () => {
    expect(await batteryArchiveDatasetPlugin.detect(fixtures)).toBe(true);
    const progress: LoadProgress[] = [];
    const [cell] = await cells(fixtures, (p) => progress.push(p));
    const expected = syntheticCell(3);
    expect(cell!.cellId).toBe(CELL);
    // No nominal capacity is known for a SYNTHETIC_ id: the first cycle's 1.1 Ah is taken (next tests).
    expect(cell!.nominalCapacityInAh).toBe(1.1);
    expect(cell!.cycles.map((c) => [c.cycleNumber, c.dischargeCapacityInAh])).toEqual(
      expected.cycles.map((c) => [c.cycleNumber, c.dischargeCapacityInAh]),
    );
    expect(cell!.cycles[1]!.timeSeries).toEqual(expected.cycles[1]!.timeSeries);
    expect(progress.map((p) => p.unit)).toEqual(['bytes', 'cells']);
  });

  it('works from the time series alone (capacity = what the cycle moved)', async () => {
    const folder = join(dir, 'timeseries-only');
    await mkdir(folder);
    await copyFile(join(fixtures, `${CELL}_timeseries.csv`), join(folder, `${CELL}_timeseries.csv`));
    const [cell] = await cells(folder);
    expect(cell!.cycles.map((c) => c.dischargeCapacityInAh)).toEqual(
      syntheticCell(3).cycles.map((c) => c.dischargeCapacityInAh),
    );
  });

  it('rebases cumulative counters per cycle and takes known nominal capacities by id', async () => {
    const cell = { ...syntheticCell(3), cellId: 'HNEI_18650_NMC_LCO_25C_0-100_0.5-1.5C_a' };
    const paths = await writeBatteryArchive(cell, join(dir, 'hnei'));
    // Make the discharge counter cumulative over the file, as some exports are.
    const lines = (await readFile(paths.timeseries, 'utf8')).trim().split('\n');
    const offset = (cycle: number) => [0, 0, 1.1, 2.189][cycle]!;
    const cumulative = lines.map((line, i) => {
      if (i === 0) return line;
      const cells = line.split(',');
      cells[6] = String(Number(cells[6]) + offset(Number(cells[2])));
      return cells.join(',');
    });
    await writeFile(paths.timeseries, `${cumulative.join('\n')}\n`);
    const [read] = await cells(join(dir, 'hnei'));
    expect(read!.nominalCapacityInAh).toBe(2.8);
    expect(read!.cycles[2]!.timeSeries!.dischargeCapacityInAh!.at(-1)).toBeCloseTo(1.07811, 9);
  });

  it('falls back to the first cycle for an unknown source and says so', async () => {
    const [cell] = await cells(fixtures);
    expect(cell!.description).toMatch(
      /nominal capacity unknown for this source: taken as cycle 1's discharge capacity \(1\.1000 Ah\)/,
    );
  });

  it('does not claim other folders', async () => {
    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'cell.csv'), 'a\n1\n');
    expect(await batteryArchiveDatasetPlugin.detect(join(dir, 'other'))).toBe(false);
    expect(await batteryArchiveDatasetPlugin.detect(join(dir, 'missing'))).toBe(false);
  });
});

describe('batteryarchive plugin on bad input', () => {
  async function loadError(name: string, kind: 'cycle_data' | 'timeseries', edit: (text: string) => string) {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    const text = await readFile(join(fixtures, `${CELL}_${kind}.csv`), 'utf8');
    await writeFile(join(folder, `${CELL}_${kind}.csv`), edit(text));
    const error = await cells(folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    return (error as DatasetError).message;
  }

  it('names file and line of a truncated time series', async () => {
    expect(await loadError('truncated', 'timeseries', (t) => t.slice(0, t.length - 12))).toMatch(
      /timeseries\.csv, line 37: row has \d+ fields, expected 11 \(truncated row\?\)/,
    );
  });

  it('refuses a header in other units before reading rows', async () => {
    expect(await loadError('units', 'timeseries', (t) => t.replace('Current (A)', 'Current (mA)'))).toMatch(
      /timeseries\.csv, line 1: not a BatteryArchive timeseries header: .*Current \(A\).*Current \(mA\)/,
    );
    expect(
      await loadError('units2', 'cycle_data', (t) =>
        t.replace('Discharge_Capacity (Ah)', 'Discharge_Capacity (mAh)'),
      ),
    ).toMatch(/cycle_data\.csv, line 1: not a BatteryArchive cycle_data header/);
  });

  it('names line and column of a NaN and of a cycle index that goes back', async () => {
    expect(
      await loadError('nan', 'timeseries', (t) => t.replace(',1200,1,1.1,3.4,', ',1200,1,1.1,NaN,')),
    ).toMatch(/timeseries\.csv, line 3, field "Voltage \(V\)": "NaN" is not a number/);
    expect(await loadError('back', 'cycle_data', (t) => t.replace(/\n3,/, '\n1,'))).toMatch(
      /cycle_data\.csv, line 4, field "Cycle_Index": cycle index 1 after 2: expected increasing/,
    );
  });

  it('refuses an empty file', async () => {
    expect(await loadError('empty', 'cycle_data', () => '')).toMatch(/cycle_data\.csv: file is empty/);
  });
});
