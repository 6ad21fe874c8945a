import { deflateSync } from 'node:zlib';
import {
  elementCount,
  FLAG_COMPLEX,
  FLAG_LOGICAL,
  HEADER_BYTES,
  MI,
  MX,
  SUBSYSTEM_OFFSET_AT,
  VERSION_5,
  VERSION_AT,
} from './format.js';
import type { MatCell, MatChar, MatLogical, MatNumeric, MatStruct, MatValue, NumericClass } from './types.js';

/*
 * A small level-5 writer, little-endian, in the layout MATLAB's own `save -v7` uses (one compressed element
 * per variable, 8-byte padding, packed tags for data of 4 bytes or less). It exists so that tests of this
 * reader and of the dataset plugins can build exact inputs, and so that small fixtures can be written.
 */

/** Storage type and class id per numeric class: values are stored in the class's own type. */
const NUMERIC_LAYOUT: Record<NumericClass, { classId: number; type: number; width: number }> = {
  double: { classId: MX.DOUBLE, type: MI.DOUBLE, width: 8 },
  single: { classId: MX.SINGLE, type: MI.SINGLE, width: 4 },
  int8: { classId: MX.INT8, type: MI.INT8, width: 1 },
  uint8: { classId: MX.UINT8, type: MI.UINT8, width: 1 },
  int16: { classId: MX.INT16, type: MI.INT16, width: 2 },
  uint16: { classId: MX.UINT16, type: MI.UINT16, width: 2 },
  int32: { classId: MX.INT32, type: MI.INT32, width: 4 },
  uint32: { classId: MX.UINT32, type: MI.UINT32, width: 4 },
  int64: { classId: MX.INT64, type: MI.INT64, width: 8 },
  uint64: { classId: MX.UINT64, type: MI.UINT64, width: 8 },
};

export interface EncodeMatFileOptions {
  /** Compress each variable with zlib, as MATLAB's default -v7 does (default true). */
  compress?: boolean;
  /** Descriptive header text (at most 116 characters). */
  headerText?: string;
}

/** A numeric array; a plain number gives a 1x1 array, values default to a row vector. */
export function matNumeric(
  className: NumericClass,
  values: ArrayLike<number> | number,
  dimensions?: number[],
): MatNumeric {
  const real = Float64Array.from(typeof values === 'number' ? [values] : Array.from(values));
  return { kind: 'numeric', className, dimensions: dimensions ?? [1, real.length], real };
}

export function matDouble(values: ArrayLike<number> | number, dimensions?: number[]): MatNumeric {
  return matNumeric('double', values, dimensions);
}

export function matLogical(values: readonly boolean[] | boolean, dimensions?: number[]): MatLogical {
  const list = typeof values === 'boolean' ? [values] : values;
  return {
    kind: 'logical',
    dimensions: dimensions ?? [1, list.length],
    values: Uint8Array.from(list, (value) => (value ? 1 : 0)),
  };
}

/** A char row vector ('' is 0x0, as in MATLAB). */
export function matChar(text: string): MatChar {
  return text === ''
    ? { kind: 'char', dimensions: [0, 0], rows: [] }
    : { kind: 'char', dimensions: [1, text.length], rows: [text] };
}

/** A 1x1 struct, or a 1xN struct array when given several records (all with the same fields). */
export function matStruct(records: Record<string, MatValue> | Array<Record<string, MatValue>>): MatStruct {
  const elements = Array.isArray(records) ? records : [records];
  const fieldNames = Object.keys(elements[0] ?? {});
  return { kind: 'struct', dimensions: [1, elements.length], fieldNames, elements };
}

/** A cell array, by default a 1xN row. */
export function matCell(elements: MatValue[], dimensions?: number[]): MatCell {
  return { kind: 'cell', dimensions: dimensions ?? [1, elements.length], elements };
}

/** Encodes variables as a level-5 MAT-file. */
export function encodeMatFile(
  variables: Record<string, MatValue> | ReadonlyMap<string, MatValue>,
  options: EncodeMatFileOptions = {},
): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES).fill(0x20);
  const text = options.headerText ?? 'MATLAB 5.0 MAT-file, written by @diffbatt/matfile';
  if (text.length > SUBSYSTEM_OFFSET_AT)
    throw new RangeError('MAT-file header text is limited to 116 characters');
  for (let index = 0; index < text.length; index += 1) header[index] = text.charCodeAt(index) & 0xff;
  const view = new DataView(header.buffer);
  view.setBigUint64(SUBSYSTEM_OFFSET_AT, 0n, true);
  view.setUint16(VERSION_AT, VERSION_5, true);
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  const parts: Uint8Array[] = [header];
  const entries = variables instanceof Map ? [...variables] : Object.entries(variables);
  for (const [name, value] of entries) {
    const matrix = matrixElement(name, value);
    if (options.compress === false) {
      parts.push(matrix);
    } else {
      const compressed = deflateSync(matrix);
      parts.push(tag(MI.COMPRESSED, compressed.length), compressed);
    }
  }
  return concat(parts);
}

function matrixElement(name: string, value: MatValue): Uint8Array {
  const parts: Uint8Array[] = [];
  const flags = (classId: number, extra = 0) => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, classId | extra, true);
    parts.push(element(MI.UINT32, bytes));
  };
  const head = () => {
    parts.push(element(MI.INT32, int32Bytes(value.kind === 'unsupported' ? [] : value.dimensions)));
    parts.push(element(MI.INT8, asciiBytes(name)));
  };
  switch (value.kind) {
    case 'numeric': {
      const layout = NUMERIC_LAYOUT[value.className];
      flags(layout.classId, value.imaginary ? FLAG_COMPLEX : 0);
      head();
      parts.push(element(layout.type, numberBytes(value.real, layout.type, layout.width)));
      if (value.imaginary)
        parts.push(element(layout.type, numberBytes(value.imaginary, layout.type, layout.width)));
      break;
    }
    case 'logical':
      flags(MX.UINT8, FLAG_LOGICAL);
      head();
      parts.push(element(MI.UINT8, value.values));
      break;
    case 'char': {
      flags(MX.CHAR);
      head();
      const count = elementCount(value.dimensions);
      const rows = value.rows.length;
      const codes = Array.from({ length: count }, (_, index) =>
        value.rows[index % rows]!.charCodeAt(Math.floor(index / rows)),
      );
      parts.push(element(MI.UINT16, numberBytes(codes, MI.UINT16, 2)));
      break;
    }
    case 'struct': {
      flags(MX.STRUCT);
      head();
      const nameLength = Math.max(32, ...value.fieldNames.map((field) => field.length + 1));
      parts.push(element(MI.INT32, int32Bytes([nameLength])));
      const names = new Uint8Array(nameLength * value.fieldNames.length);
      for (const [index, field] of value.fieldNames.entries())
        names.set(asciiBytes(field), index * nameLength);
      parts.push(element(MI.INT8, names));
      for (const record of value.elements) {
        for (const field of value.fieldNames) {
          const fieldValue = record[field];
          if (fieldValue === undefined) throw new TypeError(`struct element lacks field "${field}"`);
          parts.push(matrixElement('', fieldValue));
        }
      }
      break;
    }
    case 'cell':
      flags(MX.CELL);
      head();
      for (const cellValue of value.elements) parts.push(matrixElement('', cellValue));
      break;
    case 'unsupported':
      throw new TypeError(`cannot encode an undecoded MATLAB ${value.className} array`);
  }
  const body = concat(parts);
  return concat([tag(MI.MATRIX, body.length), body]);
}

function tag(type: number, size: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, size, true);
  return bytes;
}

/** A data element: packed into 8 bytes when its data takes 1 to 4 bytes, else tag + data + padding. */
function element(type: number, data: Uint8Array): Uint8Array {
  if (data.length > 0 && data.length <= 4) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, (data.length << 16) | type, true);
    bytes.set(data, 4);
    return bytes;
  }
  const padded = new Uint8Array(8 + Math.ceil(data.length / 8) * 8);
  padded.set(tag(type, data.length));
  padded.set(data, 8);
  return padded;
}

function numberBytes(values: ArrayLike<number>, type: number, width: number): Uint8Array {
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < values.length; index += 1) {
    const offset = index * width;
    const value = values[index]!;
    switch (type) {
      case MI.DOUBLE:
        view.setFloat64(offset, value, true);
        break;
      case MI.SINGLE:
        view.setFloat32(offset, value, true);
        break;
      case MI.INT8:
        view.setInt8(offset, value);
        break;
      case MI.UINT8:
        view.setUint8(offset, value);
        break;
      case MI.INT16:
        view.setInt16(offset, value, true);
        break;
      case MI.UINT16:
        view.setUint16(offset, value, true);
        break;
      case MI.INT32:
        view.setInt32(offset, value, true);
        break;
      case MI.UINT32:
        view.setUint32(offset, value, true);
        break;
      case MI.INT64:
        view.setBigInt64(offset, BigInt(value), true);
        break;
      default:
        view.setBigUint64(offset, BigInt(value), true);
    }
  }
  return bytes;
}

function int32Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [index, value] of values.entries()) view.setInt32(index * 4, value, true);
  return bytes;
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
