import { readFile } from 'node:fs/promises';
import { crc32c, DiffBattError, expectVarint, maskCrc, ProtoMessage } from '@diffbatt/core';
import { readLevelDbTable } from './leveldb-table.js';

/**
 * TensorFlow's tensor bundle (the `variables/` of a SavedModel): `<prefix>.index` is a table from
 * checkpoint key to BundleEntryProto (dtype, shape, shard, offset, size, CRC), and
 * `<prefix>.data-<shard>-of-<shards>` holds the raw little-endian tensor bytes.
 */

/** tensorflow.DataType values this reader understands by name. */
const DTYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'float64',
  3: 'int32',
  4: 'uint8',
  5: 'int16',
  6: 'int8',
  7: 'string',
  9: 'int64',
  10: 'bool',
  14: 'bfloat16',
  19: 'float16',
};
const DT_FLOAT = 1;
const DT_STRING = 7;

export interface BundleEntry {
  key: string;
  /** tensorflow.DataType name, or `dtype <n>` for one this reader does not know. */
  dtype: string;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** Masked CRC-32C of the stored bytes, when the writer recorded one. */
  crc32c: number | undefined;
}

export interface BundleIndex {
  shardCount: number;
  entries: Map<string, BundleEntry>;
}

/** Parses `<prefix>.index`; `file` names it in error messages. */
export function parseBundleIndex(bytes: Uint8Array, file: string): BundleIndex {
  const table = readLevelDbTable(bytes, file);
  const headerEntry = table[0];
  if (headerEntry === undefined || headerEntry.key !== '') {
    throw new DiffBattError('tensor bundle index has no header entry (empty key)', { file });
  }
  const header = new ProtoMessage(headerEntry.value, { file, what: 'BundleHeaderProto' });
  const shardCount = header.int(1);
  if (shardCount < 1) throw new DiffBattError(`tensor bundle header declares ${shardCount} shards`, { file });
  if (header.int(2) !== 0) {
    throw new DiffBattError('tensor bundle is big-endian; only little-endian bundles are supported', {
      file,
    });
  }
  const entries = new Map<string, BundleEntry>();
  for (const { key, value } of table.slice(1)) {
    const proto = new ProtoMessage(value, { file, what: `BundleEntryProto of "${key}"` });
    if (proto.bytes(7) !== undefined) {
      throw new DiffBattError(
        `variable "${key}" is stored as slices (a partitioned variable), not supported`,
        {
          file,
        },
      );
    }
    const dtypeNumber = proto.int(1);
    const shape = proto.message(2, 'shape')?.messages(2, 'dim') ?? [];
    const entry: BundleEntry = {
      key,
      dtype: DTYPE_NAMES[dtypeNumber] ?? `dtype ${dtypeNumber}`,
      shape: shape.map((dim) => dim.int(1)),
      shardId: proto.int(3),
      offset: proto.int(4),
      size: proto.int(5),
      crc32c: proto.fixed32(6),
    };
    if (entry.shardId >= shardCount || entry.offset < 0 || entry.size < 0 || entry.shape.some((d) => d < 0)) {
      throw new DiffBattError(
        `variable "${key}": invalid entry (shard ${entry.shardId} of ${shardCount}, offset ${entry.offset}, size ${entry.size}, shape [${entry.shape}])`,
        { file },
      );
    }
    entries.set(key, entry);
  }
  return { shardCount, entries };
}

/** The bytes of one entry inside its shard, checked against the shard's length and the stored CRC. */
function entryBytes(entry: BundleEntry, shard: Uint8Array, file: string): Uint8Array {
  if (entry.offset + entry.size > shard.length) {
    throw new DiffBattError(
      `variable "${entry.key}" needs bytes ${entry.offset}..${entry.offset + entry.size} but the file has ${shard.length} (truncated?)`,
      { file },
    );
  }
  return shard.subarray(entry.offset, entry.offset + entry.size);
}

function checkCrc(entry: BundleEntry, actual: number, file: string): void {
  if (entry.crc32c !== undefined && maskCrc(actual) !== entry.crc32c) {
    throw new DiffBattError(`variable "${entry.key}": checksum mismatch (data file corrupted)`, { file });
  }
}

/** Decodes a float32 tensor (little-endian on disk, whatever the host) from the bytes of its shard. */
export function decodeFloat32Tensor(entry: BundleEntry, shard: Uint8Array, file: string): Float32Array {
  if (entry.dtype !== DTYPE_NAMES[DT_FLOAT]) {
    throw new DiffBattError(`variable "${entry.key}" is ${entry.dtype}, expected float32`, { file });
  }
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (entry.size !== count * 4) {
    throw new DiffBattError(
      `variable "${entry.key}": shape [${entry.shape}] needs ${count * 4} bytes, entry says ${entry.size}`,
      { file },
    );
  }
  const bytes = entryBytes(entry, shard, file);
  checkCrc(entry, crc32c(bytes), file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
  return values;
}

/**
 * Decodes a string tensor: one varint length per element, a masked CRC of those lengths, then the
 * bytes. The CRC covers each length as a little-endian uint32 (uint64 above 4 GiB), then the stored
 * length CRC, then the string bytes, as TensorFlow's BundleWriter computes it.
 */
export function decodeStringTensor(entry: BundleEntry, shard: Uint8Array, file: string): Uint8Array[] {
  if (entry.dtype !== DTYPE_NAMES[DT_STRING]) {
    throw new DiffBattError(`variable "${entry.key}" is ${entry.dtype}, expected string`, { file });
  }
  const bytes = entryBytes(entry, shard, file);
  const fail = (problem: string) => new DiffBattError(`string tensor "${entry.key}": ${problem}`, { file });
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const lengths: number[] = [];
  let pos = 0;
  let crc = 0;
  for (let i = 0; i < count; i++) {
    const read = expectVarint(bytes, pos, fail);
    lengths.push(read.value);
    pos = read.next;
    const width = read.value > 0xffffffff ? 8 : 4;
    const le = new Uint8Array(8);
    new DataView(le.buffer).setBigUint64(0, BigInt(read.value), true);
    crc = crc32c(le.subarray(0, width), crc);
  }
  if (pos + 4 > bytes.length) throw fail('truncated before the length checksum');
  const lengthCrc = new DataView(bytes.buffer, bytes.byteOffset + pos).getUint32(0, true);
  if (lengthCrc !== maskCrc(crc)) throw fail('length checksum mismatch (data file corrupted)');
  crc = crc32c(bytes.subarray(pos, pos + 4), crc);
  pos += 4;
  const dataStart = pos;
  const strings: Uint8Array[] = [];
  for (const length of lengths) {
    if (pos + length > bytes.length) throw fail(`element of ${length} bytes runs past the entry`);
    strings.push(bytes.subarray(pos, pos + length));
    pos += length;
  }
  if (pos !== bytes.length) throw fail(`${bytes.length - pos} unexplained bytes after the last element`);
  checkCrc(entry, crc32c(bytes.subarray(dataStart), crc), file);
  return strings;
}

/** A bundle on disk: its parsed index plus every shard read into memory (they are a few MB). */
export interface TensorBundle extends BundleIndex {
  readFloat32(key: string): Float32Array;
  readStrings(key: string): Uint8Array[];
}

export function shardPath(prefix: string, shard: number, shardCount: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(shardCount)}`;
}

/** Reads `<prefix>.index` and its data shards, e.g. prefix `<model>/variables/variables`. */
export async function readTensorBundle(prefix: string): Promise<TensorBundle> {
  const indexFile = `${prefix}.index`;
  const index = parseBundleIndex(await readFileOrFail(indexFile, 'tensor bundle index'), indexFile);
  const shards: Uint8Array[] = [];
  for (let shard = 0; shard < index.shardCount; shard++) {
    shards.push(await readFileOrFail(shardPath(prefix, shard, index.shardCount), 'tensor bundle data shard'));
  }
  const locate = (key: string) => {
    const entry = index.entries.get(key);
    if (entry === undefined)
      throw new DiffBattError(`no variable "${key}" in the bundle`, { file: indexFile });
    return { entry, shard: shards[entry.shardId]!, file: shardPath(prefix, entry.shardId, index.shardCount) };
  };
  return {
    ...index,
    readFloat32(key) {
      const { entry, shard, file } = locate(key);
      return decodeFloat32Tensor(entry, shard, file);
    },
    readStrings(key) {
      const { entry, shard, file } = locate(key);
      return decodeStringTensor(entry, shard, file);
    },
  };
}

/** Reads a whole file, turning a missing or unreadable one into a one-line error naming it. */
export async function readFileOrFail(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : String(code ?? error);
    throw new DiffBattError(`cannot read ${what}: ${reason}`, { file });
  }
}
