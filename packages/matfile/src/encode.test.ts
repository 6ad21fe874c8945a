import { describe, expect, it } from 'vitest';
import { encodeMatFile, matCell, matChar, matDouble, matLogical, matNumeric, matStruct } from './encode.js';
import { toPlain } from './plain.js';
import { parseMatFile } from './reader.js';
import type { MatValue, NumericClass } from './types.js';

/** Synthetic values covering every class the encoder writes. */
const variables: Record<string, MatValue> = {
  cycle: matStruct([
    { type: matChar('charge'), data: matStruct({ Time: matDouble([0, 10.5, 21]) }) },
    { type: matChar('discharge'), data: matStruct({ Time: matDouble([]) }) },
  ]),
  names: matCell([matChar('epSanyo002'), matChar(''), matCell([matDouble(7)])], [3, 1]),
  grid: { kind: 'char', dimensions: [2, 3], rows: ['abc', 'def'] },
  flags: matLogical([true, false]),
  impedance: {
    kind: 'numeric',
    className: 'double',
    dimensions: [1, 2],
    real: Float64Array.of(1, 2),
    imaginary: Float64Array.of(-3, 4),
  },
  cube: matDouble([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]),
};

describe('encodeMatFile + parseMatFile round trip (synthetic)', () => {
  for (const compress of [true, false]) {
    it(`returns the encoded values (compress: ${compress})`, () => {
      const decoded = parseMatFile(encodeMatFile(variables, { compress })).variables;
      expect([...decoded.keys()]).toEqual(Object.keys(variables));
      for (const [name, value] of Object.entries(variables)) expect(decoded.get(name)).toEqual(value);
    });
  }

  it('keeps every numeric class, with integer limits intact', () => {
    const limits: Array<[NumericClass, number[]]> = [
      ['int8', [-128, 127]],
      ['uint8', [0, 255]],
      ['int16', [-32768, 32767]],
      ['uint16', [0, 65535]],
      ['int32', [-2147483648, 2147483647]],
      ['uint32', [0, 4294967295]],
      ['int64', [-(2 ** 53), 2 ** 53]],
      ['uint64', [0, 2 ** 53]],
      ['single', [0.5, -1.25]],
      ['double', [Math.PI, Number.NaN]],
    ];
    const encoded = encodeMatFile(
      Object.fromEntries(limits.map(([className, values]) => [className, matNumeric(className, values)])),
    );
    const decoded = parseMatFile(encoded).variables;
    for (const [className, values] of limits) {
      expect(decoded.get(className)).toMatchObject({ kind: 'numeric', className });
      expect(Array.from((decoded.get(className) as { real: Float64Array }).real)).toEqual(values);
    }
  });

  it('writes packed tags for short data (a 1-character name takes 8 bytes)', () => {
    const short = encodeMatFile({ x: matDouble(1) }, { compress: false });
    const long = encodeMatFile({ xxxxx: matDouble(1) }, { compress: false });
    expect(long.length - short.length).toBe(8);
  });
});

describe('toPlain', () => {
  it('gives scalars, vectors, rows of matrices and nested N-D arrays', () => {
    expect(toPlain(matDouble(2))).toBe(2);
    expect(toPlain(matDouble([1, 2, 3], [3, 1]))).toEqual([1, 2, 3]);
    expect(toPlain(matDouble([1, 2, 3, 4, 5, 6], [2, 3]))).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(toPlain(variables['cube']!)).toEqual([
      [
        [1, 5],
        [3, 7],
      ],
      [
        [2, 6],
        [4, 8],
      ],
    ]);
  });

  it('keeps a one-element cell as an array and a 1x1 struct as an object', () => {
    expect(toPlain(matCell([matChar('only')]))).toEqual(['only']);
    expect(toPlain(matStruct({ a: matLogical(true) }))).toEqual({ a: true });
    expect(toPlain(variables['grid']!)).toEqual(['abc', 'def']);
    expect(toPlain(matChar(''))).toBe('');
  });
});
