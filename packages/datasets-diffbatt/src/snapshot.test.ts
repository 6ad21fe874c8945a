import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSample } from '@diffbatt/core';
import { concatBytes, pb } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { diffbattDatasetPlugin } from './plugin.js';
import { maskedCrc32c, tfRecords } from './tfrecord.js';

// A tiny writer of the tf.data save layout, so these tests need no ../shared data (synthetic tensors).
function tensorProto(shape: number[], values: Float32Array, dtype = 1): Uint8Array {
  return concat([
    pb.varint(1, dtype),
    pb.message(2, ...shape.map((size) => pb.message(2, pb.varint(1, size)))),
    pb.bytes(4, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
  ]);
}

function tfRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

const concat = (parts: Uint8Array[]) => concatBytes(...parts);

const root = mkdtemp(join(tmpdir(), 'diffbatt-split-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

/** Writes a synthetic split of `cells` cells with `rows`-row matrices; returns its directory and shard path. */
async function writeSplit(name: string, cells: number, rows: number, runId = '1234567890') {
  const directory = join(await root, name);
  const shardDirectory = join(directory, runId, '00000000.shard');
  await mkdir(shardDirectory, { recursive: true });
  const metadata = concat([
    pb.bytes(2, runId),
    pb.varint(3, 1700000000),
    pb.bytes(5, Uint8Array.from([1, 1, 1])),
  ]);
  await writeFile(join(directory, 'snapshot.metadata'), metadata);
  const soh = Float32Array.from({ length: cells * 256 }, (_, i) => 1 - (i % 256) / 512);
  const protocol = Float32Array.from({ length: cells * 26 }, (_, i) => i);
  const matrix = Float32Array.from({ length: cells * rows * 100 }, (_, i) => (i % 100) * -1e-4);
  const shard = concat([
    tfRecord(tensorProto([cells, 256, 1], soh)),
    tfRecord(tensorProto([cells, 26], protocol)),
    tfRecord(tensorProto([cells, rows, 100, 1], matrix)),
  ]);
  const shardFile = join(shardDirectory, '00000000.snapshot');
  await writeFile(shardFile, shard);
  return { directory, shardFile, shard };
}

async function collect(directory: string): Promise<ModelSample[]> {
  const samples: ModelSample[] = [];
  for await (const record of diffbattDatasetPlugin.load(directory)) {
    if (record.kind === 'sample') samples.push(record.sample);
  }
  return samples;
}

describe('maskedCrc32c', () => {
  it('masks core crc32c as TFRecord does', () => {
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
  });
});

describe('diffbatt plugin', () => {
  it('reads SOH curves, protocol vectors and 100- or 20-row matrices of the run named in snapshot.metadata', async () => {
    const { directory } = await writeSplit('matr_x_test_ds', 3, 100);
    expect(await diffbattDatasetPlugin.detect(directory)).toBe(true);
    const samples = await collect(directory);
    expect(samples).toHaveLength(3);
    expect(samples[1]).toMatchObject({
      cellId: 'matr_x_test/1',
      source: 'diffbatt',
      capacityMatrixRows: 100,
      synthetic: false,
    });
    expect(samples[1]!.sohCurve[2]).toBeCloseTo(1 - 2 / 512, 7);
    expect(samples[2]!.protocol![0]).toBe(52);
    expect(samples[0]!.capacityMatrix![99]).toBeCloseTo(-99e-4, 7);
    const small = await collect((await writeSplit('snl_x_test_ds', 2, 20)).directory);
    expect(small.map((s) => s.capacityMatrixRows)).toEqual([20, 20]);
    expect(small[0]!.capacityMatrix).toHaveLength(2000);
  });

  it('names the missing shard of an incomplete copy in one line', async () => {
    const { directory } = await writeSplit('mix_x_test_ds', 1, 100);
    await rm(join(directory, '1234567890'), { recursive: true });
    await expect(collect(directory)).rejects.toThrow(
      `${join(directory, '1234567890', '00000000.shard', '00000000.snapshot')}: missing shard: snapshot.metadata names run 1234567890`,
    );
  });

  it('refuses a flipped byte with a CRC message naming the file', async () => {
    const { directory, shardFile, shard } = await writeSplit('flip_ds', 2, 100);
    const flipped = shard.slice();
    flipped[5000]! ^= 0x01;
    await writeFile(shardFile, flipped);
    await expect(collect(directory)).rejects.toThrow(
      `${shardFile}: CRC32C mismatch in the data of record 3 (bytes`,
    );
    const lengthFlip = shard.slice();
    lengthFlip[0]! ^= 0x01;
    expect(() => tfRecords(lengthFlip, 'x.snapshot')).toThrow(
      'x.snapshot: CRC32C mismatch in the length of record 1',
    );
  });

  it('refuses a run id of .. or ., which would read the shards of another folder', async () => {
    // The shards this run id points at exist (in the folder above the split): it used to load them.
    for (const runId of ['..', '.']) {
      await mkdir(join(await root, `dot-run-${runId.length}`));
      const { directory } = await writeSplit(`dot-run-${runId.length}`, 2, 100, runId);
      await expect(collect(directory)).rejects.toThrow(
        'snapshot.metadata, field "run_id": snapshot.metadata names no valid run id',
      );
    }
  });

  it('refuses truncated and empty shards and empty or foreign metadata', async () => {
    const { directory, shardFile, shard } = await writeSplit('cut_ds', 2, 100);
    await writeFile(shardFile, shard.subarray(0, shard.length - 10));
    await expect(collect(directory)).rejects.toThrow(`${shardFile}: truncated TFRecord: record 3 needs`);
    await writeFile(shardFile, new Uint8Array(0));
    await expect(collect(directory)).rejects.toThrow(`${shardFile}: empty shard file: no records`);
    await writeFile(join(directory, 'snapshot.metadata'), new Uint8Array(0));
    await expect(collect(directory)).rejects.toThrow(
      'snapshot.metadata, field "run_id": snapshot.metadata names no valid run id',
    );
    await writeFile(join(directory, 'snapshot.metadata'), Uint8Array.from([0x12, 0x40, 0x31]));
    await expect(collect(directory)).rejects.toThrow(
      'corrupt snapshot.metadata: field 2 needs 64 bytes at byte 2, only 1 left (not a valid protobuf message)',
    );
    const foreign = join(await root, 'not-a-split');
    await mkdir(foreign);
    expect(await diffbattDatasetPlugin.detect(foreign)).toBe(false);
    await expect(collect(foreign)).rejects.toThrow('snapshot.metadata: missing snapshot.metadata');
  });

  it('refuses wrong dtypes, wrong shapes and NaN values', async () => {
    const { directory, shardFile } = await writeSplit('bad_ds', 1, 100);
    const soh = new Float32Array(256);
    const ok = [
      tfRecord(tensorProto([1, 26], new Float32Array(26))),
      tfRecord(tensorProto([1, 100, 100, 1], new Float32Array(10000))),
    ];
    await writeFile(shardFile, concat([tfRecord(tensorProto([1, 256, 1], soh, 2)), ...ok]));
    await expect(collect(directory)).rejects.toThrow(
      `${shardFile}: record 1 holds dtype 2, expected float32 (1)`,
    );
    await writeFile(shardFile, concat([tfRecord(tensorProto([1, 128, 1], new Float32Array(128))), ...ok]));
    await expect(collect(directory)).rejects.toThrow(
      'SOH curve tensor has shape [1,128,1], expected [N,256,1]',
    );
    await writeFile(
      shardFile,
      concat([
        tfRecord(tensorProto([1, 256, 1], soh)),
        ok[0]!,
        tfRecord(tensorProto([1, 50, 100, 1], new Float32Array(5000))),
      ]),
    );
    await expect(collect(directory)).rejects.toThrow('capacity matrix tensor has shape [1,50,100,1]');
    soh[7] = Number.NaN;
    await writeFile(shardFile, concat([tfRecord(tensorProto([1, 256, 1], soh)), ...ok]));
    await expect(collect(directory)).rejects.toThrow(
      `${directory}: bad/0, field "sohCurve": non-finite value NaN at index 7`,
    );
  });
});
