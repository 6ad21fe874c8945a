import { access, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  CAPACITY_MATRIX_ROWS,
  CAPACITY_MATRIX_VOLTAGE_POINTS,
  type CapacityMatrixRows,
  DatasetError,
  expectVarint,
  type LoadOptions,
  type ModelSample,
  ProtoMessage,
  SOH_CURVE_LENGTH,
} from '@diffbatt/core';
import { tfRecords } from './tfrecord.js';

/** TensorFlow's DataType enum value for float32. */
const DT_FLOAT = 1;

export interface FloatTensor {
  shape: number[];
  values: Float32Array;
}

async function readBytes(file: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? `missing ${what}` : `cannot read ${what} (${code})`, { file });
  }
}

/** `snapshot.metadata` (SnapshotMetadataRecord): field 2 is the run id, field 5 the element dtypes. */
export async function readSnapshotMetadata(directory: string): Promise<{ runId: string; dtypes: number[] }> {
  const file = join(directory, 'snapshot.metadata');
  const bytes = await readBytes(file, 'snapshot.metadata (not a tf.data save directory?)');
  const metadata = new ProtoMessage(bytes, { file, what: 'corrupt snapshot.metadata' });
  const runId = metadata.string(2);
  // dtypes is a repeated enum: packed (one length-delimited field) or one varint per element.
  const dtypes = metadata.fields
    .filter((f) => f.field === 5)
    .flatMap((f) =>
      f.kind === 'varint' ? [f.value] : f.kind === 'bytes' ? packedVarints(f.value, file) : [],
    );
  // The run id names a folder inside the split: ".." would read the shards of the folder above it.
  if (!runId || !/^[\w.-]+$/.test(runId) || /^\.+$/.test(runId)) {
    throw new DatasetError('snapshot.metadata names no valid run id', { file, field: 'run_id' });
  }
  return { runId, dtypes };
}

function packedVarints(bytes: Uint8Array, file: string): number[] {
  const values: number[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const read = expectVarint(
      bytes,
      pos,
      (problem) => new DatasetError(`corrupt snapshot.metadata: ${problem}`, { file }),
    );
    values.push(read.value);
    pos = read.next;
  }
  return values;
}

/** Decodes a float32 `TensorProto` (dtype 1, shape dims, tensor_content). */
export function decodeFloatTensor(bytes: Uint8Array, file: string, record: number): FloatTensor {
  const tensor = new ProtoMessage(bytes, { file, what: `record ${record} is not a TensorProto` });
  const dtype = tensor.int(1);
  const shape = (tensor.message(2, 'tensor_shape')?.messages(2, 'dim') ?? []).map((dim) => dim.int(1));
  const content = tensor.bytes(4) ?? tensor.bytes(5);
  if (dtype !== DT_FLOAT) {
    throw new DatasetError(`record ${record} holds dtype ${dtype}, expected float32 (1)`, { file });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => d < 0) || !content || content.length !== count * 4) {
    throw new DatasetError(
      `record ${record}: tensor of shape [${shape.join(',')}] has ${content?.length ?? 0} data bytes, expected ${count * 4}`,
      { file },
    );
  }
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
  return { shape, values };
}

/** The snapshot files of a run, in shard then file order; none when the run directory is absent. */
async function listShardFiles(directory: string, runId: string): Promise<string[]> {
  const runDirectory = join(directory, runId);
  let shards: string[];
  try {
    shards = (await readdir(runDirectory)).filter((name) => /^\d+\.shard$/.test(name)).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const shard of shards) {
    const names = (await readdir(join(runDirectory, shard)))
      .filter((name) => name.endsWith('.snapshot'))
      .sort();
    files.push(...names.map((name) => join(runDirectory, shard, name)));
  }
  return files;
}

/** The snapshot files of a run; a missing run or shard is named. */
async function shardFiles(directory: string, runId: string): Promise<string[]> {
  const files = await listShardFiles(directory, runId);
  if (files.length === 0) {
    throw new DatasetError(
      `missing shard: snapshot.metadata names run ${runId} but its data is absent (incomplete copy of the dataset)`,
      { file: join(directory, runId, '00000000.shard', '00000000.snapshot') },
    );
  }
  return files;
}

/**
 * Why a split directory holds no data (no `snapshot.metadata`, or the run it names has no shard: the
 * incomplete published copies), or undefined when it has some. Corrupt metadata still throws.
 */
export async function splitDataAbsence(directory: string): Promise<string | undefined> {
  try {
    await access(join(directory, 'snapshot.metadata'));
  } catch {
    return 'no snapshot.metadata';
  }
  const { runId } = await readSnapshotMetadata(directory);
  if ((await listShardFiles(directory, runId)).length > 0) return undefined;
  return `snapshot.metadata names run ${runId} but its shard is absent (incomplete copy)`;
}

/** Reads the run named by `snapshot.metadata` into samples (SOH curve, protocol vector, capacity matrix). */
export async function readDiffBattSplit(
  directory: string,
  options: LoadOptions = {},
): Promise<ModelSample[]> {
  const { runId, dtypes } = await readSnapshotMetadata(directory);
  const tensorsPerElement = dtypes.length || 3;
  if (tensorsPerElement !== 3 || dtypes.some((d) => d !== DT_FLOAT)) {
    throw new DatasetError(`expected three float32 tensors per element, metadata lists dtypes [${dtypes}]`, {
      file: join(directory, 'snapshot.metadata'),
    });
  }
  const files = await shardFiles(directory, runId);
  const split = basename(directory).replace(/_ds$/, '');
  const samples: ModelSample[] = [];
  for (const [index, file] of files.entries()) {
    options.signal?.throwIfAborted();
    const records = tfRecords(await readBytes(file, 'shard file'), file);
    if (records.length === 0) throw new DatasetError('empty shard file: no records', { file });
    if (records.length % 3 !== 0) {
      throw new DatasetError(`${records.length} records, expected a multiple of 3 (SOH, protocol, matrix)`, {
        file,
      });
    }
    for (let first = 0; first < records.length; first += 3) {
      const [soh, protocol, matrix] = [0, 1, 2].map((k) =>
        decodeFloatTensor(records[first + k]!, file, first + k + 1),
      );
      samples.push(...elementSamples(soh!, protocol!, matrix!, file, split, samples.length));
    }
    options.onProgress?.({ file, done: index + 1, total: files.length, unit: 'files' });
  }
  return samples;
}

function elementSamples(
  soh: FloatTensor,
  protocol: FloatTensor,
  matrix: FloatTensor,
  file: string,
  split: string,
  offset: number,
): ModelSample[] {
  const cells = soh.shape[0] ?? 0;
  const [, rows, points] = matrix.shape;
  const expect = (ok: boolean, what: string, shape: number[], wanted: string) => {
    if (!ok)
      throw new DatasetError(`${what} tensor has shape [${shape.join(',')}], expected ${wanted}`, { file });
  };
  expect(
    soh.shape.length === 3 && soh.shape[1] === SOH_CURVE_LENGTH && soh.shape[2] === 1,
    'SOH curve',
    soh.shape,
    `[N,${SOH_CURVE_LENGTH},1]`,
  );
  expect(
    protocol.shape.length === 2 && protocol.shape[0] === cells,
    'protocol',
    protocol.shape,
    `[${cells},K]`,
  );
  expect(
    matrix.shape.length === 4 &&
      matrix.shape[0] === cells &&
      CAPACITY_MATRIX_ROWS.includes(rows as CapacityMatrixRows) &&
      points === CAPACITY_MATRIX_VOLTAGE_POINTS &&
      matrix.shape[3] === 1,
    'capacity matrix',
    matrix.shape,
    `[${cells},100 or 20,${CAPACITY_MATRIX_VOLTAGE_POINTS},1]`,
  );
  const protocolLength = protocol.shape[1]!;
  const matrixLength = rows! * CAPACITY_MATRIX_VOLTAGE_POINTS;
  return Array.from({ length: cells }, (_, i) => ({
    cellId: `${split}/${offset + i}`,
    source: 'diffbatt',
    sohCurve: soh.values.slice(i * SOH_CURVE_LENGTH, (i + 1) * SOH_CURVE_LENGTH),
    capacityMatrix: matrix.values.slice(i * matrixLength, (i + 1) * matrixLength),
    capacityMatrixRows: rows as CapacityMatrixRows,
    protocol: protocol.values.slice(i * protocolLength, (i + 1) * protocolLength),
    synthetic: false,
  }));
}
