import {
  type ClipRange,
  DEFAULT_DDIM_STEPS,
  DEFAULT_DPM_SOLVER_STEPS,
  DEFAULT_EULER_STEPS,
  DEFAULT_HEUN_STEPS,
  DEFAULT_TIMESTEPS,
  type SamplerConfig,
} from '@diffbatt/diffusion';
import { OptionError } from '../options.js';

export const SAMPLER_NAMES = ['ddpm', 'ddim', 'dpm-solver++', 'euler', 'heun'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Steps of the few-step samplers when --steps is not given (the package's defaults). */
const DEFAULT_STEPS: Record<Exclude<SamplerName, 'ddpm'>, number> = {
  ddim: DEFAULT_DDIM_STEPS,
  'dpm-solver++': DEFAULT_DPM_SOLVER_STEPS,
  euler: DEFAULT_EULER_STEPS,
  heun: DEFAULT_HEUN_STEPS,
};
export const CLIP_CHOICES = ['auto', 'on', 'off'] as const;
export type ClipChoice = (typeof CLIP_CHOICES)[number];

/** SOH curves are encoded in [-1, 1], so that is the range the predicted clean curve is clipped to. */
const SOH_CURVE_RANGE: ClipRange = { min: -1, max: 1 };

/**
 * The sampler a user asked for, with its step count resolved (DDPM always runs all T steps).
 * Clipping the predicted clean curve: `auto` clips for the few-step samplers and not for DDPM (the
 * original never clips). Measured with the released MATR-1 weights, unclipped 50-step DDIM and
 * DPM-Solver++ miss by ~290 cycles of life where clipped ones match 1000-step DDPM (benchmarks/).
 */
export function samplerConfig(
  name: SamplerName,
  steps: number | undefined,
  eta: number | undefined,
  clip: ClipChoice = 'auto',
): SamplerConfig {
  const clipSample =
    clip === 'on' || (clip === 'auto' && name !== 'ddpm') ? { clipSample: SOH_CURVE_RANGE } : {};
  if (name === 'ddpm') {
    if (steps !== undefined && steps !== DEFAULT_TIMESTEPS) {
      throw new OptionError(
        `option --steps: ddpm always takes ${DEFAULT_TIMESTEPS} steps; use another --sampler for fewer`,
      );
    }
    if (eta !== undefined) throw new OptionError('option --eta only applies to --sampler ddim');
    return { kind: 'ddpm', ...clipSample };
  }
  if (steps !== undefined && steps > DEFAULT_TIMESTEPS) {
    throw new OptionError(`option --steps must be at most ${DEFAULT_TIMESTEPS}`);
  }
  if (name === 'ddim')
    return { kind: 'ddim', steps: steps ?? DEFAULT_STEPS.ddim, eta: eta ?? 0, ...clipSample };
  if (eta !== undefined) throw new OptionError('option --eta only applies to --sampler ddim');
  return { kind: name, steps: steps ?? DEFAULT_STEPS[name], ...clipSample };
}

/** How a run drew its curves, as its JSON output and the provenance of its curves record it. */
export function samplingRecord(config: SamplerConfig, curves: { monotone: boolean; smoothing: number }) {
  return {
    sampler: config.kind,
    steps: config.kind === 'ddpm' ? DEFAULT_TIMESTEPS : (config.steps ?? 0),
    clipSample: config.clipSample !== undefined,
    monotone: curves.monotone,
    smoothing: curves.smoothing,
  };
}

export function describeSampler(config: SamplerConfig): string {
  const clip = config.clipSample ? ', x0 clipped to [-1, 1]' : '';
  if (config.kind === 'ddpm') return `ddpm, ${DEFAULT_TIMESTEPS} steps${clip}`;
  return `${config.kind}, ${config.steps} steps${config.kind === 'ddim' ? `, eta ${config.eta}` : ''}${clip}`;
}
