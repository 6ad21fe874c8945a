import { access, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type Cell,
  type Cycle,
  CycleSamples,
  type CycleTimeSeries,
  DatasetError,
  DISCHARGE_CURRENT_THRESHOLD_IN_A,
  type LoadOptions,
  MIN_DISCHARGE_CURVE_SAMPLES,
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
 * Cycles, in cycle-number order, that keep their samples: the capacity matrix reads the Q(V) of at most
 * 100 cycles from cycle 2, so 128 cycles with a discharge curve cover it with room to spare.
 */
export const ARBIN_TIME_SERIES_CYCLES = 128;

/**
 * Samples the reader holds at most for cycles that have no discharge curve (yet): about 200 MB of numbers.
 * A file without discharge cycles (a formation or charge-only test) would otherwise keep every sample, as
 * the first `timeSeriesCycles` cycles with a curve are never reached; past this budget such cycles keep
 * only their capacities, which is all the featuriser reads of them.
 */
export const ARBIN_MAX_HELD_SAMPLES = 2 ** 22;

export interface ArbinReadOptions extends LoadOptions {
  /**
   * Cycles keep their samples up to the N-th (by cycle number) that has a discharge curve, N by default
   * `ARBIN_TIME_SERIES_CYCLES`; later cycles keep only their capacities, so memory does not grow with the
   * file. `Infinity` keeps every sample.
   */
  timeSeriesCycles?: number;
  /**
   * Samples held at most (default `ARBIN_MAX_HELD_SAMPLES`) before cycles without a discharge curve drop
   * theirs (capacities are kept; one warning names the file and the cycles).
   */
  maxHeldSamples?: number;
}

/** A capacity counter of one cycle: its first sample and the largest rise above it (the cycle's capacity). */
interface Counter {
  first: number;
  largest: number;
}

interface CycleRecord {
  charge: Counter;
  discharge: Counter;
  /** The raw samples, while the cycle is among those that keep them. */
  series?: CycleTimeSeries;
  /** Samples below the featuriser's discharge current threshold, which decide whether a Q(V) curve exists. */
  dischargeSamples: number;
}

/** Adds a counter's sample: as `relative` then the largest value from 0 would, to the bit. */
function count(counter: Counter, value: number): void {
  const rise = value - counter.first;
  if (rise > counter.largest) counter.largest = rise;
}

/**
 * Streams an Arbin export into cycles (by `Cycle_Index`), keeping only the numeric columns a cell needs
 * and, past the first cycles (see `timeSeriesCycles`), only each cycle's capacities: memory is bounded
 * by those first cycles, not by the file (full MATR exports are hundreds of MB, cycler exports several
 * GB). Capacity counters are made relative to each cycle's first sample, so both per-cycle and cumulative
 * counters give per-cycle curves; a cycle's capacity is the largest of those values. Time in s, current
 * in A (discharge negative), voltage in V, capacities in Ah, temperature in °C when the column exists.
 */
export async function readArbinCycles(file: string, options: ArbinReadOptions = {}): Promise<Cycle[]> {
  const keptCurves = options.timeSeriesCycles ?? ARBIN_TIME_SERIES_CYCLES;
  if (!(keptCurves >= 0)) throw new RangeError(`timeSeriesCycles must be >= 0, got ${keptCurves}`);
  const budget = options.maxHeldSamples ?? ARBIN_MAX_HELD_SAMPLES;
  if (!(budget >= 0)) throw new RangeError(`maxHeldSamples must be >= 0, got ${budget}`);
  const cycles = new Map<number, CycleRecord>();
  // The cycles holding samples, and the number of the keptCurves-th of them with a discharge curve: a
  // cycle numbered above it keeps none (Infinity while fewer have one).
  const holding = new Map<number, CycleRecord>();
  let boundary = keptCurves === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const samples = new CycleSamples();
  let withTemperature = false;
  let cycleIndex = -1;
  let record: CycleRecord | undefined;
  // Whether the current run's samples are buffered (its cycle may still need them).
  let buffering = false;
  let runDischargeSamples = 0;
  const hasCurve = (held: CycleRecord) => held.dischargeSamples >= MIN_DISCHARGE_CURVE_SAMPLES;
  // Samples in the held cycles' series, and the cycles that lost theirs to the budget.
  let heldSamples = 0;
  const dropped: number[] = [];
  const release = (number: number, held: CycleRecord) => {
    heldSamples -= held.series?.timeInS.length ?? 0;
    delete held.series;
    holding.delete(number);
  };
  /** Over budget: cycles without a discharge curve give up their samples (the featuriser reads none). */
  const dropCurveless = () => {
    for (const [number, held] of holding) {
      if (hasCurve(held)) continue;
      release(number, held);
      dropped.push(number);
    }
  };
  /**
   * A cycle gained a curve, so the boundary may fall: a cycle numbered lower can arrive late, and the
   * cycles above the new boundary drop their samples (a cycle that dropped them never regains its place).
   */
  const lowerBoundary = () => {
    const curves = [...holding].filter(([, held]) => hasCurve(held)).map(([number]) => number);
    if (curves.length < keptCurves) return;
    boundary = curves.sort((a, b) => a - b)[keptCurves - 1] ?? Number.NEGATIVE_INFINITY;
    for (const [number, held] of holding) {
      if (number > boundary) release(number, held);
    }
  };
  const endRun = () => {
    if (!buffering || samples.length === 0) return;
    const run = samples.take(withTemperature);
    heldSamples += run.timeInS.length;
    const hadCurve = hasCurve(record!);
    record!.dischargeSamples += runDischargeSamples;
    runDischargeSamples = 0;
    if (!record!.series) {
      record!.series = run;
      holding.set(cycleIndex, record!);
    } else {
      // Exports run in time order, so a cycle index seldom comes back; when it does, its rows join the
      // cycle (one push at a time: spreading a long run would overflow the argument list).
      for (const key of Object.keys(run) as (keyof CycleTimeSeries)[]) {
        const into = record!.series[key]!;
        for (const value of run[key]!) into.push(value);
      }
    }
    if (!hadCurve && hasCurve(record!)) lowerBoundary();
    if (heldSamples > budget) dropCurveless();
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
      // Every field is parsed whether kept or not, so a bad value is refused anywhere in the file.
      const time = header.numberAt(fields, line, timeAt);
      const current = header.numberAt(fields, line, currentAt);
      const voltage = header.numberAt(fields, line, voltageAt);
      const charge = header.numberAt(fields, line, chargeAt);
      const discharge = header.numberAt(fields, line, dischargeAt);
      const temperature = withTemperature ? header.numberAt(fields, line, temperatureAt) : 0;
      if (index !== cycleIndex) {
        endRun();
        cycleIndex = index;
        record = cycles.get(index);
        if (!record) {
          record = {
            charge: { first: charge, largest: 0 },
            discharge: { first: discharge, largest: 0 },
            dischargeSamples: 0,
          };
          cycles.set(index, record);
          buffering = index < boundary;
        } else {
          buffering = holding.has(index);
        }
      }
      count(record!.charge, charge);
      count(record!.discharge, discharge);
      if (!buffering) return;
      if (
        samples.length >= budget &&
        record!.dischargeSamples + runDischargeSamples < MIN_DISCHARGE_CURVE_SAMPLES
      ) {
        // One run alone fills the budget before showing a discharge curve: it keeps no samples.
        samples.clear();
        runDischargeSamples = 0;
        buffering = false;
        if (record!.series) release(cycleIndex, record!);
        dropped.push(cycleIndex);
        return;
      }
      if (current < -DISCHARGE_CURRENT_THRESHOLD_IN_A) runDischargeSamples++;
      samples.time.push(time);
      samples.current.push(current);
      samples.voltage.push(voltage);
      samples.charge.push(charge);
      samples.discharge.push(discharge);
      if (withTemperature) samples.temperature.push(temperature);
    };
  });
  endRun();
  if (dropped.length > 0) {
    const numbers = [...new Set(dropped)].sort((a, b) => a - b);
    const listed = numbers.slice(0, 5).join(', ') + (numbers.length > 5 ? ', ...' : '');
    options.onWarning?.(
      `${file}: ${numbers.length} cycle(s) without a discharge curve kept only their capacities, not their ` +
        `samples (over ${budget} samples held): cycle(s) ${listed}`,
    );
  }
  return [...cycles.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cycleNumber, { charge, discharge, series }]) => {
      if (series) {
        relative(series.dischargeCapacityInAh!, discharge.first);
        relative(series.chargeCapacityInAh!, charge.first);
      }
      return {
        cycleNumber,
        dischargeCapacityInAh: discharge.largest,
        chargeCapacityInAh: charge.largest,
        ...(series ? { timeSeries: series } : {}),
      };
    });
}

/** A cycle's counter relative to its first sample, in place. */
function relative(values: number[], first: number): void {
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - first;
}

/** Reads one raw Arbin CSV export (and its `_Metadata.csv` when present) as one MATR cell. */
export async function readArbinCell(file: string, options: ArbinReadOptions = {}): Promise<Cell> {
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
