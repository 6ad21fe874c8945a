import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc } from './crc32c.js';

describe('crc32c', () => {
  it('matches the standard check value and known vectors', () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    // The CRC-32C catalogue check value and the RFC 3720 (iSCSI) test vectors.
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('extends a running CRC exactly like one pass over the concatenation', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
    expect(crc32c(bytes.subarray(60), crc32c(bytes.subarray(0, 60)))).toBe(crc32c(bytes));
  });

  it('masks like LevelDB (rotate right 15, add 0xa282ead8)', () => {
    expect(maskCrc(0)).toBe(0xa282ead8);
    // LevelDB's crc32c_test: Mask(crc) differs from crc and from Mask(Mask(crc)).
    const crc = crc32c(new TextEncoder().encode('foo'));
    expect(maskCrc(crc)).not.toBe(crc);
    expect(maskCrc(maskCrc(crc))).not.toBe(maskCrc(crc));
    expect(maskCrc(0x00008000)).toBe((0x00000001 + 0xa282ead8) >>> 0);
  });
});
