import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DatasetError } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { encodeMatFile, matDouble, matStruct } from './encode.js';
import { toPlain } from './plain.js';
import { parseMatFile, readMatFile } from './reader.js';
import type { MatValue } from './types.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

function plainVariables(bytes: Uint8Array): Record<string, unknown> {
  return Object.fromEntries(
    [...parseMatFile(bytes).variables].map(([name, value]) => [name, toPlain(value)]),
  );
}

/** Byte-level builders for hand-made files, independent of the package's own encoder. */
function header(byteOrder: 'IM' | 'MI', text = 'MATLAB 5.0 MAT-file, synthetic test input'): Uint8Array {
  const bytes = new Uint8Array(128).fill(0x20);
  for (let index = 0; index < text.length; index += 1) bytes[index] = text.charCodeAt(index);
  bytes.fill(0, 116, 124);
  const version = byteOrder === 'IM' ? [0x00, 0x01] : [0x01, 0x00];
  bytes.set([...version, byteOrder.charCodeAt(0), byteOrder.charCodeAt(1)], 124);
  return bytes;
}

function u32(values: number[], littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [index, value] of values.entries()) view.setUint32(index * 4, value >>> 0, littleEndian);
  return bytes;
}

function join8(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A 1x3 double named `x` as MATLAB writes small arrays: the name as a packed (small) element and the
 * values stored as miUINT8 because they fit, also packed.
 */
function matlabStyleDoubleRow(littleEndian: boolean): Uint8Array {
  const small = (type: number, data: number[]) => {
    const tag = u32([(data.length << 16) | type], littleEndian);
    const payload = new Uint8Array(4);
    payload.set(data);
    return join8([tag, payload]);
  };
  const body = join8([
    u32([6, 8, 6, 0], littleEndian), // miUINT32, 8 bytes: class double, nzmax 0
    u32([5, 8, 1, 3], littleEndian), // miINT32 dimensions [1 3]
    small(1, [0x78]), // miINT8 name "x"
    small(2, [1, 2, 250]), // miUINT8 real part
  ]);
  return join8([u32([14, body.length], littleEndian), body]);
}

/** A full (unpacked) little-endian data element, padded to 8 bytes. */
function element(type: number, data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 8) * 8);
  padded.set(data);
  return join8([u32([type, data.length], true), padded]);
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const flags = (classId: number) => element(6, u32([classId, 0], true));
const dimensions = (...sizes: number[]) => element(5, u32(sizes, true));
const matrix = (...parts: Uint8Array[]) => element(14, join8(parts));

describe('parseMatFile on files written by scipy.io.savemat (synthetic, see fixtures/make_fixtures.py)', () => {
  for (const name of ['scipy-synthetic-compressed.mat', 'scipy-synthetic-plain.mat']) {
    it(`decodes structs, struct arrays, cells, char, numeric classes, logical and complex in ${name}`, () => {
      const file = parseMatFile(fixture(name));
      expect(file.header.byteOrder).toBe('little-endian');
      expect(file.header.text).toMatch(/^MATLAB 5\.0 MAT-file/);
      expect([...file.variables.keys()]).toEqual([
        'battery',
        'matrix',
        'counts',
        'flags',
        'names',
        'impedance',
        'single',
        'empty',
      ]);
      const plain = plainVariables(fixture(name));
      expect(plain['battery']).toEqual({
        cycle: [
          { type: 'charge', data: { Voltage_measured: [4.2, 3.9, 3.5], Capacity: 1.5 } },
          { type: 'discharge', data: { Voltage_measured: [4.2, 3.8, 3.5], Capacity: 2.5 } },
          { type: 'impedance', data: { Voltage_measured: [4.2, 3.9 - 2 / 10, 3.5], Capacity: 3.5 } },
        ],
        note: 'synthetic',
      });
      expect(plain['matrix']).toEqual([
        [0, 1, 2],
        [3, 4, 5],
      ]);
      expect(plain['counts']).toEqual([1, -2, 300]);
      expect(file.variables.get('counts')).toMatchObject({
        kind: 'numeric',
        className: 'int16',
        dimensions: [1, 3],
      });
      expect(plain['flags']).toEqual([true, false, true]);
      expect(plain['names']).toEqual(['cell-A', 'cell-B']);
      expect(file.variables.get('names')).toMatchObject({ kind: 'cell', dimensions: [2, 1] });
      expect(plain['impedance']).toEqual({ real: [1, 3], imaginary: [2, -4] });
      expect(file.variables.get('single')).toMatchObject({ kind: 'numeric', className: 'single' });
      expect(plain['single']).toBe(0.5);
      expect(plain['empty']).toEqual([]);
    });
  }
});

describe('parseMatFile on hand-built bytes (synthetic)', () => {
  it('reads small data elements and widens doubles stored as miUINT8, little- and big-endian', () => {
    for (const [order, littleEndian] of [
      ['IM', true],
      ['MI', false],
    ] as const) {
      const file = parseMatFile(join8([header(order), matlabStyleDoubleRow(littleEndian)]));
      expect(file.header.byteOrder).toBe(littleEndian ? 'little-endian' : 'big-endian');
      const x = file.variables.get('x');
      expect(x).toMatchObject({ kind: 'numeric', className: 'double', dimensions: [1, 3] });
      expect(Array.from((x as { real: Float64Array }).real)).toEqual([1, 2, 250]);
    }
  });

  it('reads a compressed element followed directly (unpadded) by another variable', () => {
    const matrix = matlabStyleDoubleRow(true);
    const compressed = deflateSync(matrix);
    const second = matlabStyleDoubleRow(true);
    second[8 * 5 + 4] = 0x79; // rename the second variable to "y"
    const bytes = join8([header('IM'), u32([15, compressed.length], true), compressed, second]);
    const file = parseMatFile(bytes);
    expect([...file.variables.keys()]).toEqual(['x', 'y']);
  });

  it('keeps a classdef (MCOS opaque) field as unsupported, naming its class, and reads the fields after it', () => {
    const opaque = matrix(
      flags(17),
      element(1, new Uint8Array()),
      element(1, ascii('MCOS')),
      element(1, ascii('datetime')),
      matrix(
        flags(13),
        dimensions(2, 1),
        element(1, new Uint8Array()),
        element(6, u32([3707764736, 2], true)),
      ),
    );
    const after = matrix(
      flags(6),
      dimensions(1, 1),
      element(1, new Uint8Array()),
      element(9, new Uint8Array(8)),
    );
    const names = new Uint8Array(16);
    names.set(ascii('when'), 0);
    names.set(ascii('n'), 8);
    const struct = matrix(
      flags(2),
      dimensions(1, 1),
      element(1, ascii('meta')),
      element(5, u32([8], true)),
      element(1, names),
      opaque,
      after,
    );
    const value = parseMatFile(join8([header('IM'), struct])).variables.get('meta')!;
    expect(toPlain(value)).toEqual({ when: { unsupportedMatlabClass: 'datetime' }, n: 0 });
  });

  it('reads an old-style object as a struct with its class name, and UTF-8 char data', () => {
    const names = new Uint8Array(8);
    names.set(ascii('label'), 0);
    const text = new TextEncoder().encode('Ah·V');
    const label = matrix(flags(4), dimensions(1, 4), element(1, new Uint8Array()), element(16, text));
    const object = matrix(
      flags(3),
      dimensions(1, 1),
      element(1, ascii('obj')),
      element(1, ascii('cellInfo')),
      element(5, u32([8], true)),
      element(1, names),
      label,
    );
    const value = parseMatFile(join8([header('IM'), object])).variables.get('obj');
    expect(value).toMatchObject({ kind: 'struct', objectClassName: 'cellInfo', fieldNames: ['label'] });
    expect(toPlain(value!)).toEqual({ label: 'Ah·V' });
  });

  it('keeps sparse arrays as unsupported values instead of failing the whole file', () => {
    const body = join8([u32([6, 8, 5, 1], true), u32([5, 8, 2, 2], true), u32([(1 << 16) | 1, 0x73], true)]);
    const file = parseMatFile(join8([header('IM'), u32([14, body.length], true), body]));
    const value = file.variables.get('s');
    expect(value).toEqual({
      kind: 'unsupported',
      className: 'sparse',
      reason: 'sparse matrices are not decoded',
    });
    expect(toPlain(value!)).toEqual({ unsupportedMatlabClass: 'sparse' });
  });
});

describe('parseMatFile errors (bad input)', () => {
  const sample = encodeMatFile(
    { battery: matStruct({ capacity: matDouble([1.8, 1.7, 1.6]) }) },
    { compress: false },
  );

  const errorOf = (bytes: Uint8Array, fileName = 'cell.mat'): DatasetError => {
    try {
      parseMatFile(bytes, { fileName });
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      return error as DatasetError;
    }
    throw new Error('expected parseMatFile to throw');
  };

  it('rejects a truncated uncompressed file, naming the file and the byte', () => {
    const message = errorOf(sample.subarray(0, sample.length - 20)).message;
    expect(message).toMatch(
      /^cell\.mat: truncated: data element at byte 128 declares \d+ bytes but only \d+ remain/,
    );
  });

  it('rejects a truncated compressed file', () => {
    const compressed = encodeMatFile({
      values: matDouble(Array.from({ length: 500 }, (_, i) => Math.sin(i))),
    });
    const message = errorOf(compressed.subarray(0, compressed.length - 100)).message;
    expect(message).toContain('truncated');
  });

  it('rejects a corrupt compressed stream with the zlib reason', () => {
    const compressed = encodeMatFile({ values: matDouble([1, 2, 3]) });
    const corrupt = compressed.slice();
    corrupt.fill(0xff, 136, 140); // overwrite the zlib header
    expect(errorOf(corrupt).message).toMatch(
      /compressed element at byte 128 cannot be inflated \(zlib: .+\)/,
    );
  });

  it('rejects a file without the MAT-file byte-order mark', () => {
    const text = new TextEncoder().encode('Cycle,Capacity\n'.repeat(20));
    expect(errorOf(text).message).toContain('not a MATLAB level-5 MAT-file');
  });

  it('rejects a file too short to hold a header', () => {
    expect(errorOf(sample.subarray(0, 60)).message).toContain('too short for a MAT-file');
  });

  it('recognises a v7.3 (HDF5) file and says which reader to use', () => {
    const v73 = new Uint8Array(1024);
    v73.set(header('IM', 'MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .'));
    v73.set([0x00, 0x02], 124);
    v73.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    const message = errorOf(v73, 'B0005.mat').message;
    expect(message).toContain('B0005.mat: is a MATLAB v7.3 MAT-file');
    expect(message).toContain('h5wasm');
    expect(message).toContain("'-v7'");
    // The header alone, without the HDF5 part, is recognised by its version too.
    expect(errorOf(v73.subarray(0, 256)).message).toContain('v7.3');
  });

  it('names the variable path of a corrupt nested array', () => {
    const bad: MatValue = {
      kind: 'numeric',
      className: 'double',
      dimensions: [1, 5],
      real: Float64Array.of(1, 2, 3),
    };
    const bytes = encodeMatFile({
      B0025: matStruct({
        cycle: matStruct([{ data: matDouble([1]) }, { data: matStruct({ Capacity: bad }) }]),
      }),
    });
    const error = errorOf(bytes);
    expect(error.location.field).toBe('B0025.cycle(2).data.Capacity');
    expect(error.message).toContain(
      'holds 24 bytes of data type 9 (8-byte values) but its dimensions call for 5 values',
    );
  });
});

describe('readMatFile', () => {
  it('reads from disk and reports progress up to the file size', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'matfile-'));
    const path = join(directory, 'synthetic.mat');
    const bytes = encodeMatFile({ a: matDouble(1), b: matDouble([2, 3]) });
    await writeFile(path, bytes);
    const progress: number[] = [];
    const file = await readMatFile(path, { onProgress: (done, total) => progress.push(done / total) });
    expect(toPlain(file.variables.get('b')!)).toEqual([2, 3]);
    expect(progress.length).toBe(2);
    expect(progress.at(-1)).toBe(1);
  });

  it('names the path of a missing file', async () => {
    await expect(readMatFile('/nonexistent/B0025.mat')).rejects.toThrow(
      /^\/nonexistent\/B0025\.mat: cannot read/,
    );
  });
});
