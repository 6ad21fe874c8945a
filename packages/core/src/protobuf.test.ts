import { describe, expect, it } from 'vitest';
import { DiffBattError } from './errors.js';
import { decodeFields, ProtoMessage, readVarint } from './protobuf.js';
import { concatBytes as concat, pb, encodeVarint as varint } from './testing.js';

const source = { file: 'synthetic.pb', what: 'TestMessage' };

describe('readVarint', () => {
  it('decodes 1..10-byte varints, including int64 negatives as TensorFlow writes them', () => {
    for (const value of [
      0,
      1,
      127,
      128,
      300,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 35 + 7,
      Number.MAX_SAFE_INTEGER,
      -1,
      -300,
    ]) {
      const bytes = varint(value);
      expect(readVarint(bytes, 0)).toEqual({ value, next: bytes.length });
    }
    expect(varint(-1)).toHaveLength(10);
    expect(readVarint(Uint8Array.of(0x96, 0x01), 0)).toEqual({ value: 150, next: 2 });
  });

  it('reports truncation and refuses values a double cannot hold exactly', () => {
    expect(readVarint(Uint8Array.of(0x96), 0)).toBeUndefined();
    expect(() => readVarint(varint(2n ** 60n), 0)).toThrow(/too large/);
    expect(() => readVarint(new Uint8Array(11).fill(0xff), 0)).toThrow(/longer than 10 bytes/);
  });
});

describe('decodeFields / ProtoMessage on synthetic messages', () => {
  it('reads varint, length-delimited, fixed32 and fixed64 fields in wire order', () => {
    const fixed64 = concat(varint(4 * 8 + 1), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const bytes = concat(
      pb.varint(1, 150),
      pb.bytes(2, 'hi'),
      pb.fixed32(3, 0xdeadbeef),
      fixed64,
      pb.bytes(2, 'again'),
    );
    const fields = decodeFields(bytes, source);
    expect(fields.map((f) => [f.field, f.kind])).toEqual([
      [1, 'varint'],
      [2, 'bytes'],
      [3, 'fixed32'],
      [4, 'fixed64'],
      [2, 'bytes'],
    ]);
    const message = new ProtoMessage(bytes, source);
    expect(message.int(1)).toBe(150);
    expect(message.string(2)).toBe('again'); // last occurrence wins
    expect(message.strings(2)).toEqual(['hi', 'again']);
    expect(message.fixed32(3)).toBe(0xdeadbeef);
    expect(message.int(9, 42)).toBe(42);
    expect(message.string(9)).toBe('');
  });

  it('reads nested and repeated messages', () => {
    const child = (n: number) => pb.message(5, pb.varint(1, n), pb.bytes(2, `c${n}`));
    const message = new ProtoMessage(concat(child(1), child(2), child(3)), source);
    expect(message.messages(5, 'child').map((c) => [c.int(1), c.string(2)])).toEqual([
      [1, 'c1'],
      [2, 'c2'],
      [3, 'c3'],
    ]);
    expect(message.message(6, 'absent')).toBeUndefined();
  });

  it('names the file and the message in errors about malformed bytes', () => {
    const truncated = pb.bytes(2, 'hello').subarray(0, 4);
    expect(() => decodeFields(truncated, source)).toThrow(DiffBattError);
    expect(() => decodeFields(truncated, source)).toThrow(
      'synthetic.pb: TestMessage: field 2 needs 5 bytes at byte 2, only 2 left (not a valid protobuf message)',
    );
    expect(() => decodeFields(Uint8Array.of(0x0b), source)).toThrow(/unsupported wire type 3 for field 1/);
    expect(() => decodeFields(Uint8Array.of(0x08), source)).toThrow(/truncated varint/);
    expect(() => decodeFields(Uint8Array.of(0x00), source)).toThrow(/field number 0/);
  });

  it('refuses a field with an unexpected wire type and text that is not UTF-8', () => {
    const message = new ProtoMessage(concat(pb.varint(1, 3), pb.bytes(2, Uint8Array.of(0xff, 0xfe))), source);
    expect(() => message.string(1)).toThrow('synthetic.pb: TestMessage: field 1 is varint, expected bytes');
    expect(() => message.string(2)).toThrow(/field 2 is not valid UTF-8/);
    const nested = new ProtoMessage(pb.message(1, Uint8Array.of(0x0b)), source);
    expect(() => nested.message(1, 'inner')).toThrow(/TestMessage > inner: unsupported wire type 3/);
  });
});
