import type { MatValue } from './types.js';

/** Complex numbers keep their parts apart, each in the plain shape of the array. */
export interface MatPlainComplex {
  real: MatPlain;
  imaginary: MatPlain;
}

/** Stands for an array this reader does not decode (see MatUnsupported). */
export interface MatPlainUnsupported {
  unsupportedMatlabClass: string;
}

export type MatPlain =
  | number
  | boolean
  | string
  | MatPlain[]
  | MatPlainComplex
  | MatPlainUnsupported
  | { [field: string]: MatPlain };

/**
 * Converts a decoded array to plain JavaScript values, the shape to validate with a schema (arktype):
 * a 1x1 numeric or logical array becomes a number or boolean, a vector (1xN or Nx1) an array, an MxN
 * matrix an array of rows (and N-D arrays nest the same way); a char row becomes a string (several rows:
 * string[]); a 1x1 struct an object keyed by field name, other struct arrays arrays of objects; cell
 * arrays are always arrays. Row and column vectors are not told apart.
 */
export function toPlain(value: MatValue): MatPlain {
  switch (value.kind) {
    case 'numeric': {
      const real = shapePlain(value.dimensions, (index) => value.real[index]!, true);
      const { imaginary } = value;
      if (imaginary === undefined) return real;
      return { real, imaginary: shapePlain(value.dimensions, (index) => imaginary[index]!, true) };
    }
    case 'logical':
      return shapePlain(value.dimensions, (index) => value.values[index] === 1, true);
    case 'char':
      return value.rows.length === 1 ? value.rows[0]! : value.rows.length === 0 ? '' : value.rows;
    case 'struct':
      return shapePlain(
        value.dimensions,
        (index) => {
          const record: { [field: string]: MatPlain } = {};
          for (const field of value.fieldNames) record[field] = toPlain(value.elements[index]![field]!);
          return record;
        },
        true,
      );
    case 'cell':
      return shapePlain(value.dimensions, (index) => toPlain(value.elements[index]!), false);
    case 'unsupported':
      return { unsupportedMatlabClass: value.className };
  }
}

/** Arranges column-major elements: scalar, vector, or arrays nested in dimension order. */
function shapePlain(
  dimensions: readonly number[],
  at: (index: number) => MatPlain,
  unwrapScalar: boolean,
): MatPlain {
  const sizes = dimensions.length === 0 ? [1] : dimensions;
  const count = sizes.reduce((total, size) => total * size, 1);
  if (count === 1 && unwrapScalar) return at(0);
  if (sizes.filter((size) => size !== 1).length <= 1)
    return Array.from({ length: count }, (_, index) => at(index));
  const nest = (level: number, base: number, stride: number): MatPlain =>
    level === sizes.length
      ? at(base)
      : Array.from({ length: sizes[level]! }, (_, index) =>
          nest(level + 1, base + index * stride, stride * sizes[level]!),
        );
  return nest(0, 0, 1);
}
