/** MATLAB array classes (mxClassID) this package names. */
export type NumericClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/**
 * A numeric matrix. Values are widened to float64 whatever the class or on-disk storage type
 * (MATLAB often stores doubles as uint8 when they fit); int64/uint64 beyond 2^53 lose precision.
 * `real` and `imaginary` are in MATLAB's column-major order.
 */
export interface MatNumeric {
  kind: 'numeric';
  className: NumericClass;
  dimensions: number[];
  real: Float64Array;
  /** Present only for complex arrays. */
  imaginary?: Float64Array;
}

/** A logical matrix (stored by MATLAB as uint8 with the logical flag), column-major. */
export interface MatLogical {
  kind: 'logical';
  dimensions: number[];
  values: Uint8Array;
}

/** A char matrix; `rows` holds each row of a 2-D char array as a string (a row vector is one row). */
export interface MatChar {
  kind: 'char';
  dimensions: number[];
  rows: string[];
}

/** A struct array: `elements` in column-major order, each mapping every field name to its value. */
export interface MatStruct {
  kind: 'struct';
  dimensions: number[];
  fieldNames: string[];
  elements: Array<Record<string, MatValue>>;
  /** Class name when the array is a (pre-classdef) MATLAB object rather than a plain struct. */
  objectClassName?: string;
}

/** A cell array, column-major. */
export interface MatCell {
  kind: 'cell';
  dimensions: number[];
  elements: MatValue[];
}

/**
 * An array this reader keeps but does not decode (sparse matrices, function handles, classdef objects
 * such as `datetime` stored as MCOS opaque data). Reading it is an error only when a caller uses it.
 */
export interface MatUnsupported {
  kind: 'unsupported';
  className: string;
  reason: string;
}

export type MatValue = MatNumeric | MatLogical | MatChar | MatStruct | MatCell | MatUnsupported;

export interface MatFileHeader {
  /** The 116-byte descriptive text, trailing blanks and NULs removed. */
  text: string;
  byteOrder: 'little-endian' | 'big-endian';
}

export interface MatFile {
  header: MatFileHeader;
  /** Top-level variables by name, in file order. */
  variables: Map<string, MatValue>;
}
