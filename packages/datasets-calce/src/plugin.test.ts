import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, type LoadProgress, SeededRandom } from '@diffbatt/core';
import { collectCells } from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARBIN_HEADER, type SyntheticSession, writeSyntheticSession } from './fixtures/synthetic-arbin.js';
import { calceDatasetPlugin } from './plugin.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'calce-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A synthetic cell folder (SYNTHETIC data: see fixtures/synthetic-arbin.ts). */
async function cellFolder(name: string, sessions: Record<string, SyntheticSession>): Promise<string> {
  const folder = join(dir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
  for (const [file, session] of Object.entries(sessions))
    await writeSyntheticSession(join(folder, file), session);
  return folder;
}

const loadAll = (path: string, onProgress?: (p: LoadProgress) => void) =>
  collectCells(calceDatasetPlugin, path, onProgress ? { onProgress } : {});

/** A fade with seeded measurement noise, as measured cells have (BatteryML's MAD cut assumes noise). */
function fade(first: number, count: number, seed: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => first - 0.004 * i + 0.002 * random.normal());
}

describe('calce plugin on synthetic Arbin sessions', () => {
  it('orders sessions by Info start date, turns cumulative counters into per-cycle capacity', async () => {
    // File names sort 10_1 < 9_1 as text; the Info start dates say 9_1 came first.
    const early = fade(1.1, 30, 0);
    const late = fade(0.98, 30, 1);
    const folder = await cellFolder('CS2_99', {
      'CS2_99_10_1_10.xlsx': { startDate: 40450, capacities: late },
      'CS2_99_9_1_10.xlsx': { startDate: 40420, capacities: early },
      'CS2_99_10_2_10.xlsx': { startDate: 40450, capacities: late },
    });
    expect(await calceDatasetPlugin.detect(folder)).toBe(true);
    expect(await calceDatasetPlugin.detect(dir)).toBe(true);
    const progress: LoadProgress[] = [];
    const [cell] = await loadAll(folder, (p) => progress.push(p));
    expect(cell!.cellId).toBe('CS2_99');
    expect(cell!.nominalCapacityInAh).toBe(1.1);
    // The twin session (same start date) is skipped and said so.
    expect(cell!.description).toMatch(
      /skipped CS2_99_10_2_10\.xlsx: same start date as CS2_99_10_1_10\.xlsx/,
    );
    const capacities = cell!.cycles.map((c) => c.dischargeCapacityInAh!);
    const expected = [...early, ...late];
    // Every kept cycle matches the synthetic capacity at its position (cumulative counters undone).
    const removed = expected.length - capacities.length;
    expect(removed).toBeLessThan(20);
    expect(cell!.description).toContain(`removed ${removed} of 60 cycles`);
    for (const capacity of capacities) {
      expect(expected.some((q) => Math.abs(q - capacity) < 1e-9)).toBe(true);
    }
    // Order is by start date: every early-session capacity comes before every late one.
    const firstLate = capacities.findIndex((q) => late.some((l) => Math.abs(l - q) < 1e-9));
    expect(capacities.slice(firstLate).every((q) => late.some((l) => Math.abs(l - q) < 1e-9))).toBe(true);
    expect(cell!.cycles.map((c) => c.cycleNumber)).toEqual(capacities.map((_, i) => i + 1));
    // Q(V): the rebased discharge counter starts at 0 and ends at the cycle capacity.
    const series = cell!.cycles[5]!.timeSeries!;
    expect(series.dischargeCapacityInAh![0]).toBe(0);
    expect(series.dischargeCapacityInAh!.at(-1)).toBeCloseTo(cell!.cycles[5]!.dischargeCapacityInAh!, 12);
    expect(progress.filter((p) => p.unit === 'files').map((p) => p.done)).toEqual([1, 2, 3]);
    expect(progress.some((p) => p.unit === 'bytes' && p.done === p.total)).toBe(true);
  });

  it('does not claim foreign folders', async () => {
    const other = join(dir, 'other');
    await import('node:fs/promises').then((fs) => fs.mkdir(other));
    await writeFile(join(other, 'notes.xlsx'), 'x');
    expect(await calceDatasetPlugin.detect(other)).toBe(false);
    expect(await calceDatasetPlugin.detect(join(dir, 'missing'))).toBe(false);
    await expect(loadAll(other)).rejects.toThrow(/no CALCE session files/);
  });
});

describe('calce plugin on bad input', () => {
  const capacities = fade(1.1, 25, 0);

  async function loadError(name: string, session: SyntheticSession): Promise<DatasetError> {
    const folder = await cellFolder(name, { [`${name}_1_1_11.xlsx`]: session });
    const error = await loadAll(folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }

  it('names the file for a workbook truncated anywhere (a partial download), and never hangs', async () => {
    const folder = await cellFolder('CS2_91', { 'CS2_91_1_1_11.xlsx': { startDate: 40500, capacities } });
    const file = join(folder, 'CS2_91_1_1_11.xlsx');
    const bytes = await readFile(file);
    for (const keep of [0, 30, bytes.length >> 2, bytes.length >> 1, bytes.length - 10]) {
      await writeFile(file, bytes.subarray(0, keep));
      const error = (await loadAll(folder).catch((e: unknown) => e)) as DatasetError;
      expect(error, `cut at ${keep}`).toBeInstanceOf(DatasetError);
      expect(error.message).toBe(
        `${file}: not a complete .xlsx workbook: the zip end-of-central-directory record is missing (truncated file or partial download?)`,
      );
    }
  });

  it('refuses, before inflating anything, a workbook whose zip directory promises too much or is damaged', async () => {
    // A SYNTHETIC zip that is only a central directory (one entry claiming `inflated` bytes) and its end
    // record: enough for the check, which must refuse it before exceljs inflates a byte.
    const zipClaiming = (inflated: number, entriesInEndRecord: number): Buffer => {
      const name = Buffer.from('xl/worksheets/sheet1.xml');
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt32LE(inflated, 24);
      header.writeUInt16LE(name.length, 28);
      const directory = Buffer.concat([header, name]);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(entriesInEndRecord, 8);
      end.writeUInt16LE(entriesInEndRecord, 10);
      end.writeUInt32LE(directory.length, 12);
      return Buffer.concat([directory, end]);
    };
    const folder = await cellFolder('CS2_92', { 'CS2_92_1_1_11.xlsx': { startDate: 40500, capacities } });
    const file = join(folder, 'CS2_92_1_1_11.xlsx');
    await writeFile(file, zipClaiming(2 ** 30, 1));
    await expect(loadAll(folder)).rejects.toThrow(
      `${file}: the workbook inflates to 1024 MiB, more than the 64 MiB this reader holds in memory; export its Channel sheet as CSV`,
    );
    await writeFile(file, zipClaiming(1000, 2));
    await expect(loadAll(folder)).rejects.toThrow(
      `${file}: not a readable .xlsx workbook: its zip directory is damaged`,
    );
  });

  it('reads a header of formatted (rich-text) cells as its text', async () => {
    const plain = await loadAll(
      await cellFolder('CS2_94', { 'CS2_94_1_1_11.xlsx': { startDate: 40500, capacities } }),
    );
    const rich = await loadAll(
      await cellFolder('CS2_95', {
        'CS2_95_1_1_11.xlsx': { startDate: 40500, capacities, richTextHeader: true },
      }),
    );
    expect(rich[0]!.cycles.map((c) => c.dischargeCapacityInAh)).toEqual(
      plain[0]!.cycles.map((c) => c.dischargeCapacityInAh),
    );
  });

  it('refuses a header in other units before reading rows', async () => {
    const header = ARBIN_HEADER.map((name) => (name === 'Current(A)' ? 'Current(mA)' : name));
    const error = await loadError('CS2_92', { startDate: 40500, capacities, header });
    expect(error.message).toMatch(
      /sheet Channel_1-008\], line 1: unexpected header: .*Current\(A\).*Current\(mA\)/,
    );
  });

  it('names sheet, row and column of a non-number', async () => {
    const error = await loadError('CS2_93', {
      startDate: 40500,
      capacities,
      override: { row: 40, column: 'Voltage(V)', value: 'NaN' },
    });
    // Data row 40 (0-based) is sheet row 42: header on row 1.
    expect(error.message).toMatch(
      /CS2_93_1_1_11\.xlsx \[sheet Channel_1-008\], line 42, field "Voltage\(V\)": "NaN" is not a number/,
    );
    expect(error.location.line).toBe(42);
  });

  it('refuses an empty channel sheet and a workbook without Info', async () => {
    expect((await loadError('CS2_94', { startDate: 40500, capacities, noRows: true })).message).toMatch(
      /no data rows after the header/,
    );
    expect((await loadError('CS2_95', { startDate: 40500, capacities, noInfo: true })).message).toMatch(
      /no Info sheet/,
    );
  });

  it('refuses a cycle index that goes back', async () => {
    const error = await loadError('CS2_96', {
      startDate: 40500,
      capacities,
      override: { row: 100, column: 'Cycle_Index', value: 1 },
    });
    expect(error.message).toMatch(/line 102, field "Cycle_Index": cycle index 1 after 7/);
  });
});
