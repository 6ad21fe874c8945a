import { describe, expect, it } from 'vitest';
import { createNoiseSchedule, type NoiseSchedule, POSTERIOR_VARIANCE_FLOOR } from './index.js';

/**
 * Golden values printed by NumPy 2.4 running the original float64 code (the Keras DDPM example's
 * GaussianDiffusion, which DiffBatt uses) for the linear 1e-4..0.02, T = 1000 schedule, at t = 0, 1, 499,
 * 998, 999.
 */
const NUMPY_LINEAR: Record<string, readonly number[]> = {
  betas: [0.0001, 0.00011991991991991993, 0.010040040040040039, 0.01998008008008008, 0.02],
  alphasCumprod: [
    0.9999, 0.9997800920720721, 0.07858724288177824, 4.118193638138445e-5, 4.035829765375676e-5,
  ],
  alphasCumprodPrev: [1.0, 0.9999, 0.07938426407160627, 4.202152991415678e-5, 4.118193638138445e-5],
  sqrtAlphasCumprod: [
    0.9999499987499375, 0.9998900399904342, 0.2803341628873981, 0.006417315356236161, 0.006352818087570016,
  ],
  sqrtOneMinusAlphasCumprod: [
    0.009999999999999449, 0.014829292900469677, 0.9599024727117969, 0.999979408819811, 0.99997982064757,
  ],
  logOneMinusAlphasCumprod: [
    -9.210340371976294, -8.422301608629965, -0.08184718121234873, -4.118278438058622e-5,
    -4.035911207181579e-5,
  ],
  sqrtRecipAlphasCumprod: [
    1.0000500037503124, 1.0001099721020992, 3.5671713704107852, 155.82840245309575, 157.41045725150062,
  ],
  sqrtRecipm1AlphasCumprod: [
    0.01000050003749898, 0.014830923708980388, 3.424136619044041, 155.82519376238224, 157.40728081040757,
  ],
  posteriorVariance: [
    0.0, 5.4531876613021935e-5, 0.010031355414613688, 0.019980063304243196, 0.01999998352656061,
  ],
  posteriorLogVarianceClipped: [
    -46.051701859880914, -9.81672513529567, -4.602039550085138, -3.9130203373862087, -3.912023829100455,
  ],
  posteriorMeanCoef1: [
    1.0000000000001101, 0.5452914995102903, 0.0030700711142649766, 0.00012952423622957632,
    0.00012835148717224682,
  ],
  posteriorMeanCoef2: [0.0, 0.4547084989905303, 0.9941066702101666, 0.9899587234910675, 0.9899486782675173],
};
const GOLDEN_STEPS = [0, 1, 499, 998, 999];

type ConstantName = Exclude<keyof NoiseSchedule, 'config' | 'timesteps'>;

function expectClose(actual: number, expected: number, relative: number, label: string): void {
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  if (!(Math.abs(actual - expected) <= relative * scale)) {
    expect.fail(`${label}: ${actual} differs from ${expected} by more than ${relative} relative`);
  }
}

/**
 * Every derived constant against closed forms that do not share the implementation's arithmetic:
 * abar from exp(sum log1p(-beta)), and the posterior from Bayes' rule for two Gaussians,
 * q(x_{t-1} | x_0) = N(sqrt(abar_{t-1}) x_0, 1 - abar_{t-1}) and q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t).
 */
function checkClosedForms(schedule: NoiseSchedule, relative: number): void {
  let logAlphaBar = 0;
  let logAlphaBarPrev = 0;
  for (let t = 0; t < schedule.timesteps; t++) {
    const beta = schedule.betas[t]!;
    logAlphaBarPrev = logAlphaBar;
    logAlphaBar += Math.log1p(-beta);
    const expected: Record<ConstantName, number> = {
      betas: beta,
      alphas: 1 - beta,
      alphasCumprod: Math.exp(logAlphaBar),
      alphasCumprodPrev: Math.exp(logAlphaBarPrev),
      sqrtAlphasCumprod: Math.exp(logAlphaBar / 2),
      sqrtOneMinusAlphasCumprod: Math.sqrt(-Math.expm1(logAlphaBar)),
      logOneMinusAlphasCumprod: Math.log(-Math.expm1(logAlphaBar)),
      sqrtRecipAlphasCumprod: Math.exp(-logAlphaBar / 2),
      sqrtRecipm1AlphasCumprod: Math.sqrt(Math.expm1(-logAlphaBar)),
      ...bayesPosterior(t, beta, logAlphaBarPrev),
    };
    for (const [name, value] of Object.entries(expected)) {
      expectClose(
        schedule[name as ConstantName][t]!,
        value,
        relative,
        `${schedule.config.kind} ${name}[${t}]`,
      );
    }
  }
}

function bayesPosterior(t: number, beta: number, logAlphaBarPrev: number) {
  if (t === 0) {
    // abar_{-1} = 1: x_{-1} is x_0 itself, so the posterior is a point mass at x_0.
    return {
      posteriorVariance: 0,
      posteriorLogVarianceClipped: Math.log(POSTERIOR_VARIANCE_FLOOR),
      posteriorMeanCoef1: 1,
      posteriorMeanCoef2: 0,
    };
  }
  const priorVariance = -Math.expm1(logAlphaBarPrev);
  const variance = 1 / (1 / priorVariance + (1 - beta) / beta);
  return {
    posteriorVariance: variance,
    posteriorLogVarianceClipped: Math.log(variance),
    posteriorMeanCoef1: (variance * Math.exp(logAlphaBarPrev / 2)) / priorVariance,
    posteriorMeanCoef2: (variance * Math.sqrt(1 - beta)) / beta,
  };
}

describe('createNoiseSchedule', () => {
  it('reproduces the original float64 constants of the DiffBatt linear schedule', () => {
    const schedule = createNoiseSchedule({ kind: 'linear' });
    expect(schedule.timesteps).toBe(1000);
    for (const [name, values] of Object.entries(NUMPY_LINEAR)) {
      GOLDEN_STEPS.forEach((t, i) => {
        // sqrt and arithmetic are correctly rounded in both languages; log may differ in the last bit.
        expectClose(schedule[name as ConstantName][t]!, values[i]!, 4e-16, `${name}[${t}]`);
      });
    }
    // The well-known DDPM value, and what the original hands to TensorFlow as float32.
    expect(schedule.alphasCumprod[999]).toBeCloseTo(4.0358e-5, 8);
    expect(Math.fround(schedule.alphasCumprod[999]!)).toBe(4.0358296246267855e-5);
    expect(Math.fround(schedule.sqrtRecipm1AlphasCumprod[999]!)).toBe(157.40728759765625);
  });

  it.each([
    { kind: 'linear' },
    { kind: 'linear', timesteps: 50, betaStart: 1e-3, betaEnd: 0.2 },
    { kind: 'scaled-linear', betaStart: 0.00085, betaEnd: 0.012 },
    { kind: 'cosine' },
    { kind: 'custom', betas: [0.1, 0.2, 0.3, 0.5] },
  ] as const)('matches the float64 closed forms at every timestep: %j', (config) => {
    checkClosedForms(createNoiseSchedule(config), 1e-9);
  });

  it('makes linear, scaled-linear and cosine betas by their definitions', () => {
    const linear = createNoiseSchedule({ kind: 'linear', timesteps: 10, betaStart: 0.01, betaEnd: 0.1 });
    for (const [t, beta] of linear.betas.entries())
      expectClose(beta, 0.01 + (t * 0.09) / 9, 1e-14, `linear beta[${t}]`);

    const scaled = createNoiseSchedule({
      kind: 'scaled-linear',
      timesteps: 10,
      betaStart: 0.01,
      betaEnd: 0.09,
    });
    for (const [t, beta] of scaled.betas.entries()) {
      expectClose(Math.sqrt(beta), 0.1 + (t * 0.2) / 9, 1e-14, `scaled beta[${t}]`);
    }

    // Cosine: abar telescopes to f((t + 1) / T) / f(0) wherever beta is not capped (all but the end).
    const T = 1000;
    const cosine = createNoiseSchedule({ kind: 'cosine', timesteps: T });
    const f = (s: number) => Math.cos(((s + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let t = 0; t < T - 1; t++) {
      expect(cosine.betas[t]).toBeLessThan(0.999);
      expectClose(cosine.alphasCumprod[t]!, f((t + 1) / T) / f(0), 1e-10, `cosine abar[${t}]`);
    }
    expect(cosine.betas[T - 1]).toBe(0.999);
  });

  it('keeps user betas and a JSON config that rebuilds the same schedule', () => {
    const custom = createNoiseSchedule({ kind: 'custom', betas: Float64Array.of(0.1, 0.2) });
    expect(Array.from(custom.betas)).toEqual([0.1, 0.2]);
    for (const config of [{ kind: 'cosine' } as const, { kind: 'custom', betas: [0.1, 0.2] } as const]) {
      const schedule = createNoiseSchedule(config);
      const rebuilt = createNoiseSchedule(JSON.parse(JSON.stringify(schedule.config)));
      expect(rebuilt).toEqual(schedule);
    }
    expect(createNoiseSchedule({ kind: 'linear' }).config).toEqual({
      kind: 'linear',
      timesteps: 1000,
      betaStart: 1e-4,
      betaEnd: 0.02,
    });
  });

  it('rejects betas outside (0, 1) and bad timestep counts, naming the problem', () => {
    expect(() => createNoiseSchedule({ kind: 'custom', betas: [0.1, 1] })).toThrow(/beta at t = 1 is 1/);
    expect(() => createNoiseSchedule({ kind: 'custom', betas: [0, 0.1] })).toThrow(/beta at t = 0 is 0/);
    expect(() => createNoiseSchedule({ kind: 'custom', betas: [Number.NaN] })).toThrow(/NaN/);
    expect(() => createNoiseSchedule({ kind: 'custom', betas: [] })).toThrow(
      /timesteps must be a positive integer/,
    );
    expect(() => createNoiseSchedule({ kind: 'linear', timesteps: 2.5 })).toThrow(/got 2.5/);
    expect(() => createNoiseSchedule({ kind: 'linear', betaEnd: 1.5 })).toThrow(/must be in \(0, 1\)/);
    expect(() => createNoiseSchedule({ kind: 'quadratic' } as never)).toThrow(/unknown noise schedule kind/);
  });
});
