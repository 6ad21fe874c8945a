import { access, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Cell, type CsvTable, type Cycle, DatasetError, readCsv } from '@diffbatt/core';
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
 * Groups an Arbin table into cycles (by `Cycle_Index`). Capacity counters are made relative to each
 * cycle's first sample, so both per-cycle and cumulative counters give per-cycle curves; a cycle's
 * discharge capacity is the largest of those values. Time in s, current in A (discharge negative),
 * voltage in V, capacities in Ah, temperature in °C when the column exists.
 */
export function arbinCycles(table: CsvTable): Cycle[] {
  const cycleIndex = table.numberColumn('Cycle_Index');
  const time = table.numberColumn('Test_Time');
  const current = table.numberColumn('Current');
  const voltage = table.numberColumn('Voltage');
  const charge = table.numberColumn('Charge_Capacity');
  const discharge = table.numberColumn('Discharge_Capacity');
  const temperature = table.hasColumn('Temperature') ? table.numberColumn('Temperature') : undefined;
  const rowsByCycle = new Map<number, number[]>();
  for (let row = 0; row < table.rowCount; row++) {
    const index = cycleIndex[row]!;
    if (!Number.isInteger(index) || index < 0) {
      throw new DatasetError(`cycle index ${index} is not a non-negative integer`, {
        file: table.file,
        line: table.lineOf(row),
        field: 'Cycle_Index',
      });
    }
    const rows = rowsByCycle.get(index) ?? [];
    rows.push(row);
    rowsByCycle.set(index, rows);
  }
  return [...rowsByCycle.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cycleNumber, rows]) => {
      const pick = (column: Float64Array) => rows.map((row) => column[row]!);
      const relative = (column: Float64Array) => {
        const first = column[rows[0]!]!;
        return rows.map((row) => column[row]! - first);
      };
      const dischargeCapacityInAh = relative(discharge);
      const chargeCapacityInAh = relative(charge);
      // reduce, not Math.max(...): a long cycle would overflow the argument list.
      const largest = (values: number[]) => values.reduce((a, b) => (b > a ? b : a), 0);
      return {
        cycleNumber,
        dischargeCapacityInAh: largest(dischargeCapacityInAh),
        chargeCapacityInAh: largest(chargeCapacityInAh),
        timeSeries: {
          timeInS: pick(time),
          voltageInV: pick(voltage),
          currentInA: pick(current),
          chargeCapacityInAh,
          dischargeCapacityInAh,
          ...(temperature ? { temperatureInC: pick(temperature) } : {}),
        },
      };
    });
}

/** Reads one raw Arbin CSV export (and its `_Metadata.csv` when present) as one MATR cell. */
export async function readArbinCell(file: string): Promise<Cell> {
  const metadata = await readArbinMetadata(arbinMetadataPath(file));
  const table = await readCsv(file, { requiredColumns: ARBIN_COLUMNS });
  const stem = basename(file).replace(/\.csv$/i, '');
  return matrCell({
    cellId: metadata.barcode ?? stem,
    description:
      `Arbin export ${stem} (${dirname(file)})` +
      (metadata.schedule ? `, schedule ${metadata.schedule}` : '') +
      (metadata.channel ? `, channel ${metadata.channel}` : ''),
    cycles: arbinCycles(table),
  });
}
