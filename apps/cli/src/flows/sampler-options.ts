import {
  DEFAULT_DDIM_STEPS,
  DEFAULT_DPM_SOLVER_STEPS,
  DEFAULT_TIMESTEPS,
  type SamplerConfig,
} from '@diffbatt/diffusion';
import { OptionError } from '../options.js';

export const SAMPLER_NAMES = ['ddpm', 'ddim', 'dpm-solver++'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** The sampler a user asked for, with its step count resolved (DDPM always runs all T steps). */
export function samplerConfig(
  name: SamplerName,
  steps: number | undefined,
  eta: number | undefined,
): SamplerConfig {
  if (name === 'ddpm') {
    if (steps !== undefined && steps !== DEFAULT_TIMESTEPS) {
      throw new OptionError(
        `option --steps: ddpm always takes ${DEFAULT_TIMESTEPS} steps; use --sampler ddim or dpm-solver++ for fewer`,
      );
    }
    if (eta !== undefined) throw new OptionError('option --eta only applies to --sampler ddim');
    return { kind: 'ddpm' };
  }
  if (steps !== undefined && steps > DEFAULT_TIMESTEPS) {
    throw new OptionError(`option --steps must be at most ${DEFAULT_TIMESTEPS}`);
  }
  if (name === 'ddim') return { kind: 'ddim', steps: steps ?? DEFAULT_DDIM_STEPS, eta: eta ?? 0 };
  if (eta !== undefined) throw new OptionError('option --eta only applies to --sampler ddim');
  return { kind: 'dpm-solver++', steps: steps ?? DEFAULT_DPM_SOLVER_STEPS };
}

export function samplerSteps(config: SamplerConfig): number {
  return config.kind === 'ddpm' ? DEFAULT_TIMESTEPS : (config.steps ?? 0);
}

export function describeSampler(config: SamplerConfig): string {
  if (config.kind === 'ddpm') return `ddpm, ${DEFAULT_TIMESTEPS} steps`;
  return `${config.kind}, ${config.steps} steps${config.kind === 'ddim' ? `, eta ${config.eta}` : ''}`;
}
