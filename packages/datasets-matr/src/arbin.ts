import { access, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type Cell,
  type Cycle,
  CycleSamples,
  type CycleTimeSeries,
  DatasetError,
  type LoadOptions,
  readCsv,
  streamCsv,
} from '@diffbatt/core';
import { matrCell } from './matr-cell.js';

/** Columns every Arbin export must have (MATR's raw files add energies, dV/dt, resistance, temperature). */
export const ARBIN_COLUMNS = [
  'Cycle_Index',
  'Test_Time',
  'Current',
  'Voltage',
  'Charge_Capacity',
  'Discharge_Capacity',
];

/** `FastCharge_000025_CH8.csv` -> `FastCharge_000025_CH8_Metadata.csv` beside it. */
export const arbinMetadataPath = (file: string) => file.replace(/\.csv$/i, '_Metadata.csv');

/** Whether a file starts with an Arbin export header (reads only the first line's worth of bytes). */
export async function isArbinCsv(file: string): Promise<boolean> {
  if (!/\.csv$/i.test(file) || /_Metadata\.csv$/i.test(file)) return false;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
      const firstLine = buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
      const names = firstLine
        .replace(/^\ufeff/, '')
        .split(',')
        .map((name) => name.trim());
      return ARBIN_COLUMNS.every((column) => names.includes(column));
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Arbin CSVs in a directory, in name order. */
export async function arbinFilesIn(directory: string): Promise<string[]> {
  const files = (await readdir(directory)).sort().map((name) => join(directory, name));
  const flags = await Promise.all(files.map(isArbinCsv));
  return files.filter((_, i) => flags[i]);
}

interface ArbinMetadata {
  barcode?: string;
  schedule?: string;
  channel?: string;
}

/** The `_Metadata.csv` Arbin/MATR writes beside a test: barcode (`item_id`), schedule and channel. */
async function readArbinMetadata(file: string): Promise<ArbinMetadata> {
  try {
    await access(file);
  } catch {
    return {};
  }
  const table = await readCsv(file, { requiredColumns: ['item_id'] });
  const text = (column: string) =>
    table.hasColumn(column) ? table.text(0, column).trim() || undefined : undefined;
  const barcode = text('item_id');
  const schedule = text('schedule_file_name');
  const channel = text('iv_ch_id');
  return {
    ...(barcode ? { barcode } : {}),
    ...(schedule ? { schedule } : {}),
    ...(channel ? { channel } : {}),
  };
}

/**
 * Streams an Arbin export into cycles (by `Cycle_Index`), keeping only the numeric columns a cell needs:
 * a run of rows of one cycle is buffered in typed columns, then stored as the cycle's arrays, so memory
 * is the samples, not the file's text (full MATR exports are hundreds of MB). Capacity counters are made
 * relative to each cycle's first sample, so both per-cycle and cumulative counters give per-cycle curves;
 * a cycle's discharge capacity is the largest of those values. Time in s, current in A (discharge
 * negative), voltage in V, capacities in Ah, temperature in °C when the column exists.
 */
export async function readArbinCycles(file: string, options: LoadOptions = {}): Promise<Cycle[]> {
  // Each cycle's samples as read: capacity counters are made relative once the cycle is complete.
  const cycles = new Map<number, CycleTimeSeries>();
  const samples = new CycleSamples();
  let withTemperature = false;
  let cycleIndex = -1;
  const endRun = () => {
    if (samples.length === 0) return;
    const run = samples.take(withTemperature);
    const earlier = cycles.get(cycleIndex);
    if (!earlier) {
      cycles.set(cycleIndex, run);
    } else {
      // Exports run in time order, so a cycle index seldom comes back; when it does, its rows join the
      // cycle (one push at a time: spreading a long run would overflow the argument list).
      for (const key of Object.keys(run) as (keyof CycleTimeSeries)[]) {
        const into = earlier[key]!;
        for (const value of run[key]!) into.push(value);
      }
    }
  };
  await streamCsv(file, { ...options, requiredColumns: ARBIN_COLUMNS }, (header) => {
    const [indexAt, timeAt, currentAt, voltageAt, chargeAt, dischargeAt] = ARBIN_COLUMNS.map((name) =>
      header.columnIndex(name),
    ) as [number, number, number, number, number, number];
    withTemperature = header.hasColumn('Temperature');
    const temperatureAt = withTemperature ? header.columnIndex('Temperature') : -1;
    return (fields, line) => {
      const index = header.numberAt(fields, line, indexAt);
      if (!Number.isInteger(index) || index < 0) {
        throw new DatasetError(`cycle index ${index} is not a non-negative integer`, {
          file,
          line,
          field: 'Cycle_Index',
        });
      }
      if (index !== cycleIndex) {
        endRun();
        cycleIndex = index;
      }
      samples.time.push(header.numberAt(fields, line, timeAt));
      samples.current.push(header.numberAt(fields, line, currentAt));
      samples.voltage.push(header.numberAt(fields, line, voltageAt));
      samples.charge.push(header.numberAt(fields, line, chargeAt));
      samples.discharge.push(header.numberAt(fields, line, dischargeAt));
      if (withTemperature) samples.temperature.push(header.numberAt(fields, line, temperatureAt));
    };
  });
  endRun();
  // reduce, not Math.max(...): a long cycle would overflow the argument list.
  const largest = (values: number[]) => values.reduce((a, b) => (b > a ? b : a), 0);
  return [...cycles.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cycleNumber, timeSeries]) => {
      const dischargeCapacityInAh = relative(timeSeries.dischargeCapacityInAh!);
      const chargeCapacityInAh = relative(timeSeries.chargeCapacityInAh!);
      return {
        cycleNumber,
        dischargeCapacityInAh: largest(dischargeCapacityInAh),
        chargeCapacityInAh: largest(chargeCapacityInAh),
        timeSeries,
      };
    });
}

/** A cycle's counter relative to its first sample, in place. */
function relative(values: number[]): number[] {
  const first = values[0]!;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - first;
  return values;
}

/** Reads one raw Arbin CSV export (and its `_Metadata.csv` when present) as one MATR cell. */
export async function readArbinCell(file: string, options: LoadOptions = {}): Promise<Cell> {
  const metadata = await readArbinMetadata(arbinMetadataPath(file));
  const cycles = await readArbinCycles(file, options);
  const stem = basename(file).replace(/\.csv$/i, '');
  return matrCell({
    cellId: metadata.barcode ?? stem,
    description:
      `Arbin export ${stem} (${dirname(file)})` +
      (metadata.schedule ? `, schedule ${metadata.schedule}` : '') +
      (metadata.channel ? `, channel ${metadata.channel}` : ''),
    cycles,
  });
}
