import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { type } from 'arktype';
import { DatasetError, DiffBattError } from './errors.js';
import { writeFileAtomic } from './fs.js';
import { fileReadError } from './input-file.js';
import { assertValidSample, CAPACITY_MATRIX_ROWS, type ModelSample } from './sample.js';

/**
 * The project's own dataset file (`.dbds`, "DiffBatt dataset"): model-ready samples in one file that loads
 * in milliseconds. Layout (all integers little-endian), documented in packages/core/README.md:
 *
 *   bytes 0..7    magic "DBDS\r\n\x1a\n" (catches text-mode transfer damage like PNG's signature)
 *   bytes 8..11   uint32 header length H in bytes
 *   bytes 12..    UTF-8 JSON header (H bytes), then spaces up to a multiple of 4 bytes
 *   then          float32 little-endian payload; each array's position is given in the header
 *
 * The header holds `format`, `version`, `meta`, `payloadBytes`, `payloadCrc32` (zlib CRC-32 of the payload)
 * and per sample its fields plus `[offset, length]` (in float32 elements) of `sohCurve`, `capacityMatrix`
 * and `protocol`. Readers refuse other versions and any damage (magic, header, sizes, CRC, invariants).
 */
export const DATASET_FILE_VERSION = 1;
export const DATASET_FILE_EXTENSION = '.dbds';
const MAGIC = Uint8Array.from([0x44, 0x42, 0x44, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
const PREFIX_BYTES = MAGIC.length + 4;

/** Free-form description of a dataset file (source plugin, featuriser options, creation time, ...). */
export type DatasetFileMeta = Record<string, string | number | boolean | null>;

const span = type(['number.integer >= 0', 'number.integer >= 0']);
const scalar = type('string | number | boolean');
const headerSchema = type({
  format: "'diffbatt-dataset'",
  version: 'number.integer',
  meta: type({ '[string]': 'string | number | boolean | null' }),
  payloadBytes: 'number.integer >= 0',
  payloadCrc32: 'number.integer >= 0',
  samples: type({
    cellId: 'string',
    source: 'string',
    synthetic: 'boolean',
    'provenance?': type({ '[string]': scalar }),
    capacityMatrixRows: 'number | null',
    sohCurve: span,
    capacityMatrix: span.or('null'),
    'protocol?': span,
  }).array(),
});
type Header = typeof headerSchema.infer;

/** Writes samples atomically (a reader or a killed run never sees a partial file); validates them first. */
export async function writeDatasetFile(
  path: string,
  samples: readonly ModelSample[],
  meta: DatasetFileMeta = {},
): Promise<void> {
  await writeFileAtomic(path, encodeDatasetFile(samples, meta));
}

/** Encodes samples in the dataset file format (see `writeDatasetFile`). */
export function encodeDatasetFile(samples: readonly ModelSample[], meta: DatasetFileMeta = {}): Uint8Array {
  assertJsonNumbers(meta, 'meta');
  let elements = 0;
  const place = (array: Float32Array): [number, number] => {
    const at: [number, number] = [elements, array.length];
    elements += array.length;
    return at;
  };
  const entries: Header['samples'] = samples.map((sample) => {
    assertValidSample(sample);
    if (sample.provenance) assertJsonNumbers(sample.provenance, `${sample.cellId} provenance`);
    return {
      cellId: sample.cellId,
      source: sample.source,
      synthetic: sample.synthetic,
      ...(sample.provenance === undefined ? {} : { provenance: sample.provenance }),
      capacityMatrixRows: sample.capacityMatrixRows,
      sohCurve: place(sample.sohCurve),
      capacityMatrix: sample.capacityMatrix === null ? null : place(sample.capacityMatrix),
      ...(sample.protocol === undefined ? {} : { protocol: place(sample.protocol) }),
    };
  });
  const payload = new Float32Array(elements);
  for (const [index, sample] of samples.entries()) {
    const entry = entries[index]!;
    payload.set(sample.sohCurve, entry.sohCurve[0]);
    if (sample.capacityMatrix && entry.capacityMatrix)
      payload.set(sample.capacityMatrix, entry.capacityMatrix[0]);
    if (sample.protocol && entry.protocol) payload.set(sample.protocol, entry.protocol[0]);
  }
  const payloadBytes = toLittleEndian(payload);
  const header: Header = {
    format: 'diffbatt-dataset',
    version: DATASET_FILE_VERSION,
    meta,
    payloadBytes: payloadBytes.length,
    payloadCrc32: crc32(payloadBytes),
    samples: entries,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((PREFIX_BYTES + json.length) / 4) * 4;
  const bytes = new Uint8Array(padded + payloadBytes.length);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, json.length, true);
  bytes.set(json, PREFIX_BYTES);
  bytes.fill(0x20, PREFIX_BYTES + json.length, padded);
  bytes.set(payloadBytes, padded);
  return bytes;
}

/** Reads a dataset file; any damage or another format version is a DatasetError naming the file. */
export async function readDatasetFile(
  path: string,
): Promise<{ meta: DatasetFileMeta; samples: ModelSample[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileReadError(error, path);
  }
  return decodeDatasetFile(bytes, path);
}

/** Decodes the bytes of a dataset file; `file` names it in errors. */
export function decodeDatasetFile(
  bytes: Uint8Array,
  file: string,
): { meta: DatasetFileMeta; samples: ModelSample[] } {
  if (bytes.length < PREFIX_BYTES || MAGIC.some((byte, index) => bytes[index] !== byte)) {
    throw new DatasetError(`not a DiffBatt dataset file (${DATASET_FILE_EXTENSION}): wrong magic bytes`, {
      file,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (PREFIX_BYTES + headerLength > bytes.length) {
    throw new DatasetError('truncated dataset file: header runs past the end', { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength),
      ),
    );
  } catch {
    throw new DatasetError('corrupt dataset file: header is not valid JSON', { file, field: 'header' });
  }
  const version = (parsed as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== DATASET_FILE_VERSION) {
    throw new DatasetError(
      `dataset file version ${version} is not supported (this version reads ${DATASET_FILE_VERSION})`,
      { file, field: 'version' },
    );
  }
  const header = headerSchema(parsed);
  if (header instanceof type.errors) {
    throw new DatasetError(`corrupt dataset file header: ${header.summary}`, { file, field: 'header' });
  }
  const start = Math.ceil((PREFIX_BYTES + headerLength) / 4) * 4;
  if (bytes.length - start !== header.payloadBytes) {
    throw new DatasetError(
      `truncated or padded dataset file: payload has ${bytes.length - start} bytes, header says ${header.payloadBytes}`,
      { file },
    );
  }
  const payloadBytes = bytes.subarray(start);
  if (crc32(payloadBytes) !== header.payloadCrc32) {
    throw new DatasetError('corrupt dataset file: payload CRC-32 mismatch', { file });
  }
  const payload = fromLittleEndian(payloadBytes);
  const samples = header.samples.map((entry, index) => {
    const take = ([offset, length]: readonly [number, number], field: string): Float32Array => {
      if (offset + length > payload.length) {
        throw new DatasetError(`sample ${index} ${field} lies outside the payload`, { file, field });
      }
      return payload.slice(offset, offset + length);
    };
    const rows = entry.capacityMatrixRows;
    if (rows !== null && !CAPACITY_MATRIX_ROWS.includes(rows as 100 | 20)) {
      throw new DatasetError(`sample ${index} has ${rows} capacity-matrix rows`, {
        file,
        field: 'capacityMatrixRows',
      });
    }
    const sample: ModelSample = {
      cellId: entry.cellId,
      source: entry.source,
      sohCurve: take(entry.sohCurve, 'sohCurve'),
      capacityMatrix: entry.capacityMatrix === null ? null : take(entry.capacityMatrix, 'capacityMatrix'),
      capacityMatrixRows: rows as ModelSample['capacityMatrixRows'],
      synthetic: entry.synthetic,
      ...(entry.protocol === undefined ? {} : { protocol: take(entry.protocol, 'protocol') }),
      ...(entry.provenance === undefined ? {} : { provenance: entry.provenance }),
    };
    try {
      assertValidSample(sample, `${file} sample ${index} (${entry.cellId})`);
    } catch (error) {
      if (error instanceof DiffBattError) throw new DatasetError(error.message);
      throw error;
    }
    return sample;
  });
  return { meta: header.meta, samples };
}

/** JSON turns NaN and Infinity into null, which would then fail to read back: refuse them when writing. */
function assertJsonNumbers(values: Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new DiffBattError(`${where}: ${value} cannot be stored (finite numbers only)`, { field: key });
    }
  }
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function toLittleEndian(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  // Copy once into an aligned buffer (Node's pooled read buffers need not be 4-byte aligned). Not
  // `bytes.slice()`: on a Node Buffer that is a view, not a copy.
  if (littleEndianHost) return new Float32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
