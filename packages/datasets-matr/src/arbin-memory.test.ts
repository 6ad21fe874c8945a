import { open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArbinCycles } from './arbin.js';

/**
 * A memory bound, not a time bound: a SYNTHETIC Arbin export of about 41 MB (MATR's 15 columns, made-up
 * numbers) streams through the reader while RSS is sampled at every progress report (each MiB read). The
 * whole-file reader this replaced held the text and a string per cell, six times the file and more. What
 * the cells keep (6 numbers a sample) is counted out; the rest of the growth is the reader's own.
 */
const HEADER =
  'Data_Point,Test_Time,DateTime,Step_Time,Step_Index,Cycle_Index,Current,Voltage,Charge_Capacity,' +
  'Discharge_Capacity,Charge_Energy,Discharge_Energy,dV/dt,Internal_Resistance,Temperature';
const ROWS = 300_000;
/** A first, small file warms the reader up (compiled code, a grown young heap) before RSS is measured. */
const WARM_UP_ROWS = 20_000;
const SAMPLES_PER_CYCLE = 1000;
/** Numbers kept a sample: time, current, voltage, charge, discharge, temperature; 8 bytes each. */
const KEPT_BYTES_PER_SAMPLE = 6 * 8;
/**
 * The reader's own allowance over what the cells keep: chunks in flight, one cycle's typed columns, the
 * young heap's garbage. Measured: about 13 MB (27 MB growth for 14 MB kept from a 41 MB file); the
 * whole-file reader grew by about 260 MB on the same file.
 */
const READER_ALLOWANCE_BYTES = 24 * 2 ** 20;

const path = join(tmpdir(), `synthetic-arbin-memory-${process.pid}.csv`);
const warmUp = join(tmpdir(), `synthetic-arbin-warm-up-${process.pid}.csv`);

/** Writes the file in ~1 MB pieces, so that making it does not itself hold 40 MB. */
async function writeSyntheticArbin(path: string, rows: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(`${HEADER}\n`);
    let piece: string[] = [];
    for (let row = 0; row < rows; row++) {
      const cycle = 1 + Math.floor(row / SAMPLES_PER_CYCLE);
      const step = row % SAMPLES_PER_CYCLE;
      const current = step < SAMPLES_PER_CYCLE / 2 ? 1.1 : -4.4;
      const time = (row * 10.0013).toFixed(4);
      piece.push(
        `${row},${time},${(1494645243.4715 + row * 10).toFixed(4)},${(step * 10.0013).toFixed(4)},` +
          `${step < SAMPLES_PER_CYCLE / 2 ? 1 : 2},${cycle},${current},${(3.3 - step * 1e-4).toFixed(7)},` +
          `${(step * 1.1e-3).toFixed(7)},${(step * 0.9e-3).toFixed(7)},${(step * 3.6e-3).toFixed(7)},` +
          `${(step * 2.9e-3).toFixed(7)},-1.1444092e-05,0.0151${step % 10},${(30 + (step % 7) * 0.01).toFixed(6)}`,
      );
      if (piece.length === 8000) {
        await handle.write(`${piece.join('\n')}\n`);
        piece = [];
      }
    }
    await handle.write(`${piece.join('\n')}\n`);
  } finally {
    await handle.close();
  }
}

beforeAll(async () => {
  await writeSyntheticArbin(path, ROWS);
  await writeSyntheticArbin(warmUp, WARM_UP_ROWS);
});
afterAll(async () => {
  await rm(path, { force: true });
  await rm(warmUp, { force: true });
});

describe('streaming Arbin reader memory', () => {
  it('grows RSS by what the cycles keep plus a bound that does not scale with the file', async () => {
    const size = (await stat(path)).size;
    expect(size).toBeGreaterThan(40_000_000);
    await readArbinCycles(warmUp);
    const before = process.memoryUsage().rss;
    let peak = before;
    const cycles = await readArbinCycles(path, {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    const samples = cycles.reduce((n, cycle) => n + cycle.timeSeries!.timeInS.length, 0);
    expect(samples).toBe(ROWS);
    const kept = samples * KEPT_BYTES_PER_SAMPLE;
    expect(kept + READER_ALLOWANCE_BYTES).toBeLessThan(size);
    expect(peak - before).toBeLessThan(kept + READER_ALLOWANCE_BYTES);
  });
});
