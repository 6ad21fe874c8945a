import type { SamplerConfig } from '@diffbatt/diffusion';
import type { DiffBattUNetConfig } from '@diffbatt/unet';
import type { CurveRow } from './generate.js';

/** What a sampling worker needs once: the backend and the network with its weights. */
export interface SamplingWorkerInit {
  kind: 'init';
  backend: string;
  config: DiffBattUNetConfig;
  /** Every weight of the model (`model.weights` order), packed. */
  weights: Float32Array;
}

/** Curves to draw: each row with its condition and seed. */
export interface SamplingJob {
  kind: 'sample';
  rows: CurveRow[];
  sampler: SamplerConfig;
  guidanceWeight: number;
  maxBatch: number;
}
