import type { DiffBattUNetConfig } from '@diffbatt/unet';

/** What a gradient worker needs once: the network, the backend, and the whole training set. */
export interface GradientWorkerInit {
  kind: 'init';
  backend: string;
  unetConfig: DiffBattUNetConfig;
  /** Min-SNR-gamma loss weighting (see TrainSettings.minSnrGamma); null = plain MSE. */
  minSnrGamma: number | null;
  /** Every training cell's SOH curve, `[cells, 256]` row-major. */
  curves: Float32Array;
  /** Every training cell's capacity matrix, `[cells, rows, 100]` row-major. */
  capacityMatrices: Float32Array;
  cells: number;
}

/** One step: the current weights, the whole batch (cell indices) and which rows of it this worker takes. */
export interface GradientWorkerStep {
  kind: 'step';
  step: number;
  /** Every trainable variable, in the model's order, packed. */
  weights: Float32Array;
  batchCells: Int32Array;
  offset: number;
  rows: number;
  seed: number;
  conditionDropout: number;
}

export type ToGradientWorker = GradientWorkerInit | GradientWorkerStep;

export type FromGradientWorker =
  | { kind: 'ready' }
  | { kind: 'gradients'; step: number; loss: number; gradients: Float32Array };
