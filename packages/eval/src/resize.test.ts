import { describe, expect, it } from 'vitest';
import { resizeBilinearHalfPixel } from './resize.js';

describe('resizeBilinearHalfPixel', () => {
  it('interpolates with half-pixel centres and clamps at both ends (hand-computed)', () => {
    // 2 -> 4: source coordinates -0.25, 0.25, 0.75, 1.25; the outer ones clamp to the end points.
    expect(Array.from(resizeBilinearHalfPixel([0, 10], 4))).toEqual([0, 2.5, 7.5, 10]);
  });

  it('maps output i of a 256 -> 2560 resize to source (i - 4.5) / 10', () => {
    const values = Array.from({ length: 256 }, (_, i) => i * i);
    const out = resizeBilinearHalfPixel(values, 2560);
    expect(out[0]).toBe(0);
    expect(out[4]).toBe(0); // source -0.05 clamps to point 0
    expect(out[14]).toBeCloseTo(0.95, 12); // source 0.95 between 0 and 1
    expect(out[1234]).toBeCloseTo(122 ** 2 + (123 ** 2 - 122 ** 2) * 0.95, 9);
    expect(out[2559]).toBe(255 ** 2);
  });

  it('keeps a constant curve constant and leaves a same-length resize unchanged', () => {
    expect(resizeBilinearHalfPixel(new Float32Array(256).fill(0.25), 2560).every((v) => v === 0.25)).toBe(
      true,
    );
    const values = [3, -1, 4, 1, -5];
    expect(Array.from(resizeBilinearHalfPixel(values, 5))).toEqual(values);
  });

  it('in float32 mode rounds every step to float32, staying within float32 precision of float64', () => {
    const values = Float32Array.from({ length: 256 }, (_, i) => Math.cos(i / 7));
    const single = resizeBilinearHalfPixel(values, 2560, 'float32');
    const double = resizeBilinearHalfPixel(values, 2560, 'float64');
    expect(single.every((v) => Math.fround(v) === v)).toBe(true);
    expect(double.some((v) => Math.fround(v) !== v)).toBe(true);
    single.forEach((v, i) => {
      expect(Math.abs(v - double[i]!)).toBeLessThan(1e-5);
    });
  });

  it('reproduces the float32 source coordinate of the TensorFlow kernel (hand-computed)', () => {
    // scale = f32(0.1) = 0.10000000149; f32(14.5 * scale) = 1.4500000477; minus 0.5 gives weight 0.9500000477.
    const ramp = Float32Array.from({ length: 256 }, (_, i) => i);
    expect(resizeBilinearHalfPixel(ramp, 2560, 'float32')[14]).toBe(0.9500000476837158);
    expect(resizeBilinearHalfPixel(ramp, 2560, 'float64')[14]).toBeCloseTo(0.95, 15);
  });

  it('rejects an empty curve and a bad output length', () => {
    expect(() => resizeBilinearHalfPixel([], 10)).toThrow(/empty/);
    expect(() => resizeBilinearHalfPixel([1], 0)).toThrow(/positive integer/);
  });
});
