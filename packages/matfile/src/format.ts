/**
 * Constants of the MATLAB level-5 MAT-file format (MathWorks, "MAT-File Format", R2019b), shared by the
 * reader and the encoder.
 */

/** Data element types (miINT8 ...). */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** Array classes (mxCLASS_ID) as stored in the low byte of the array flags. */
export const MX = {
  CELL: 1,
  STRUCT: 2,
  OBJECT: 3,
  CHAR: 4,
  SPARSE: 5,
  DOUBLE: 6,
  SINGLE: 7,
  INT8: 8,
  UINT8: 9,
  INT16: 10,
  UINT16: 11,
  INT32: 12,
  UINT32: 13,
  INT64: 14,
  UINT64: 15,
  FUNCTION: 16,
  OPAQUE: 17,
} as const;

export const FLAG_COMPLEX = 0x0800;
export const FLAG_LOGICAL = 0x0200;

export const HEADER_BYTES = 128;
/** Header bytes 116..123: offset of the subsystem data (MCOS objects), zero or blanks when absent. */
export const SUBSYSTEM_OFFSET_AT = 116;
export const VERSION_AT = 124;
export const ENDIAN_AT = 126;
export const VERSION_5 = 0x0100;
export const VERSION_73 = 0x0200;

export const NUMERIC_CLASS_BY_ID = {
  [MX.DOUBLE]: 'double',
  [MX.SINGLE]: 'single',
  [MX.INT8]: 'int8',
  [MX.UINT8]: 'uint8',
  [MX.INT16]: 'int16',
  [MX.UINT16]: 'uint16',
  [MX.INT32]: 'int32',
  [MX.UINT32]: 'uint32',
  [MX.INT64]: 'int64',
  [MX.UINT64]: 'uint64',
} as const;

/** Bytes per value of each numeric storage type. */
export const NUMERIC_TYPE_BYTES: Readonly<Record<number, number>> = {
  [MI.INT8]: 1,
  [MI.UINT8]: 1,
  [MI.INT16]: 2,
  [MI.UINT16]: 2,
  [MI.INT32]: 4,
  [MI.UINT32]: 4,
  [MI.SINGLE]: 4,
  [MI.DOUBLE]: 8,
  [MI.INT64]: 8,
  [MI.UINT64]: 8,
};

/** Number of elements of an array with these dimensions (an empty dimension list is a scalar). */
export function elementCount(dimensions: readonly number[]): number {
  return dimensions.reduce((count, size) => count * size, 1);
}
