import { DiffBattError } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import { encodeTable } from './fixtures/synthetic.js';
import { readLevelDbTable } from './leveldb-table.js';

const value = (s: string) => new TextEncoder().encode(s);
const syntheticEntries = (n: number): [string, Uint8Array][] =>
  Array.from({ length: n }, (_, i) => [
    `layer_with_weights-${String(i).padStart(3, '0')}/kernel`,
    value(`v${i}`),
  ]);

const decoded = (bytes: Uint8Array) =>
  readLevelDbTable(bytes, 'synthetic.index').map(({ key, value: v }) => [key, new TextDecoder().decode(v)]);

describe('readLevelDbTable on synthetic tables', () => {
  it('reads prefix-compressed entries across restart points and several data blocks', () => {
    const entries = syntheticEntries(23);
    const expected = entries.map(([k, v]) => [k, new TextDecoder().decode(v)]);
    for (const options of [{}, { restartInterval: 1 }, { restartInterval: 3, entriesPerBlock: 4 }]) {
      expect(decoded(encodeTable(entries, options))).toEqual(expected);
    }
  });

  it('reads the empty key TensorFlow uses for the bundle header, and an empty table', () => {
    expect(
      decoded(
        encodeTable([
          ['', value('header')],
          ['a', value('x')],
        ]),
      ),
    ).toEqual([
      ['', 'header'],
      ['a', 'x'],
    ]);
    expect(decoded(encodeTable([]))).toEqual([]);
  });

  it('refuses a truncated file, a wrong magic number and a short file with one clear line', () => {
    const table = encodeTable(syntheticEntries(5));
    expect(() => readLevelDbTable(table.subarray(0, table.length - 10), 'synthetic.index')).toThrow(
      'synthetic.index: bad magic number at the end of the file (truncated, or not a table) (not a valid TensorFlow index table)',
    );
    expect(() => readLevelDbTable(table.subarray(0, 20), 'synthetic.index')).toThrow(
      /shorter than the 48-byte/,
    );
    expect(() => readLevelDbTable(new TextEncoder().encode('{"not": "a table"}'.repeat(5)), 'x')).toThrow(
      DiffBattError,
    );
  });

  it('detects a corrupted block through its checksum', () => {
    const table = encodeTable(syntheticEntries(5));
    const corrupted = table.slice();
    corrupted[3] = corrupted[3]! ^ 0x40;
    expect(() => readLevelDbTable(corrupted, 'synthetic.index')).toThrow(
      /data block at byte 0: checksum mismatch \(file corrupted\)/,
    );
  });

  it('names the compression of a compressed block instead of misreading it', () => {
    const snappy = encodeTable(syntheticEntries(3), { compressionType: 1 });
    expect(() => readLevelDbTable(snappy, 'synthetic.index')).toThrow(
      /index block at byte \d+ is snappy-compressed; only uncompressed tables are supported/,
    );
  });

  it('refuses an entry sharing more key bytes than the previous key has, or any at a restart point', () => {
    const entries: [string, Uint8Array][] = [
      ['ab', value('x')],
      ['ac', value('y')],
    ];
    // The second entry's header starts at byte 6: 3 header bytes, key "ab", value "x".
    const sharing = (shared: number, restartInterval: number) =>
      encodeTable(entries, { restartInterval, mutateDataBlock: (block) => block.set([shared], 6) });
    expect(() => readLevelDbTable(sharing(9, 16), 'synthetic.index')).toThrow(
      'synthetic.index: data block at byte 0, entry at byte 6: shares 9 bytes with a 2-byte key (not a valid TensorFlow index table)',
    );
    expect(() => readLevelDbTable(sharing(1, 1), 'synthetic.index')).toThrow(
      /entry at byte 6: shares 1 bytes/,
    );
    expect(decoded(sharing(1, 16))).toEqual([
      ['ab', 'x'],
      ['ac', 'y'],
    ]);
  });

  it('refuses keys that are not in order (a table must be sorted)', () => {
    const unsorted = encodeTable([
      ['b', value('1')],
      ['a', value('2')],
    ]);
    expect(() => readLevelDbTable(unsorted, 'synthetic.index')).toThrow(/keys out of order: "a" follows "b"/);
  });
});
