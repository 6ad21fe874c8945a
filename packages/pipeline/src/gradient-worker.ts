/**
 * A data-parallel training worker (one per thread, with its own tfjs engine and backend): holds a replica
 * of the network and the training set, and answers each step with the loss and gradient of its rows of
 * the batch. It keeps no optimiser: the main thread applies the summed gradients and sends the new
 * weights with the next step, so replicas cannot drift apart.
 */
import { parentPort } from 'node:worker_threads';
import { CAPACITY_MATRIX_VOLTAGE_POINTS, SOH_CURVE_LENGTH } from '@diffbatt/core';
import { selectBackend } from '@diffbatt/core/backend';
import { createNoiseSchedule, lossGradients } from '@diffbatt/diffusion';
import {
  buildDiffBattUNet,
  type CapacityCondition,
  diffBattDenoiser,
  dropCapacityCondition,
} from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import type { FromGradientWorker, GradientWorkerInit, ToGradientWorker } from './gradient-messages.js';

const port = parentPort;
if (!port) throw new Error('gradient-worker must run in a worker thread');

interface Replica {
  variables: tf.Variable[];
  denoiser: ReturnType<typeof diffBattDenoiser>;
  curves: tf.Tensor3D;
  condition: CapacityCondition;
}

const schedule = createNoiseSchedule({ kind: 'linear' });
let replica: Replica | null = null;

async function initialise(message: GradientWorkerInit): Promise<FromGradientWorker> {
  await selectBackend({ backend: message.backend });
  const config = message.unetConfig;
  // The initial weights do not matter: every step brings the current ones.
  const model = buildDiffBattUNet(config, { seed: 0 });
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
  };
  return { kind: 'ready', parameters: model.countParams() };
}

async function gradientOf(
  message: Extract<ToGradientWorker, { kind: 'step' }>,
): Promise<{ reply: FromGradientWorker; transfer: ArrayBuffer[] }> {
  if (!replica) throw new Error('step before init');
  const { variables } = replica;
  let offset = 0;
  for (const v of variables) {
    const values = message.weights.subarray(offset, offset + v.size);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    offset += v.size;
  }
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
      shard: { offset: message.offset, totalRows: message.batchCells.length },
      ...(message.conditionDropout > 0
        ? { conditionDropout: { probability: message.conditionDropout, drop: dropCapacityCondition } }
        : {}),
    });
    const packed = new Float32Array(message.weights.length);
    let at = 0;
    for (const g of gradients) {
      packed.set(await g.data<'float32'>(), at);
      at += g.size;
    }
    tf.dispose(gradients);
    return {
      reply: { kind: 'gradients', step: message.step, loss, gradients: packed },
      transfer: [packed.buffer],
    };
  } finally {
    tf.dispose([rows, batch.x0, batch.condition.capacityMatrix, batch.condition.mask]);
  }
}

port.on('message', async (message: ToGradientWorker) => {
  try {
    if (message.kind === 'init') port.postMessage(await initialise(message));
    else {
      const { reply, transfer } = await gradientOf(message);
      port.postMessage(reply, transfer);
    }
  } catch (error) {
    port.postMessage({
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
    } satisfies FromGradientWorker);
  }
});
