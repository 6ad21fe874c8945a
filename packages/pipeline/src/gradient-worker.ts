/**
 * A data-parallel training worker (one per thread, with its own tfjs engine and backend): holds a replica
 * of the network and the training set, and answers each step with the loss and gradient of its rows of
 * the batch. It keeps no optimiser: the main thread applies the summed gradients and sends the new
 * weights with the next step, so replicas cannot drift apart.
 */
import { parentPort } from 'node:worker_threads';
import { CAPACITY_MATRIX_VOLTAGE_POINTS, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { createNoiseSchedule, type DenoisingLossOptions, lossGradients } from '@diffbatt/diffusion';
import { type CapacityCondition, diffBattDenoiser, dropCapacityCondition } from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import type { FromGradientWorker, GradientWorkerStep, ToGradientWorker } from './gradient-messages.js';
import { buildReplica, lossTarget } from './replica.js';
import { assignPacked, packValues } from './weights.js';
import { serveRequests } from './worker-pool.js';

interface Replica {
  variables: tf.Variable[];
  denoiser: ReturnType<typeof diffBattDenoiser>;
  curves: tf.Tensor3D;
  condition: CapacityCondition;
  /** The regression target and weighting of the run. */
  target: Pick<DenoisingLossOptions<CapacityCondition>, 'predictionType' | 'minSnrGamma'>;
}

const schedule = createNoiseSchedule({ kind: 'linear' });
let replica: Replica | null = null;

async function gradientOf(message: GradientWorkerStep): Promise<FromGradientWorker> {
  if (!replica) throw new Error('step before init');
  const { variables } = replica;
  assignPacked(variables, message.weights);
  const rows = tf.tensor1d(
    message.batchCells.subarray(message.offset, message.offset + message.rows),
    'int32',
  );
  const batch = {
    x0: tf.gather(replica.curves, rows),
    condition: {
      capacityMatrix: tf.gather(replica.condition.capacityMatrix, rows),
      mask: tf.gather(replica.condition.mask, rows),
    },
  };
  try {
    const { loss, gradients } = await lossGradients({
      schedule,
      denoiser: replica.denoiser,
      variables,
      batch,
      seed: message.seed,
      ...replica.target,
      shard: { offset: message.offset, totalRows: message.batchCells.length },
      ...(message.conditionDropout > 0
        ? { conditionDropout: { probability: message.conditionDropout, drop: dropCapacityCondition } }
        : {}),
    });
    const packed = await packValues(gradients);
    tf.dispose(gradients);
    return { kind: 'gradients', step: message.step, loss, gradients: packed };
  } finally {
    tf.dispose([rows, batch.x0, batch.condition.capacityMatrix, batch.condition.mask]);
  }
}

serveRequests(parentPort, async (message: ToGradientWorker) => {
  if (message.kind === 'step') {
    const reply = await gradientOf(message);
    return { reply, transfer: reply.kind === 'gradients' ? [reply.gradients.buffer as ArrayBuffer] : [] };
  }
  const config = message.unetConfig;
  const model = await buildReplica(message.backend, config);
  replica = {
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    denoiser: diffBattDenoiser(model),
    curves: tf.tensor3d(message.curves, [message.cells, SOH_CURVE_LENGTH, 1]),
    condition: {
      capacityMatrix: tf.tensor4d(message.capacityMatrices, [
        message.cells,
        config.capacityMatrixRows,
        CAPACITY_MATRIX_VOLTAGE_POINTS,
        1,
      ]),
      mask: tf.ones([message.cells, config.embeddingDim]),
    },
    target: lossTarget(config, message.minSnrGamma),
  };
  return { reply: { kind: 'ready' } };
});
