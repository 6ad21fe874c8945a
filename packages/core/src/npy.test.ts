import { describe, expect, it } from 'vitest';
import { encodeNpyFloat32, parseNpy } from './npy.js';

describe('npy', () => {
  it('round-trips float32 arrays with a 64-byte aligned header', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const bytes = encodeNpyFloat32(data, [3, 4, 1]);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    const parsed = parseNpy(bytes);
    expect(parsed.dtype).toBe('float32');
    expect(parsed.shape).toEqual([3, 4, 1]);
    expect(Array.from(parsed.data as Float32Array)).toEqual(Array.from(data));
  });

  it('names the file for bad magic, truncated data and unsupported dtypes', () => {
    expect(() => parseNpy(new Uint8Array(20), 'a.npy')).toThrow('a.npy: not a NumPy .npy file');
    const bytes = encodeNpyFloat32(new Float32Array(8), [8]);
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 4), 'b.npy')).toThrow(
      /b.npy: truncated .npy data/,
    );
    const text = new TextDecoder('latin1').decode(bytes).replace("'<f4'", "'>f4'");
    const bigEndian = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(() => parseNpy(bigEndian, 'c.npy')).toThrow(/c.npy, field "descr": unsupported .npy dtype >f4/);
  });
});

describe('npy from a Node Buffer', () => {
  it('reads the data after the header, not from the start of the pooled memory', () => {
    const data = Float32Array.from([1.5, -2, 3.25]);
    const pooled = Buffer.concat([Buffer.alloc(7, 0xff), Buffer.from(encodeNpyFloat32(data, [3]))]).subarray(
      7,
    );
    expect(Array.from(parseNpy(pooled).data as Float32Array)).toEqual([1.5, -2, 3.25]);
  });
});
