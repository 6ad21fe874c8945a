import { describe, expect, it } from 'vitest';
import { describeSampler, samplerConfig } from './sampler-options.js';

describe('samplerConfig', () => {
  it('clips few-step samplers by default and leaves DDPM as the original', () => {
    expect(samplerConfig('ddpm', undefined, undefined)).toEqual({ kind: 'ddpm' });
    expect(samplerConfig('ddim', 20, undefined)).toEqual({
      kind: 'ddim',
      steps: 20,
      eta: 0,
      clipSample: { min: -1, max: 1 },
    });
    expect(samplerConfig('dpm-solver++', undefined, undefined, 'off')).toEqual({
      kind: 'dpm-solver++',
      steps: 20,
    });
    expect(samplerConfig('heun', undefined, undefined)).toEqual({
      kind: 'heun',
      steps: 15,
      clipSample: { min: -1, max: 1 },
    });
    expect(samplerConfig('euler', 40, undefined, 'off')).toEqual({ kind: 'euler', steps: 40 });
    expect(samplerConfig('ddpm', undefined, undefined, 'on').clipSample).toEqual({ min: -1, max: 1 });
    expect(describeSampler(samplerConfig('ddim', 50, 1))).toBe(
      'ddim, 50 steps, eta 1, x0 clipped to [-1, 1]',
    );
  });

  it('refuses step counts and eta that do not apply', () => {
    expect(() => samplerConfig('ddpm', 50, undefined)).toThrow(/ddpm always takes 1000 steps/);
    expect(() => samplerConfig('dpm-solver++', 20, 0.5)).toThrow(/--eta only applies to --sampler ddim/);
    expect(() => samplerConfig('euler', undefined, 1)).toThrow(/--eta only applies to --sampler ddim/);
    expect(() => samplerConfig('ddim', 1001, undefined)).toThrow(/at most 1000/);
  });
});
