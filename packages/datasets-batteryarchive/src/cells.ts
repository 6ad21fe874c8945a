import {
  type Cycle,
  CycleSamples,
  type CycleTimeSeries,
  DatasetError,
  type LoadProgress,
  streamCsv,
} from '@diffbatt/core';
import { columnPositions, cycleDataHeader, cycleIndexAt, timeseriesHeader } from './columns.js';

/** Per-cycle capacities from `<cell>_cycle_data.csv`, by Cycle_Index (strictly increasing). */
export async function readCycleData(file: string): Promise<Map<number, Cycle>> {
  const cycles = new Map<number, Cycle>();
  let previous = -1;
  await streamCsv(file, {}, (header) => {
    const at = columnPositions(header, cycleDataHeader, 'cycle_data');
    return (fields, line) => {
      const cycleNumber = cycleIndexAt(header, fields, line, at.Cycle_Index);
      if (cycleNumber <= previous) {
        throw new DatasetError(`cycle index ${cycleNumber} after ${previous}: expected increasing`, {
          file,
          line,
          field: 'Cycle_Index',
        });
      }
      previous = cycleNumber;
      cycles.set(cycleNumber, {
        cycleNumber,
        chargeCapacityInAh: header.numberAt(fields, line, at['Charge_Capacity (Ah)']),
        dischargeCapacityInAh: header.numberAt(fields, line, at['Discharge_Capacity (Ah)']),
      });
    };
  });
  return cycles;
}

/**
 * Samples of `<cell>_timeseries.csv` grouped by Cycle_Index (non-decreasing), streamed: only the current
 * cycle's numbers are buffered (typed columns), so memory is the cells' samples, not the file's text.
 * Capacities are rebased to start each cycle at 0 Ah whether the file's counters restart per cycle or
 * accumulate, so a cycle's `dischargeCapacityInAh` against `voltageInV` is its Q(V). Discharge current is
 * negative, as in the files. Progress is reported in bytes read.
 */
export async function readTimeseries(
  file: string,
  onProgress?: (progress: LoadProgress) => void,
): Promise<Map<number, CycleTimeSeries>> {
  const series = new Map<number, CycleTimeSeries>();
  const samples = new CycleSamples();
  // Cell_Temperature is often blank in real downloads: kept only when every row has a value.
  const temperatures = new Map<number, number[]>();
  let everyTemperature = false;
  let cycleNumber = -1;
  const endCycle = () => {
    if (samples.length === 0) return;
    const { temperatureInC, ...cycle } = samples.take(everyTemperature);
    rebase(cycle.chargeCapacityInAh!);
    rebase(cycle.dischargeCapacityInAh!);
    series.set(cycleNumber, cycle);
    if (temperatureInC) temperatures.set(cycleNumber, temperatureInC);
  };
  await streamCsv(file, onProgress ? { onProgress } : {}, (header) => {
    const at = columnPositions(header, timeseriesHeader, 'timeseries');
    const temperatureAt = at['Cell_Temperature (C)'];
    everyTemperature = temperatureAt !== undefined;
    return (fields, line) => {
      const index = cycleIndexAt(header, fields, line, at.Cycle_Index);
      if (index < cycleNumber) {
        throw new DatasetError(`cycle index ${index} after ${cycleNumber}: expected non-decreasing`, {
          file,
          line,
          field: 'Cycle_Index',
        });
      }
      if (index !== cycleNumber) {
        endCycle();
        cycleNumber = index;
      }
      samples.time.push(header.numberAt(fields, line, at['Test_Time (s)']));
      samples.voltage.push(header.numberAt(fields, line, at['Voltage (V)']));
      samples.current.push(header.numberAt(fields, line, at['Current (A)']));
      samples.charge.push(header.numberAt(fields, line, at['Charge_Capacity (Ah)']));
      samples.discharge.push(header.numberAt(fields, line, at['Discharge_Capacity (Ah)']));
      if (temperatureAt === undefined) return;
      if (fields[temperatureAt]!.trim() === '') {
        everyTemperature = false;
        temperatures.clear();
      } else {
        const value = header.numberAt(fields, line, temperatureAt);
        if (everyTemperature) samples.temperature.push(value);
      }
    };
  });
  endCycle();
  for (const [number, values] of temperatures) series.get(number)!.temperatureInC = values;
  return series;
}

/** `values` less their smallest, in place (a cycle's capacities start at 0 Ah). */
function rebase(values: number[]): void {
  const start = values.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! - start;
}

/** Capacity moved in a cycle according to its (rebased) samples. */
export function seriesCapacity(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}
