import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { DatasetError, inputFileSize, type LoadProgress } from '@diffbatt/core';
import { type } from 'arktype';
import ExcelJS from 'exceljs';

/** The Arbin columns the plugin reads, keyed by header name (units are part of Arbin's names). */
const CHANNEL_COLUMNS = {
  testTimeInS: 'Test_Time(s)',
  cycleIndex: 'Cycle_Index',
  currentInA: 'Current(A)',
  voltageInV: 'Voltage(V)',
  chargeCapacityInAh: 'Charge_Capacity(Ah)',
  dischargeCapacityInAh: 'Discharge_Capacity(Ah)',
} as const;
type ChannelColumn = keyof typeof CHANNEL_COLUMNS;

/**
 * Header of the `Channel_*` sheet as a map from column name to position. Validated before any row is
 * read, so a file in other units (e.g. `Current(mA)`) is refused instead of misread by a factor 1000.
 */
const channelHeader = type({
  'Test_Time(s)': 'number',
  Cycle_Index: 'number',
  'Current(A)': 'number',
  'Voltage(V)': 'number',
  'Charge_Capacity(Ah)': 'number',
  'Discharge_Capacity(Ah)': 'number',
});

/** `Info` sheet: metadata names on row 4, values on row 5; `Start_DateTime` (column B) orders sessions. */
const INFO_HEADER_ROW = 4;
const infoStart = type({ Start_DateTime: 'number > 0' });

/** One Arbin test session (one `.xlsx` export): its start and the per-sample columns of its channel sheet. */
export interface ArbinSession {
  file: string;
  /** Excel serial date (days since 1899-12-30) of the session start, from `Info!B5`. */
  startDate: number;
  /** Per-sample columns; capacities are cumulative within the session, `cycleIndex` restarts at 1. */
  columns: Record<ChannelColumn, Float64Array>;
}

export interface ReadArbinOptions {
  onProgress?: (progress: LoadProgress) => void;
}

/** Sends progress at most every this many bytes, so a 3 MB sheet reports a few dozen times. */
const PROGRESS_STEP_BYTES = 256 * 1024;

/**
 * Reads one Arbin `.xlsx` export. The whole workbook is held in memory (exceljs' Workbook reader), bounded
 * by MAX_INFLATED_BYTES: exceljs' streaming WorkbookReader drops zip entries when its consumer is slow
 * (exceljs issue #3064), which on a loaded machine left a CS2_35 sheet without its shared strings, so
 * its header came back as `{ sharedString: n }` objects. Every error is a DatasetError naming the file,
 * sheet, row and column.
 */
export async function readArbinSession(file: string, options: ReadArbinOptions = {}): Promise<ArbinSession> {
  const totalBytes = await inputFileSize(file);
  await assertCompleteZip(file, totalBytes);
  const input = createReadStream(file);
  let readBytes = 0;
  let reportedBytes = 0;
  input.on('data', (chunk) => {
    readBytes += chunk.length;
    if (options.onProgress && readBytes - reportedBytes >= PROGRESS_STEP_BYTES) {
      reportedBytes = readBytes;
      options.onProgress({ file, done: readBytes, total: totalBytes, unit: 'bytes' });
    }
  });

  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.read(input);
  } catch (error) {
    throw new DatasetError(`not a readable .xlsx workbook (${(error as Error).message}); truncated file?`, {
      file,
    });
  } finally {
    input.destroy();
  }
  let startDate: number | undefined;
  let channel: Record<ChannelColumn, number[]> | undefined;
  for (const sheet of workbook.worksheets) {
    if (sheet.name === 'Info') startDate = readInfoStart(sheetRows(sheet), `${file} [sheet Info]`);
    else if (sheet.name.startsWith('Channel')) {
      if (channel) throw new DatasetError('more than one Channel_* sheet', { file });
      channel = readChannel(sheetRows(sheet), `${file} [sheet ${sheet.name}]`);
    }
  }
  if (startDate === undefined) throw new DatasetError('no Info sheet with Start_DateTime', { file });
  if (!channel) throw new DatasetError('no Channel_* sheet with the samples', { file });
  options.onProgress?.({ file, done: totalBytes, total: totalBytes, unit: 'bytes' });

  const columns = Object.fromEntries(
    Object.entries(channel).map(([key, values]) => [key, Float64Array.from(values)]),
  ) as Record<ChannelColumn, Float64Array>;
  return { file, startDate, columns };
}

/** The rows that hold values, in order (as a streamed sheet gives them: empty rows are skipped). */
function sheetRows(sheet: ExcelJS.Worksheet): ExcelJS.Row[] {
  const rows: ExcelJS.Row[] = [];
  sheet.eachRow((row) => {
    rows.push(row);
  });
  return rows;
}

/** The zip end-of-central-directory record: 22 bytes plus a comment of at most 65,535. */
const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const END_OF_CENTRAL_DIRECTORY_SEARCH = 22 + 0xffff;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;

/**
 * Most a workbook's zip entries may inflate to, in all: exceljs holds ~15x that in memory (a 14 MB CALCE
 * session peaks at 261 MB RSS), so this keeps a read near 1 GB and refuses a zip bomb in one line.
 */
const MAX_INFLATED_BYTES = 64 * 2 ** 20;

/**
 * A `.xlsx` is a zip whose last record says where its directory is. A cut file (a partial download) has
 * none, and exceljs' streaming reader then neither ended nor failed: the process exited with code 13 and
 * printed nothing. Checking the tail first turns that into one line; the directory then gives the size
 * every entry inflates to, which is bounded before anything is inflated.
 */
async function assertCompleteZip(file: string, totalBytes: number): Promise<void> {
  const length = Math.min(totalBytes, END_OF_CENTRAL_DIRECTORY_SEARCH);
  const handle = await open(file, 'r');
  try {
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, totalBytes - length);
    const at = tail.lastIndexOf(END_OF_CENTRAL_DIRECTORY);
    // The record is complete and ends the file (its last field is the comment's length).
    const complete = at >= 0 && at + 22 <= length && at + 22 + tail.readUInt16LE(at + 20) === length;
    if (!complete) {
      throw new DatasetError(
        'not a complete .xlsx workbook: the zip end-of-central-directory record is missing (truncated file or partial download?)',
        { file },
      );
    }
    const entries = tail.readUInt16LE(at + 10);
    const directorySize = tail.readUInt32LE(at + 12);
    const directoryOffset = tail.readUInt32LE(at + 16);
    const directory = Buffer.alloc(directorySize);
    await handle.read(directory, 0, directorySize, directoryOffset);
    let inflated = 0;
    for (let entry = 0, position = 0; entry < entries; entry++) {
      if (position + 46 > directorySize || directory.readUInt32LE(position) !== CENTRAL_DIRECTORY_HEADER) {
        throw new DatasetError('not a readable .xlsx workbook: its zip directory is damaged', { file });
      }
      // 0xffffffff marks a ZIP64 size: over 4 GB, so over the limit anyway.
      inflated += directory.readUInt32LE(position + 24);
      position +=
        46 +
        directory.readUInt16LE(position + 28) +
        directory.readUInt16LE(position + 30) +
        directory.readUInt16LE(position + 32);
    }
    if (inflated > MAX_INFLATED_BYTES) {
      throw new DatasetError(
        `the workbook inflates to ${(inflated / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_INFLATED_BYTES / 2 ** 20} MiB this reader holds in memory; export its Channel sheet as CSV`,
        { file },
      );
    }
  } finally {
    await handle.close();
  }
}

function readInfoStart(sheet: readonly ExcelJS.Row[], where: string): number {
  let names: unknown[] | undefined;
  let values: unknown[] | undefined;
  for (const row of sheet) {
    if (row.number === INFO_HEADER_ROW) names = rowValues(row);
    else if (row.number === INFO_HEADER_ROW + 1) values = rowValues(row);
  }
  if (!names || !values) {
    throw new DatasetError(`expected metadata names on row ${INFO_HEADER_ROW} and values below`, {
      file: where,
    });
  }
  const record = Object.fromEntries(
    names.map((name, index) => [String(name).trim(), excelSerial(values![index])]),
  );
  const checked = infoStart(record);
  if (checked instanceof type.errors) {
    throw new DatasetError(`session start date: ${checked.summary}`, {
      file: where,
      line: INFO_HEADER_ROW + 1,
      field: 'Start_DateTime',
    });
  }
  return checked.Start_DateTime;
}

function readChannel(sheet: readonly ExcelJS.Row[], where: string): Record<ChannelColumn, number[]> {
  const columns = Object.fromEntries(
    Object.keys(CHANNEL_COLUMNS).map((key) => [key, []]),
  ) as unknown as Record<ChannelColumn, number[]>;
  let positions: Record<ChannelColumn, number> | undefined;
  for (const row of sheet) {
    const values = rowValues(row);
    if (!positions) {
      positions = headerPositions(values, where, row.number);
      continue;
    }
    for (const [key, position] of Object.entries(positions) as [ChannelColumn, number][]) {
      const value = values[position];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new DatasetError(`${describeCell(value)} is not a number`, {
          file: where,
          line: row.number,
          field: CHANNEL_COLUMNS[key],
        });
      }
      columns[key].push(value);
    }
    checkCycleIndex(columns.cycleIndex, where, row.number);
  }
  if (!positions) throw new DatasetError('sheet is empty (no header row)', { file: where });
  if (columns.cycleIndex.length === 0) {
    throw new DatasetError('no data rows after the header', { file: where, line: 1 });
  }
  return columns;
}

/** Cycles are split by runs of `Cycle_Index`, so it must be a positive integer that never goes back. */
function checkCycleIndex(cycleIndex: number[], where: string, line: number): void {
  const current = cycleIndex[cycleIndex.length - 1]!;
  const previous = cycleIndex[cycleIndex.length - 2] ?? 1;
  if (!Number.isInteger(current) || current < previous) {
    throw new DatasetError(`cycle index ${current} after ${previous}: expected a non-decreasing integer`, {
      file: where,
      line,
      field: CHANNEL_COLUMNS.cycleIndex,
    });
  }
}

/**
 * A header cell as text. exceljs gives a shared string with formatting runs as `{ richText: [{ text }] }`;
 * once (CI, under load) a CS2_35 header came back as objects, so objects are read as rich text, and any
 * other shape is shown as JSON in the error rather than as "[object Object]".
 */
function headerText(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value).trim();
  const runs = (value as { richText?: unknown }).richText;
  if (Array.isArray(runs))
    return runs
      .map((run) => String((run as { text?: unknown }).text ?? ''))
      .join('')
      .trim();
  return JSON.stringify(value);
}

function headerPositions(values: unknown[], where: string, line: number): Record<ChannelColumn, number> {
  const byName = Object.fromEntries(values.map((name, index) => [headerText(name), index]));
  const checked = channelHeader(byName);
  if (checked instanceof type.errors) {
    const found = values.map(headerText).join(', ');
    throw new DatasetError(`unexpected header: ${checked.summary} (found: ${found})`, { file: where, line });
  }
  return Object.fromEntries(
    Object.entries(CHANNEL_COLUMNS).map(([key, name]) => [key, checked[name]]),
  ) as Record<ChannelColumn, number>;
}

/** Milliseconds per day, and the Unix epoch as an Excel (1900 system) serial day. */
const DAY_IN_MS = 86_400_000;
const UNIX_EPOCH_SERIAL = 25_569;

/** exceljs gives a date-formatted cell as a Date (UTC); the session order uses Excel's serial day number. */
function excelSerial(value: unknown): unknown {
  return value instanceof Date ? value.getTime() / DAY_IN_MS + UNIX_EPOCH_SERIAL : value;
}

/** exceljs rows are 1-based sparse arrays; this returns them 0-based (column A = index 0). */
function rowValues(row: ExcelJS.Row): unknown[] {
  return Array.from(row.values as unknown[]).slice(1);
}

function describeCell(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'empty cell';
  if (typeof value === 'object') return `cell ${JSON.stringify(value).slice(0, 40)}`;
  return `"${String(value).slice(0, 40)}"`;
}
