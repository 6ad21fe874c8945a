import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, maskCrc } from '@diffbatt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concat,
  encodeBundle,
  encodeStringTensor,
  encodeTable,
  pb,
  type SyntheticVariable,
} from './fixtures/synthetic.js';
import {
  decodeFloat32Tensor,
  decodeStringTensor,
  parseBundleIndex,
  readTensorBundle,
  shardPath,
} from './tensor-bundle.js';

const syntheticVariables: SyntheticVariable[] = [
  {
    checkpointKey: 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
    fullName: 'conv1d/kernel',
    shape: [3, 2, 4],
    values: Float32Array.from({ length: 24 }, (_, i) => i / 7 - 1),
  },
  {
    checkpointKey: 'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE',
    fullName: 'conv1d/bias',
    shape: [4],
    values: Float32Array.of(0.5, -0.25, 1e-10, 3),
  },
  {
    checkpointKey: 'variables/7/.ATTRIBUTES/VARIABLE_VALUE',
    fullName: 'attention_block/dense/kernel',
    shape: [2, 2],
    values: Float32Array.of(1, 2, 3, 4),
  },
];

describe('tensor bundle index (synthetic)', () => {
  const { index, data } = encodeBundle(syntheticVariables);

  it('parses the header and every BundleEntryProto: dtype, shape, offset, size, checksum', () => {
    const bundle = parseBundleIndex(index, 'synthetic.index');
    expect(bundle.shardCount).toBe(1);
    expect([...bundle.entries.keys()]).toEqual([
      '_CHECKPOINTABLE_OBJECT_GRAPH',
      'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE',
      'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
      'variables/7/.ATTRIBUTES/VARIABLE_VALUE',
    ]);
    const kernel = bundle.entries.get('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE')!;
    expect(kernel).toMatchObject({ dtype: 'float32', shape: [3, 2, 4], shardId: 0, offset: 0, size: 96 });
    expect(bundle.entries.get('_CHECKPOINTABLE_OBJECT_GRAPH')!.dtype).toBe('string');
  });

  it('decodes float32 tensors bit for bit and a string tensor', () => {
    const bundle = parseBundleIndex(index, 'synthetic.index');
    for (const v of syntheticVariables) {
      expect(decodeFloat32Tensor(bundle.entries.get(v.checkpointKey)!, data, 'synthetic.data')).toEqual(
        v.values,
      );
    }
    const strings = [new TextEncoder().encode('first'), new Uint8Array(0), new TextEncoder().encode('third')];
    const encoded = encodeStringTensor(strings);
    const entry = {
      key: 's',
      dtype: 'string',
      shape: [3],
      shardId: 0,
      offset: 2,
      size: encoded.bytes.length,
      crc32c: undefined,
    };
    const shard = concat(Uint8Array.of(9, 9), encoded.bytes);
    expect(decodeStringTensor(entry, shard, 'synthetic.data')).toEqual(strings);
  });

  it('refuses a wrong dtype, a size that contradicts the shape, a truncated shard and corrupted data', () => {
    const bundle = parseBundleIndex(index, 'synthetic.index');
    const bias = bundle.entries.get('layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE')!;
    const graph = bundle.entries.get('_CHECKPOINTABLE_OBJECT_GRAPH')!;
    expect(() => decodeFloat32Tensor(graph, data, 'synthetic.data')).toThrow(
      'synthetic.data: variable "_CHECKPOINTABLE_OBJECT_GRAPH" is string, expected float32',
    );
    expect(() => decodeStringTensor(bias, data, 'synthetic.data')).toThrow(/is float32, expected string/);
    expect(() => decodeFloat32Tensor({ ...bias, shape: [5] }, data, 'synthetic.data')).toThrow(
      'synthetic.data: variable "layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE": shape [5] needs 20 bytes, entry says 16',
    );
    expect(() => decodeFloat32Tensor(bias, data.subarray(0, bias.offset + 8), 'synthetic.data')).toThrow(
      /needs bytes 96\.\.112 but the file has 104 \(truncated\?\)/,
    );
    const corrupted = data.slice();
    corrupted[bias.offset] = corrupted[bias.offset]! ^ 1;
    expect(() => decodeFloat32Tensor(bias, corrupted, 'synthetic.data')).toThrow(/checksum mismatch/);
    const badGraph = data.slice();
    badGraph[graph.offset + graph.size - 1] = 0;
    expect(() => decodeStringTensor(graph, badGraph, 'synthetic.data')).toThrow(/checksum mismatch/);
  });

  it('refuses an index without a header, a big-endian bundle and partitioned variables', () => {
    const entry = (extra: Uint8Array) => concat(pb.varint(1, 1), pb.varint(5, 4), extra);
    expect(() => parseBundleIndex(encodeTable([['a', entry(new Uint8Array(0))]]), 'x.index')).toThrow(
      'x.index: tensor bundle index has no header entry (empty key)',
    );
    const header = (endianness: number) => concat(pb.varint(1, 1), pb.varint(2, endianness));
    expect(() => parseBundleIndex(encodeTable([['', header(1)]]), 'x.index')).toThrow(/big-endian/);
    const sliced = encodeTable([
      ['', header(0)],
      ['v', entry(pb.message(7, pb.varint(1, 1)))],
    ]);
    expect(() => parseBundleIndex(sliced, 'x.index')).toThrow(/"v" is stored as slices/);
    const outOfShard = encodeTable([
      ['', header(0)],
      ['v', entry(pb.varint(3, 2))],
    ]);
    expect(() => parseBundleIndex(outOfShard, 'x.index')).toThrow(
      /variable "v": invalid entry \(shard 2 of 1/,
    );
  });
});

describe('readTensorBundle on a synthetic directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'diffbatt-bundle-'));
    const { index, data } = encodeBundle(syntheticVariables);
    await writeFile(join(dir, 'variables.index'), index);
    await writeFile(join(dir, 'variables.data-00000-of-00001'), data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the index and the shard named after it', async () => {
    expect(shardPath('/m/variables/variables', 0, 1)).toBe('/m/variables/variables.data-00000-of-00001');
    const bundle = await readTensorBundle(join(dir, 'variables'));
    expect(bundle.readFloat32('variables/7/.ATTRIBUTES/VARIABLE_VALUE')).toEqual(Float32Array.of(1, 2, 3, 4));
    expect(() => bundle.readFloat32('nope')).toThrow(/no variable "nope" in the bundle/);
  });

  it('reads variables from several shards', async () => {
    const floats = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
    const entry = (shard: number, bytes: Uint8Array) =>
      concat(
        pb.varint(1, 1),
        pb.message(2, pb.message(2, pb.varint(1, bytes.length / 4))),
        pb.varint(3, shard),
        pb.varint(5, bytes.length),
        pb.fixed32(6, maskCrc(crc32c(bytes))),
      );
    const [a, b] = [floats(1, 2), floats(3, 4, 5)];
    const index = encodeTable([
      ['', concat(pb.varint(1, 2), pb.message(3, pb.varint(1, 1)))],
      ['a', entry(0, a)],
      ['b', entry(1, b)],
    ]);
    await writeFile(join(dir, 'sharded.index'), index);
    await writeFile(join(dir, 'sharded.data-00000-of-00002'), a);
    await writeFile(join(dir, 'sharded.data-00001-of-00002'), b);
    const bundle = await readTensorBundle(join(dir, 'sharded'));
    expect(bundle.shardCount).toBe(2);
    expect([...bundle.readFloat32('a'), ...bundle.readFloat32('b')]).toEqual([1, 2, 3, 4, 5]);
  });

  it('says which file is missing', async () => {
    await expect(readTensorBundle(join(dir, 'other'))).rejects.toThrow(
      `${join(dir, 'other.index')}: cannot read tensor bundle index: not found`,
    );
  });
});
