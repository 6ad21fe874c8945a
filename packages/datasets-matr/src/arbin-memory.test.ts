import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARBIN_TIME_SERIES_CYCLES, readArbinCycles } from './arbin.js';
import { writeSyntheticArbin } from './testing/synthetic-arbin.js';

/**
 * Memory bounds, not time bounds: a SYNTHETIC Arbin export of about 39 MB (MATR's 15 columns, made-up
 * numbers, 300 cycles) streams through the reader while RSS is sampled at every progress report (each MiB
 * read). Only the first 128 cycles keep their samples (6 numbers each); the rest keep two capacities, so
 * what the cycles hold stops growing with the file. The whole-file reader this replaced held the text
 * and a string per cell, six times the file and more; the streaming reader before this kept every sample.
 */
const ROWS = 300_000;
/** A first, small file warms the reader up (compiled code, a grown young heap) before RSS is measured. */
const WARM_UP_ROWS = 20_000;
const SAMPLES_PER_CYCLE = 1000;
/** Numbers kept a sample: time, current, voltage, charge, discharge, temperature; 8 bytes each. */
const KEPT_BYTES_PER_SAMPLE = 6 * 8;
/**
 * What the result holds beyond its samples' numbers: array headers and spare capacity, 300 cycles'
 * capacities. Measured: 8.5 MB held for 5.9 MB of samples; the reader before, keeping every sample, 20 MB.
 */
const HELD_ALLOWANCE_BYTES = 4 * 2 ** 20;
/**
 * The reader's allowance in RSS over what the cycles keep: chunks in flight, one cycle's typed columns,
 * garbage not yet collected. Measured: 5-16 MB growth in all; the whole-file reader grew by about 260 MB.
 */
const READER_ALLOWANCE_BYTES = 24 * 2 ** 20;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
/** Memory the heap holds after a full collection: what is kept, without the garbage waiting for one. */
const retainedBytes = async () => {
  // A few rounds, a turn apart: one collection alone left streams' buffers and finalisers (held 2.5-13 MB).
  for (let round = 0; round < 3; round++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

const path = join(tmpdir(), `synthetic-arbin-memory-${process.pid}.csv`);
const warmUp = join(tmpdir(), `synthetic-arbin-warm-up-${process.pid}.csv`);

beforeAll(async () => {
  await writeSyntheticArbin(path, { rows: ROWS, samplesPerCycle: SAMPLES_PER_CYCLE });
  await writeSyntheticArbin(warmUp, { rows: WARM_UP_ROWS, samplesPerCycle: SAMPLES_PER_CYCLE });
});
afterAll(async () => {
  await rm(path, { force: true });
  await rm(warmUp, { force: true });
});

describe('streaming Arbin reader memory', () => {
  it('keeps the samples of the first cycles only and grows RSS by those plus a bound', async () => {
    const size = (await stat(path)).size;
    expect(size).toBeGreaterThan(38_000_000);
    await readArbinCycles(warmUp);
    const heldBefore = await retainedBytes();
    const before = process.memoryUsage().rss;
    let peak = before;
    const cycles = await readArbinCycles(path, {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    const held = (await retainedBytes()) - heldBefore;
    expect(cycles).toHaveLength(ROWS / SAMPLES_PER_CYCLE);
    const withSamples = cycles.filter((cycle) => cycle.timeSeries !== undefined);
    expect(withSamples.map((cycle) => cycle.cycleNumber)).toEqual(
      Array.from({ length: ARBIN_TIME_SERIES_CYCLES }, (_, i) => i + 1),
    );
    const samples = withSamples.reduce((n, cycle) => n + cycle.timeSeries!.timeInS.length, 0);
    expect(samples).toBe(ARBIN_TIME_SERIES_CYCLES * SAMPLES_PER_CYCLE);
    const kept = samples * KEPT_BYTES_PER_SAMPLE;
    expect(held).toBeLessThan(kept + HELD_ALLOWANCE_BYTES);
    // Keeping every sample, as the reader did before, would not fit that bound.
    expect(kept + HELD_ALLOWANCE_BYTES).toBeLessThan(ROWS * KEPT_BYTES_PER_SAMPLE);
    expect(peak - before).toBeLessThan(kept + READER_ALLOWANCE_BYTES);
  });
});
