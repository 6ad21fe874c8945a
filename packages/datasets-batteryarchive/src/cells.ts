import { type Cycle, type CycleTimeSeries, DatasetError, type LoadProgress, readCsv } from '@diffbatt/core';
import { columnPositions, cycleDataHeader, cycleIndexAt, timeseriesHeader } from './columns.js';

/** Per-cycle capacities from `<cell>_cycle_data.csv`, by Cycle_Index (strictly increasing). */
export async function readCycleData(file: string): Promise<Map<number, Cycle>> {
  const table = await readCsv(file);
  const at = columnPositions(table, cycleDataHeader, 'cycle_data');
  const cycles = new Map<number, Cycle>();
  let previous = -1;
  for (let row = 0; row < table.rowCount; row++) {
    const cycleNumber = cycleIndexAt(table, row, at.Cycle_Index);
    if (cycleNumber <= previous) {
      throw new DatasetError(`cycle index ${cycleNumber} after ${previous}: expected increasing`, {
        file,
        line: table.lineOf(row),
        field: 'Cycle_Index',
      });
    }
    previous = cycleNumber;
    cycles.set(cycleNumber, {
      cycleNumber,
      chargeCapacityInAh: table.number(row, at['Charge_Capacity (Ah)']),
      dischargeCapacityInAh: table.number(row, at['Discharge_Capacity (Ah)']),
    });
  }
  return cycles;
}

/** Rows between two progress reports of a timeseries file. */
const PROGRESS_STEP_ROWS = 50_000;

/**
 * Samples of `<cell>_timeseries.csv` grouped by Cycle_Index (non-decreasing). Capacities are rebased to
 * start each cycle at 0 Ah whether the file's counters restart per cycle or accumulate, so a cycle's
 * `dischargeCapacityInAh` against `voltageInV` is its Q(V). Discharge current is negative, as in the files.
 */
export async function readTimeseries(
  file: string,
  onProgress?: (progress: LoadProgress) => void,
): Promise<Map<number, CycleTimeSeries>> {
  const table = await readCsv(file);
  const at = columnPositions(table, timeseriesHeader, 'timeseries');
  const temperature = at['Cell_Temperature (C)'];
  const withTemperature =
    temperature !== undefined && table.numberColumn(temperature, 'nan').every((t) => Number.isFinite(t));
  const series = new Map<number, CycleTimeSeries>();
  let current: CycleTimeSeries | undefined;
  let previous = -1;
  for (let row = 0; row < table.rowCount; row++) {
    const cycleNumber = cycleIndexAt(table, row, at.Cycle_Index);
    if (cycleNumber < previous) {
      throw new DatasetError(`cycle index ${cycleNumber} after ${previous}: expected non-decreasing`, {
        file,
        line: table.lineOf(row),
        field: 'Cycle_Index',
      });
    }
    if (cycleNumber !== previous || !current) {
      current = {
        timeInS: [],
        voltageInV: [],
        currentInA: [],
        chargeCapacityInAh: [],
        dischargeCapacityInAh: [],
        ...(withTemperature ? { temperatureInC: [] } : {}),
      };
      series.set(cycleNumber, current);
      previous = cycleNumber;
    }
    current.timeInS.push(table.number(row, at['Test_Time (s)']));
    current.voltageInV.push(table.number(row, at['Voltage (V)']));
    current.currentInA.push(table.number(row, at['Current (A)']));
    current.chargeCapacityInAh!.push(table.number(row, at['Charge_Capacity (Ah)']));
    current.dischargeCapacityInAh!.push(table.number(row, at['Discharge_Capacity (Ah)']));
    if (withTemperature) current.temperatureInC!.push(table.number(row, temperature!));
    if (onProgress && (row + 1) % PROGRESS_STEP_ROWS === 0) {
      onProgress({ file, done: row + 1, total: table.rowCount, unit: 'rows' });
    }
  }
  onProgress?.({ file, done: table.rowCount, total: table.rowCount, unit: 'rows' });
  for (const cycle of series.values()) {
    rebase(cycle.chargeCapacityInAh!);
    rebase(cycle.dischargeCapacityInAh!);
  }
  return series;
}

function rebase(values: number[]): void {
  const start = values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - start;
}

/** Capacity moved in a cycle according to its (rebased) samples. */
export function seriesCapacity(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}
