import { DatasetError } from './errors.js';

/**
 * NumPy `.npy` (format 1.0 and 2.0) reading and writing for little-endian float32, float64, int32 and
 * int64 C-ordered arrays: the format of the reference golden files and a common way to exchange curves.
 */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_TO_DTYPE: Record<string, NpyArray['dtype']> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
};

/** Parses an `.npy` file's bytes; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetError('not a NumPy .npy file (bad magic bytes)', { file });
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DatasetError(`unsupported .npy format version ${major}`, { file });
  }
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetError(`malformed .npy header: ${header.trim()}`, { file });
  }
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    throw new DatasetError(
      `unsupported .npy dtype ${descr} (supported: ${Object.keys(DESCR_TO_DTYPE).join(', ')})`,
      {
        file,
        field: 'descr',
      },
    );
  }
  if (fortran === 'True') throw new DatasetError('Fortran-ordered .npy arrays are not supported', { file });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const itemSize = dtype === 'float32' || dtype === 'int32' ? 4 : 8;
  if (bytes.length - dataStart < count * itemSize) {
    throw new DatasetError(
      `truncated .npy data: shape (${shape.join(', ')}) needs ${count * itemSize} bytes, file has ${bytes.length - dataStart}`,
      { file },
    );
  }
  // Copy so the result is aligned and independent of the input buffer (Buffer#slice is a view, so copy
  // through the Uint8Array constructor instead).
  const raw = new Uint8Array(bytes.subarray(dataStart, dataStart + count * itemSize)).buffer;
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: new Float32Array(raw) };
    case 'float64':
      return { dtype, shape, data: new Float64Array(raw) };
    case 'int32':
      return { dtype, shape, data: new Int32Array(raw) };
    case 'int64':
      return { dtype, shape, data: new BigInt64Array(raw) };
  }
}

/** Serialises a float32 array in `.npy` format 1.0. */
export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`shape (${shape.join(', ')}) does not hold ${data.length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
