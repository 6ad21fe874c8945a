import { DatasetError, SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { encodeMatFile, matCell, matChar, matDouble, matLogical, matNumeric, matStruct } from './encode.js';
import { parseMatFile } from './reader.js';
import type { MatStruct } from './types.js';

/** A synthetic file using every kind of element the reader decodes. */
const variables = {
  battery: matStruct({
    cycle: matStruct([
      {
        type: matChar('discharge'),
        data: matStruct({ Time: matDouble([0, 10, 20]), Capacity: matDouble(1.8) }),
      },
      { type: matChar('charge'), data: matStruct({ Time: matDouble([0, 5]), Capacity: matDouble([]) }) },
    ]),
  }),
  names: matCell([matChar('cellA'), matCell([matLogical([true, false])])], [2, 1]),
  counts: matNumeric('uint16', [1, 2, 3, 4], [2, 2]),
};

/** Parsing must either succeed or throw DatasetError: never a RangeError from a read past the end, never hang. */
function parsesOrFailsCleanly(bytes: Uint8Array): void {
  try {
    parseMatFile(bytes, { fileName: 'fuzz.mat' });
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    expect(error.message.startsWith('fuzz.mat')).toBe(true);
  }
}

describe('parseMatFile on damaged input (synthetic, seeded)', () => {
  for (const compress of [false, true]) {
    const bytes = encodeMatFile(variables, { compress });

    it(`fails cleanly at every truncation length (compress: ${compress})`, () => {
      for (let length = 0; length < bytes.length; length += 1)
        parsesOrFailsCleanly(bytes.subarray(0, length));
    });

    it(`fails cleanly on random byte corruption (compress: ${compress})`, () => {
      const random = new SeededRandom(compress ? 11 : 7);
      for (let trial = 0; trial < 400; trial += 1) {
        const damaged = bytes.slice();
        const flips = 1 + random.integer(4);
        for (let flip = 0; flip < flips; flip += 1) {
          damaged[128 + random.integer(damaged.length - 128)] = random.integer(256);
        }
        parsesOrFailsCleanly(damaged);
      }
    });
  }

  it('refuses an implausibly large array instead of allocating it', () => {
    const huge: MatStruct = { kind: 'struct', dimensions: [65536, 65536], fieldNames: [], elements: [] };
    const bytes = encodeMatFile({ huge }, { compress: false });
    expect(() => parseMatFile(bytes)).toThrow(/implausibly large/);
  });

  it('stops a decompression bomb at the inflation limit, in one line, with memory bounded by that limit', () => {
    // Synthetic: one zero-filled 8 MiB double compressed once (~1000x), its element repeated 40 times:
    // 320 MiB from a file of ~0.3 MB.
    const zeros = matDouble(new Float64Array(2 ** 20));
    const single = encodeMatFile({ v: zeros }, { compress: true });
    const element = single.subarray(128);
    const bomb = new Uint8Array(128 + 40 * element.length);
    bomb.set(single.subarray(0, 128));
    for (let copy = 0; copy < 40; copy++) bomb.set(element, 128 + copy * element.length);
    expect(bomb.length).toBeLessThan(2 ** 20);
    expect(() => parseMatFile(bomb, { fileName: 'bomb.mat' })).toThrow(
      /^bomb\.mat: compressed element at byte \d+ inflates past the limit of 268435456 bytes for this file/,
    );
    // A genuine file that needs more is read when the caller raises the limit.
    const small = encodeMatFile({ v: zeros }, { compress: true });
    expect(() => parseMatFile(small, { maxInflatedBytes: 2 ** 20 })).toThrow(
      /inflates past the limit of 1048576/,
    );
    expect(parseMatFile(small, { maxInflatedBytes: 2 ** 24 }).variables.get('v')).toBeDefined();
  });
});
