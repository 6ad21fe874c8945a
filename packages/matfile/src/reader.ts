import { open, readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { DatasetError } from '@diffbatt/core';
import {
  ENDIAN_AT,
  elementCount,
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  HEADER_BYTES,
  MI,
  MX,
  NUMERIC_CLASS_BY_ID,
  NUMERIC_TYPE_BYTES,
  SUBSYSTEM_OFFSET_AT,
  VERSION_5,
  VERSION_73,
  VERSION_AT,
} from './format.js';
import type { MatChar, MatFile, MatStruct, MatValue, NumericClass } from './types.js';

export interface ParseMatFileOptions {
  /** Name used in error messages (the path, when read from disk). */
  fileName?: string;
  /** Called after each top-level variable with the bytes read so far. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Most bytes all compressed variables together may inflate to. Default: 100 x the file's size, at
   * least 256 MiB. Battery data inflates 1-20x; a "decompression bomb" of 1 MB can ask for gigabytes.
   */
  maxInflatedBytes?: number;
}

const MIN_INFLATION_BUDGET = 256 * 2 ** 20;
const INFLATION_RATIO_LIMIT = 100;

/** What is left of a file's inflation allowance. */
interface InflationBudget {
  limit: number;
  remaining: number;
}

/** Largest struct array without fields accepted (such arrays carry no bytes to check dimensions against). */
const MAX_FIELDLESS_ELEMENTS = 1 << 24;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const V73_ADVICE =
  'this reader handles level-5 files (MATLAB -v6/-v7) only; read it with an HDF5 reader such as h5wasm, ' +
  "or re-save it in MATLAB with save(file, '-v7')";

/**
 * A byte range being decoded. `describe` turns a position into words for error messages; inside a
 * compressed element positions are counted in the inflated bytes, so it says which element they belong to.
 */
interface Region {
  bytes: Uint8Array;
  view: DataView;
  littleEndian: boolean;
  describe(position: number): string;
}

interface Element {
  type: number;
  start: number;
  end: number;
  /** Where the following element starts. */
  next: number;
}

/** Reads a MAT-file from disk; see {@link parseMatFile}. */
export async function readMatFile(
  path: string,
  options: Omit<ParseMatFileOptions, 'fileName'> = {},
): Promise<MatFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetError(`cannot read: ${(error as Error).message}`, { file: path });
  }
  return parseMatFile(bytes, { ...options, fileName: path });
}

/**
 * Decodes a MATLAB level-5 MAT-file (what `save` writes with -v6 or -v7, the default before R2006b
 * and for most published battery data). Throws DatasetError naming the file, the variable path and the
 * byte offset for truncated, corrupt or unsupported input, and a v7.3 (HDF5) file gets advice on what
 * to use instead.
 */
export function parseMatFile(bytes: Uint8Array, options: ParseMatFileOptions = {}): MatFile {
  const fail = (message: string, field?: string): never => {
    throw new DatasetError(message, { file: options.fileName, field });
  };
  const kind = matFileKind(bytes);
  if (kind === 'v7.3') fail(`is a MATLAB v7.3 MAT-file (HDF5); ${V73_ADVICE}`);
  if (bytes.length < HEADER_BYTES) {
    fail(`only ${bytes.length} bytes: too short for a MAT-file, whose header alone takes ${HEADER_BYTES}`);
  }
  const littleEndian = bytes[ENDIAN_AT] === 0x49; // 'I' of "IM"
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'other') {
    fail(
      'not a MATLAB level-5 MAT-file: no "IM"/"MI" byte-order mark and version 0x0100 at bytes 124..127 ' +
        '(level-4 files and other formats are not supported)',
    );
  }
  const text = decodeLatin1(bytes.subarray(0, SUBSYSTEM_OFFSET_AT)).replace(/[\s\0]+$/, '');

  const file: Region = {
    bytes,
    view,
    littleEndian,
    describe: (position) => `byte ${position}`,
  };
  const subsystemOffset = readSubsystemOffset(view, littleEndian);
  const variables = new Map<string, MatValue>();
  const decoder = new ArrayDecoder(options.fileName);
  const limit =
    options.maxInflatedBytes ?? Math.max(MIN_INFLATION_BUDGET, INFLATION_RATIO_LIMIT * bytes.length);
  const budget: InflationBudget = { limit, remaining: limit };
  let position = HEADER_BYTES;
  while (position < bytes.length) {
    const element = readElement(file, position, bytes.length, decoder, undefined);
    // MCOS subsystem data (the hidden __function_workspace__) describes classdef objects we do not decode.
    if (position !== subsystemOffset) {
      const matrix = topLevelMatrix(file, element, decoder, budget);
      if (matrix) {
        if (matrix.name === '') {
          fail(`top-level array at byte ${position} has no name`);
        }
        variables.set(matrix.name, matrix.value);
      }
    }
    position = element.next;
    options.onProgress?.(Math.min(position, bytes.length), bytes.length);
  }
  return { header: { text, byteOrder: littleEndian ? 'little-endian' : 'big-endian' }, variables };
}

/** What the first bytes of a file say it is: a level-5 MAT-file, a v7.3 (HDF5) one, or something else. */
export type MatFileKind = 'level-5' | 'v7.3' | 'other';

export function matFileKind(head: Uint8Array): MatFileKind {
  if (looksLikeHdf5(head)) return 'v7.3';
  if (head.length < HEADER_BYTES) return 'other';
  const endian = String.fromCharCode(head[ENDIAN_AT]!, head[ENDIAN_AT + 1]!);
  if (endian !== 'IM' && endian !== 'MI') return 'other';
  const version = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(
    VERSION_AT,
    endian === 'IM',
  );
  return version === VERSION_5 ? 'level-5' : version === VERSION_73 ? 'v7.3' : 'other';
}

/** Reads only the head of `path` to tell its kind (for plugins' cheap detect); 'other' when unreadable. */
export async function sniffMatFile(path: string): Promise<MatFileKind> {
  try {
    const handle = await open(path, 'r');
    try {
      const head = new Uint8Array(2056);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return matFileKind(head.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch {
    return 'other';
  }
}

function looksLikeHdf5(bytes: Uint8Array): boolean {
  // HDF5 puts its signature at 0 or, after a user block (MATLAB's v7.3 uses 512 bytes), at 512, 1024, ...
  for (const offset of [0, 512, 1024, 2048]) {
    if (HDF5_SIGNATURE.every((byte, index) => bytes[offset + index] === byte)) return true;
  }
  return false;
}

function readSubsystemOffset(view: DataView, littleEndian: boolean): number | undefined {
  const offset = view.getBigUint64(SUBSYSTEM_OFFSET_AT, littleEndian);
  // Unused: all zero, or all blanks (0x2020...) in files written by older MATLAB releases.
  if (offset === 0n || offset === 0x2020202020202020n) return undefined;
  return Number(offset);
}

function topLevelMatrix(
  file: Region,
  element: Element,
  decoder: ArrayDecoder,
  budget: InflationBudget,
): { name: string; value: MatValue } | undefined {
  if (element.type === MI.MATRIX) return decoder.matrix(file, element, undefined);
  if (element.type !== MI.COMPRESSED) {
    return decoder.fail(
      `unexpected data element of type ${element.type} at top level (${file.describe(element.start - 8)})`,
    );
  }
  const inflated = inflate(file, element, decoder, budget);
  const region: Region = {
    bytes: inflated,
    view: new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength),
    littleEndian: file.littleEndian,
    describe: (position) =>
      `byte ${position} of the compressed element at ${file.describe(element.start - 8)}`,
  };
  const inner = readElement(region, 0, inflated.length, decoder, undefined);
  if (inner.type !== MI.MATRIX) {
    return decoder.fail(
      `compressed element at ${file.describe(element.start - 8)} holds type ${inner.type}, not an array`,
    );
  }
  return decoder.matrix(region, inner, undefined);
}

function inflate(file: Region, element: Element, decoder: ArrayDecoder, budget: InflationBudget): Uint8Array {
  try {
    // zlib stops at the allowance instead of allocating whatever the stream asks for.
    const inflated = inflateSync(file.bytes.subarray(element.start, element.end), {
      maxOutputLength: Math.max(1, budget.remaining),
    });
    budget.remaining -= inflated.length;
    return inflated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return decoder.fail(
        `compressed element at ${file.describe(element.start - 8)} inflates past the limit of ${budget.limit} bytes ` +
          `for this file (${INFLATION_RATIO_LIMIT}x its size, at least 256 MiB): a damaged file or a decompression bomb`,
      );
    }
    return decoder.fail(
      `compressed element at ${file.describe(element.start - 8)} cannot be inflated ` +
        `(zlib: ${(error as Error).message}); the file is probably truncated or corrupt`,
    );
  }
}

/** Reads the tag at `position`, in either the full 8-byte or the packed "small data element" form. */
function readElement(
  region: Region,
  position: number,
  limit: number,
  decoder: ArrayDecoder,
  path: string | undefined,
): Element {
  if (limit - position < 8) {
    return decoder.fail(
      `truncated: a data element tag needs 8 bytes at ${region.describe(position)} but only ` +
        `${Math.max(0, limit - position)} remain`,
      path,
    );
  }
  const first = region.view.getUint32(position, region.littleEndian);
  const packedBytes = first >>> 16;
  if (packedBytes !== 0) {
    if (packedBytes > 4) {
      decoder.fail(`corrupt small data element at ${region.describe(position)}: ${packedBytes} bytes`, path);
    }
    return { type: first & 0xffff, start: position + 4, end: position + 4 + packedBytes, next: position + 8 };
  }
  const size = region.view.getUint32(position + 4, region.littleEndian);
  const start = position + 8;
  if (size > limit - start) {
    decoder.fail(
      `truncated: data element at ${region.describe(position)} declares ${size} bytes but only ` +
        `${limit - start} remain`,
      path,
    );
  }
  // Elements are padded to 8 bytes, except compressed ones, which MATLAB writes back to back.
  const padded = first === MI.COMPRESSED ? start + size : start + Math.ceil(size / 8) * 8;
  return { type: first, start, end: start + size, next: Math.min(padded, limit) };
}

function decodeLatin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

function decodeName(bytes: Uint8Array): string {
  const zero = bytes.indexOf(0);
  return decodeLatin1(zero === -1 ? bytes : bytes.subarray(0, zero));
}

/** Decodes miMATRIX elements; holds the file name so every error can name it. */
class ArrayDecoder {
  constructor(private readonly fileName: string | undefined) {}

  fail(message: string, path?: string): never {
    throw new DatasetError(message, { file: this.fileName, field: path });
  }

  /** Decodes one miMATRIX element; `path` is the MATLAB expression of its parent (undefined at top level). */
  matrix(region: Region, element: Element, path: string | undefined): { name: string; value: MatValue } {
    // An empty miMATRIX stands for [] (e.g. an unset struct field).
    if (element.end === element.start) {
      return {
        name: '',
        value: { kind: 'numeric', className: 'double', dimensions: [0, 0], real: new Float64Array() },
      };
    }
    const end = element.end;
    const flags = this.expect(region, element.start, end, [MI.UINT32], 'array flags', path);
    if (flags.end - flags.start < 8)
      this.fail(`array flags at ${region.describe(flags.start)} are short`, path);
    const flagWord = region.view.getUint32(flags.start, region.littleEndian);
    const classId = flagWord & 0xff;

    if (classId === MX.OPAQUE) return this.opaque(region, flags.next, end, path);

    const dimensionsElement = this.expect(region, flags.next, end, [MI.INT32], 'dimensions', path);
    const dimensions = this.int32s(region, dimensionsElement);
    const nameElement = this.expect(region, dimensionsElement.next, end, [MI.INT8], 'array name', path);
    const name = decodeName(region.bytes.subarray(nameElement.start, nameElement.end));
    const here = path ?? name;
    if (dimensions.some((size) => size < 0))
      this.fail(`negative dimension in [${dimensions.join(' ')}]`, here);
    const count = elementCount(dimensions);
    let position = nameElement.next;

    switch (classId) {
      case MX.CELL: {
        this.checkRoom(count, 1, end - position, here);
        const elements: MatValue[] = [];
        for (let index = 0; index < count; index += 1) {
          const child = this.expect(region, position, end, [MI.MATRIX], 'cell element', here);
          elements.push(this.matrix(region, child, `${here}{${index + 1}}`).value);
          position = child.next;
        }
        return { name, value: { kind: 'cell', dimensions, elements } };
      }
      case MX.STRUCT:
      case MX.OBJECT: {
        let objectClassName: string | undefined;
        if (classId === MX.OBJECT) {
          const classElement = this.expect(region, position, end, [MI.INT8], 'class name', here);
          objectClassName = decodeName(region.bytes.subarray(classElement.start, classElement.end));
          position = classElement.next;
        }
        return { name, value: this.struct(region, position, end, dimensions, here, objectClassName) };
      }
      case MX.CHAR: {
        const data = this.expect(region, position, end, undefined, 'char data', here);
        return { name, value: this.char(region, data, dimensions, here) };
      }
      case MX.SPARSE:
        return {
          name,
          value: { kind: 'unsupported', className: 'sparse', reason: 'sparse matrices are not decoded' },
        };
      case MX.FUNCTION:
        return {
          name,
          value: {
            kind: 'unsupported',
            className: 'function_handle',
            reason: 'function handles are not decoded',
          },
        };
      default: {
        const className = NUMERIC_CLASS_BY_ID[classId as keyof typeof NUMERIC_CLASS_BY_ID] as
          | NumericClass
          | undefined;
        if (className === undefined) this.fail(`unknown array class ${classId}`, here);
        const realElement = this.expect(region, position, end, undefined, 'real part', here);
        const real = this.numbers(region, realElement, count, here);
        if ((flagWord & FLAG_LOGICAL) !== 0) {
          return {
            name,
            value: { kind: 'logical', dimensions, values: Uint8Array.from(real, (v) => (v ? 1 : 0)) },
          };
        }
        if ((flagWord & FLAG_COMPLEX) === 0) {
          return { name, value: { kind: 'numeric', className: className!, dimensions, real } };
        }
        const imaginaryElement = this.expect(
          region,
          realElement.next,
          end,
          undefined,
          'imaginary part',
          here,
        );
        const imaginary = this.numbers(region, imaginaryElement, count, here);
        return { name, value: { kind: 'numeric', className: className!, dimensions, real, imaginary } };
      }
    }
  }

  private struct(
    region: Region,
    start: number,
    end: number,
    dimensions: number[],
    path: string,
    objectClassName: string | undefined,
  ): MatStruct {
    const lengthElement = this.expect(region, start, end, [MI.INT32], 'field name length', path);
    const [nameLength] = this.int32s(region, lengthElement);
    const namesElement = this.expect(region, lengthElement.next, end, [MI.INT8], 'field names', path);
    const nameBytes = namesElement.end - namesElement.start;
    if (nameLength === undefined || nameLength <= 0 || nameBytes % nameLength !== 0) {
      this.fail(`field names take ${nameBytes} bytes, not a multiple of the name length ${nameLength}`, path);
    }
    const fieldNames: string[] = [];
    for (let offset = namesElement.start; offset < namesElement.end; offset += nameLength!) {
      fieldNames.push(decodeName(region.bytes.subarray(offset, offset + nameLength!)));
    }
    const count = elementCount(dimensions);
    let position = namesElement.next;
    this.checkRoom(count, fieldNames.length, end - position, path);
    const elements: Array<Record<string, MatValue>> = [];
    for (let index = 0; index < count; index += 1) {
      const record: Record<string, MatValue> = {};
      const elementPath = count === 1 ? path : `${path}(${index + 1})`;
      for (const field of fieldNames) {
        const child = this.expect(
          region,
          position,
          end,
          [MI.MATRIX],
          `value of field "${field}"`,
          elementPath,
        );
        record[field] = this.matrix(region, child, `${elementPath}.${field}`).value;
        position = child.next;
      }
      elements.push(record);
    }
    const value: MatStruct = { kind: 'struct', dimensions, fieldNames, elements };
    if (objectClassName !== undefined) value.objectClassName = objectClassName;
    return value;
  }

  private char(region: Region, data: Element, dimensions: number[], path: string): MatChar {
    const bytes = region.bytes.subarray(data.start, data.end);
    let codes: number[];
    if (data.type === MI.UTF8) {
      codes = Array.from(new TextDecoder('utf-8').decode(bytes), (char) => char.codePointAt(0)!);
    } else if (data.type === MI.UTF16 || data.type === MI.UINT16 || data.type === MI.INT16) {
      // MATLAB chars are UTF-16 code units, one per element.
      codes = Array.from(this.numbers(region, data, elementCount(dimensions), path));
    } else if (data.type === MI.UTF32 || data.type === MI.UINT32 || data.type === MI.INT32) {
      codes = Array.from(this.numbers(region, { ...data, type: MI.UINT32 }, elementCount(dimensions), path));
    } else {
      codes = Array.from(this.numbers(region, data, elementCount(dimensions), path));
    }
    const count = elementCount(dimensions);
    if (codes.length !== count) {
      this.fail(`char data holds ${codes.length} characters for dimensions [${dimensions.join(' ')}]`, path);
    }
    const rowCount = dimensions[0] ?? 0;
    const rows: string[] = [];
    for (let row = 0; row < rowCount; row += 1) {
      let text = '';
      for (let index = row; index < count; index += rowCount) text += String.fromCharCode(codes[index]!);
      rows.push(text);
    }
    return { kind: 'char', dimensions, rows };
  }

  /** Opaque (classdef) arrays: names and class strings, then nested data we skip. */
  private opaque(
    region: Region,
    start: number,
    end: number,
    path: string | undefined,
  ): { name: string; value: MatValue } {
    const strings: string[] = [];
    let position = start;
    while (position < end) {
      const element = readElement(region, position, end, this, path);
      if (element.type === MI.INT8)
        strings.push(decodeName(region.bytes.subarray(element.start, element.end)));
      position = element.next;
    }
    const [name = '', ...rest] = strings;
    const className = rest.at(-1) || 'opaque';
    return {
      name,
      value: {
        kind: 'unsupported',
        className,
        reason: `MATLAB ${className} objects (opaque data) are not decoded`,
      },
    };
  }

  /**
   * Every cell or struct field value takes at least an 8-byte tag, so corrupt dimensions are caught before
   * any allocation; a struct array without fields has no bytes per element and gets a plain size cap.
   */
  private checkRoom(count: number, valuesPerElement: number, bytesLeft: number, path: string): void {
    if (valuesPerElement === 0 ? count > MAX_FIELDLESS_ELEMENTS : count * valuesPerElement * 8 > bytesLeft) {
      this.fail(
        `implausibly large: ${count} elements` +
          (valuesPerElement === 0
            ? ' of a struct array without fields'
            : ` but only ${bytesLeft} bytes of data`),
        path,
      );
    }
  }

  private expect(
    region: Region,
    position: number,
    end: number,
    types: readonly number[] | undefined,
    what: string,
    path: string | undefined,
  ): Element {
    const element = readElement(region, position, end, this, path);
    if (types && !types.includes(element.type)) {
      this.fail(`expected ${what} at ${region.describe(position)}, found data type ${element.type}`, path);
    }
    return element;
  }

  private int32s(region: Region, element: Element): number[] {
    const values: number[] = [];
    for (let offset = element.start; offset + 4 <= element.end; offset += 4) {
      values.push(region.view.getInt32(offset, region.littleEndian));
    }
    return values;
  }

  /** Widens numeric data of any storage type to float64, checking it holds `count` values. */
  private numbers(region: Region, element: Element, count: number, path: string): Float64Array {
    const width = NUMERIC_TYPE_BYTES[element.type];
    if (width === undefined) {
      this.fail(`data type ${element.type} at ${region.describe(element.start)} is not numeric`, path);
    }
    const byteLength = element.end - element.start;
    if (byteLength !== count * width!) {
      this.fail(
        `holds ${byteLength} bytes of data type ${element.type} (${width}-byte values) but its dimensions ` +
          `call for ${count} values`,
        path,
      );
    }
    const { view, littleEndian } = region;
    const values = new Float64Array(count);
    const read = valueReader(element.type, view, littleEndian);
    for (let index = 0; index < count; index += 1) values[index] = read(element.start + index * width!);
    return values;
  }
}

function valueReader(type: number, view: DataView, littleEndian: boolean): (offset: number) => number {
  switch (type) {
    case MI.INT8:
      return (offset) => view.getInt8(offset);
    case MI.UINT8:
      return (offset) => view.getUint8(offset);
    case MI.INT16:
      return (offset) => view.getInt16(offset, littleEndian);
    case MI.UINT16:
      return (offset) => view.getUint16(offset, littleEndian);
    case MI.INT32:
      return (offset) => view.getInt32(offset, littleEndian);
    case MI.UINT32:
      return (offset) => view.getUint32(offset, littleEndian);
    case MI.SINGLE:
      return (offset) => view.getFloat32(offset, littleEndian);
    case MI.DOUBLE:
      return (offset) => view.getFloat64(offset, littleEndian);
    case MI.INT64:
      return (offset) => Number(view.getBigInt64(offset, littleEndian));
    default:
      return (offset) => Number(view.getBigUint64(offset, littleEndian));
  }
}
