import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cell, endOfLifeCycle, type LoadProgress } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { calceCell, readArbinSession } from '@diffbatt/datasets-calce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatteryArchive } from './fixtures/write-batteryarchive.js';
import { batteryArchiveDatasetPlugin } from './plugin.js';

/**
 * No BatteryArchive download is in ../shared, and CALCE data carry no open licence, so nothing derived
 * from them is committed: this test converts the REAL CALCE CS2_35 cell (read by @diffbatt/datasets-calce
 * from ../shared) into BatteryArchive's columns at run time, then reads it back with this plugin.
 */
let dir: string;
let calce: Cell;
let archive: Cell;
const progress: LoadProgress[] = [];

beforeAll(async () => {
  const folder = sharedPath('data', 'raw', 'CALCE', 'CS2_35');
  const files = (await readdir(folder)).filter((f) => f.endsWith('.xlsx'));
  calce = calceCell('CS2_35', await Promise.all(files.map((f) => readArbinSession(join(folder, f)))));
  dir = await mkdtemp(join(tmpdir(), 'batteryarchive-calce-'));
  await writeBatteryArchive({ ...calce, cellId: 'CALCE_CS2_35' }, dir);
  for await (const record of batteryArchiveDatasetPlugin.load(dir, { onProgress: (p) => progress.push(p) })) {
    if (record.kind === 'cell') archive = record.cell;
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('BatteryArchive files written from the real CALCE CS2_35 cell', () => {
  it('round-trips every cycle, its capacity and its samples', async () => {
    expect((await stat(join(dir, 'CALCE_CS2_35_timeseries.csv'))).size).toBeGreaterThan(10_000_000);
    expect(archive.cellId).toBe('CALCE_CS2_35');
    expect(archive.nominalCapacityInAh).toBe(1.1);
    expect(archive.cycles).toHaveLength(calce.cycles.length);
    archive.cycles.forEach((cycle, i) => {
      const original = calce.cycles[i]!;
      expect(cycle.cycleNumber).toBe(original.cycleNumber);
      expect(cycle.dischargeCapacityInAh).toBe(original.dischargeCapacityInAh);
      expect(cycle.timeSeries!.voltageInV).toEqual(original.timeSeries!.voltageInV);
    });
  });

  it('gives the same end of life as the CALCE plugin (cycle 507)', () => {
    const life = (cell: Cell) =>
      endOfLifeCycle(
        cell.cycles.map((c) => ({
          cycleNumber: c.cycleNumber,
          dischargeCapacityInAh: c.dischargeCapacityInAh!,
        })),
        0.88,
      );
    expect(life(archive)).toBe(507);
    expect(life(calce)).toBe(507);
  });

  it('reports progress in bytes through the large time series', () => {
    const bytes = progress.filter((p) => p.unit === 'bytes' && p.file.endsWith('_timeseries.csv'));
    expect(bytes.length).toBeGreaterThan(3);
    expect(bytes.at(-1)!.done).toBe(bytes.at(-1)!.total);
  });
});
