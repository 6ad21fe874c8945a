import { selectBackend } from '@diffbatt/core/backend';
import { buildDiffBattUNet, type DiffBattUNetConfig } from '@diffbatt/unet';
import type * as tf from '@tensorflow/tfjs';

/** A worker's copy of the network, on the backend the main thread chose. */
export async function buildReplica(backend: string, config: DiffBattUNetConfig): Promise<tf.LayersModel> {
  await selectBackend({ backend });
  // The initial weights do not matter: the main thread sends the ones to use.
  return buildDiffBattUNet(config, { seed: 0 });
}

/** The loss target of a model (its prediction type) and the run's min-SNR weighting, as loss options. */
export function lossTarget(
  config: DiffBattUNetConfig,
  minSnrGamma: number | null,
): { predictionType: DiffBattUNetConfig['predictionType']; minSnrGamma?: number } {
  return {
    predictionType: config.predictionType,
    ...(minSnrGamma === null ? {} : { minSnrGamma }),
  };
}
