import type { CycleTimeSeries } from './cell.js';
import { Float64Column } from './float64-column.js';

/**
 * One cycle's samples while a cycler export streams in row by row: a typed column per quantity, reused
 * cycle after cycle, so buffering costs 8 bytes a value and the longest cycle's storage, not a string per
 * cell of the whole file. Push each row's numbers into the columns; `take` ends the cycle.
 */
export class CycleSamples {
  readonly time = new Float64Column();
  readonly voltage = new Float64Column();
  readonly current = new Float64Column();
  readonly charge = new Float64Column();
  readonly discharge = new Float64Column();
  readonly temperature = new Float64Column();

  /** Samples buffered since the last `take`. */
  get length(): number {
    return this.time.length;
  }

  /** Forgets the buffered samples (a cycle whose samples are not kept after all). */
  clear(): void {
    for (const column of this.columns()) column.clear();
  }

  private columns(): Float64Column[] {
    return [this.time, this.voltage, this.current, this.charge, this.discharge, this.temperature];
  }

  /** The buffered samples as a time series (plain arrays, the cell schema's form); empties the buffer. */
  take(withTemperature: boolean): CycleTimeSeries {
    const series: CycleTimeSeries = {
      timeInS: this.time.toArray(),
      voltageInV: this.voltage.toArray(),
      currentInA: this.current.toArray(),
      chargeCapacityInAh: this.charge.toArray(),
      dischargeCapacityInAh: this.discharge.toArray(),
      ...(withTemperature ? { temperatureInC: this.temperature.toArray() } : {}),
    };
    this.clear();
    return series;
  }
}
