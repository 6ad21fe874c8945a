import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DATASET_FILE_VERSION,
  decodeDatasetFile,
  encodeDatasetFile,
  readDatasetFile,
  writeDatasetFile,
} from './dataset-file.js';
import { SeededRandom } from './random.js';
import type { ModelSample } from './sample.js';

/** Synthetic samples (seeded random values), covering every optional field. */
function syntheticSamples(count: number, rows: 100 | 20 = 100): ModelSample[] {
  const random = new SeededRandom(7);
  return Array.from({ length: count }, (_, index) => ({
    cellId: `cell-${index}`,
    source: 'test',
    sohCurve: Float32Array.from({ length: 256 }, () => random.uniform() * 2 - 1),
    capacityMatrix: Float32Array.from({ length: rows * 100 }, () => random.normal() * 0.01),
    capacityMatrixRows: rows,
    synthetic: index % 2 === 1,
    ...(index % 2 === 1
      ? { provenance: { model: 'matr_1_ema', seed: index, guidanceWeight: 1.5, ema: true } }
      : {}),
    ...(index === 0 ? { protocol: Float32Array.from({ length: 26 }, (_, i) => i / 26) } : {}),
  }));
}

const directory = mkdtemp(join(tmpdir(), 'dataset-file-'));
afterAll(async () => rm(await directory, { recursive: true, force: true }));

describe('dataset file', () => {
  it('round-trips every ModelSample field, including null matrices, 20-row matrices and provenance', async () => {
    const samples = [
      ...syntheticSamples(3),
      ...syntheticSamples(1, 20),
      { ...syntheticSamples(1)[0]!, cellId: 'soh-only', capacityMatrix: null, capacityMatrixRows: null },
    ];
    const path = join(await directory, 'round.dbds');
    await writeDatasetFile(path, samples, { plugin: 'test', rows: 100, note: null });
    const { meta, samples: read } = await readDatasetFile(path);
    expect(meta).toEqual({ plugin: 'test', rows: 100, note: null });
    expect(read).toEqual(samples);
    expect(read[1]!.provenance).toEqual({ model: 'matr_1_ema', seed: 1, guidanceWeight: 1.5, ema: true });
    expect(read[1]!.synthetic).toBe(true);
    expect(read[0]!.synthetic).toBe(false);
    expect(read[3]!.capacityMatrixRows).toBe(20);
  });

  // Its speed is measured by `pnpm bench:io`, not here: a wall-clock bound fails on a loaded machine.
  it('writes and loads a 100-cell split', async () => {
    const samples = syntheticSamples(100);
    const path = join(await directory, 'split.dbds');
    await writeDatasetFile(path, samples);
    const { samples: read } = await readDatasetFile(path);
    expect(read).toHaveLength(100);
    expect(read[99]!.capacityMatrix).toEqual(samples[99]!.capacityMatrix);
  });

  it('refuses another version, wrong magic, empty and truncated files', () => {
    const bytes = encodeDatasetFile(syntheticSamples(2));
    const text = new TextDecoder('latin1').decode(bytes);
    const future = Uint8Array.from(text.replace(`"version":${DATASET_FILE_VERSION}`, '"version":9'), (c) =>
      c.charCodeAt(0),
    );
    expect(() => decodeDatasetFile(future, 'f.dbds')).toThrow(
      'f.dbds, field "version": dataset file version 9 is not supported (this version reads 1)',
    );
    expect(() => decodeDatasetFile(new Uint8Array(0), 'e.dbds')).toThrow(
      'e.dbds: not a DiffBatt dataset file',
    );
    expect(() => decodeDatasetFile(new TextEncoder().encode('{"json": true}'), 'j.dbds')).toThrow(
      'wrong magic',
    );
    expect(() => decodeDatasetFile(bytes.subarray(0, bytes.length - 4), 't.dbds')).toThrow(
      /t.dbds: truncated or padded dataset file: payload has \d+ bytes, header says \d+/,
    );
    expect(() => decodeDatasetFile(bytes.subarray(0, 40), 'h.dbds')).toThrow(
      'h.dbds: truncated dataset file: header runs past the end',
    );
  });

  it('detects one flipped byte in the payload or the header', () => {
    const bytes = encodeDatasetFile(syntheticSamples(2));
    const payloadFlip = bytes.slice();
    payloadFlip[payloadFlip.length - 100]! ^= 0x10;
    expect(() => decodeDatasetFile(payloadFlip, 'p.dbds')).toThrow(
      'p.dbds: corrupt dataset file: payload CRC-32 mismatch',
    );
    const headerFlip = bytes.slice();
    headerFlip[14]! ^= 0x01; // inside the JSON text: '"format"' becomes invalid
    expect(() => decodeDatasetFile(headerFlip, 'j.dbds')).toThrow(
      /j.dbds, field "header": corrupt dataset file/,
    );
  });

  it('refuses an implausible value that a valid CRC covers (SOH 1e30, a 1e30 Ah matrix entry)', () => {
    /** A file as a tamperer makes it: one payload float replaced and the CRC recomputed. */
    const tampered = (element: number, value: number) => {
      const bytes = encodeDatasetFile(syntheticSamples(1));
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
      const payload = bytes.slice(Math.ceil((12 + length) / 4) * 4);
      new Float32Array(payload.buffer)[element] = value;
      header.payloadCrc32 = crc32(payload);
      const json = new TextEncoder().encode(JSON.stringify(header));
      const start = Math.ceil((12 + json.length) / 4) * 4;
      const out = new Uint8Array(start + payload.length);
      out.set(bytes.subarray(0, 8));
      new DataView(out.buffer).setUint32(8, json.length, true);
      out.set(json, 12);
      out.set(payload, start);
      return out;
    };
    expect(() => decodeDatasetFile(tampered(5, 0.5), 'fine.dbds')).not.toThrow();
    expect(() => decodeDatasetFile(tampered(5, 1e30), 's.dbds')).toThrow(
      /^s\.dbds sample 0 \(cell-0\), field "sohCurve": implausible value 1\.0\d+e\+30 at index 5 \(SOH 5\.00e\+31 %/,
    );
    expect(() => decodeDatasetFile(tampered(256 + 7, -1e30), 'm.dbds')).toThrow(
      /m\.dbds sample 0 \(cell-0\), field "capacityMatrix": implausible value -1\.0\d+e\+30 at index 7/,
    );
  });

  it('refuses invalid samples before writing anything', async () => {
    const bad = { ...syntheticSamples(1)[0]!, sohCurve: new Float32Array(10) };
    const path = join(await directory, 'bad', 'never.dbds');
    await expect(writeDatasetFile(path, [bad])).rejects.toThrow(
      'cell-0, field "sohCurve": SOH curve has 10 points',
    );
    await expect(readdir(join(await directory, 'bad'))).rejects.toThrow();
  });

  it('refuses NaN or Infinity in meta and provenance, which JSON cannot hold', () => {
    const sample = { ...syntheticSamples(1)[0]!, provenance: { seed: Number.NaN } };
    expect(() => encodeDatasetFile([sample])).toThrow(
      'field "seed": cell-0 provenance: NaN cannot be stored',
    );
    expect(() => encodeDatasetFile([], { loss: Number.POSITIVE_INFINITY })).toThrow(
      'field "loss": meta: Infinity cannot be stored',
    );
  });

  it('names a missing file', async () => {
    const path = join(await directory, 'missing.dbds');
    await expect(readDatasetFile(path)).rejects.toThrow(`${path}: file not found`);
  });

  it('keeps file layout stable: magic, little-endian header length, 4-byte aligned payload', async () => {
    const path = join(await directory, 'layout.dbds');
    await writeDatasetFile(path, syntheticSamples(1));
    const bytes = new Uint8Array(await readFile(path));
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('DBDS');
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
    expect(header.format).toBe('diffbatt-dataset');
    expect((bytes.length - header.payloadBytes) % 4).toBe(0);
    const first = new DataView(
      bytes.buffer,
      bytes.byteOffset + bytes.length - header.payloadBytes,
    ).getFloat32(0, true);
    expect(first).toBe(syntheticSamples(1)[0]!.sohCurve[0]);
  });
});
