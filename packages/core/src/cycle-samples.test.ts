import { describe, expect, it } from 'vitest';
import { CycleSamples } from './cycle-samples.js';

describe('CycleSamples', () => {
  it('grows past its first storage and hands over exact arrays, empty for the next cycle', () => {
    const samples = new CycleSamples();
    for (let i = 0; i < 5000; i++) {
      samples.time.push(i);
      samples.voltage.push(3 + i / 1e4);
      samples.current.push(-1);
      samples.charge.push(0);
      samples.discharge.push(i / 1e3);
      samples.temperature.push(30);
    }
    const series = samples.take(true);
    expect(series.timeInS).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(series.voltageInV[4999]).toBe(3 + 4999 / 1e4);
    expect(Object.keys(series)).toEqual([
      'timeInS',
      'voltageInV',
      'currentInA',
      'chargeCapacityInAh',
      'dischargeCapacityInAh',
      'temperatureInC',
    ]);
    expect(samples.length).toBe(0);
    samples.time.push(7);
    expect(samples.take(false)).toEqual({
      timeInS: [7],
      voltageInV: [],
      currentInA: [],
      chargeCapacityInAh: [],
      dischargeCapacityInAh: [],
    });
  });
});
