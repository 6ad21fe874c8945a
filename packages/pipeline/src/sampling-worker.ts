/**
 * A sampling worker (one per thread, with its own tfjs engine and backend): holds the network and draws
 * the curves of the rows it is given, each from its own seed, reporting progress per sampler step.
 */
import { parentPort } from 'node:worker_threads';
import type { DiffBattUNetConfig } from '@diffbatt/unet';
import type * as tf from '@tensorflow/tfjs';
import { sampleCurveRows } from './generate.js';
import { buildReplica } from './replica.js';
import type { SamplingJob, SamplingWorkerInit } from './sampling-messages.js';
import { assignPacked } from './weights.js';
import { serveRequests } from './worker-pool.js';

let network: { model: tf.LayersModel; config: DiffBattUNetConfig } | null = null;

serveRequests(parentPort, async (message: SamplingWorkerInit | SamplingJob, progress) => {
  if (message.kind === 'init') {
    const model = await buildReplica(message.backend, message.config);
    assignPacked(
      model.weights.map((w) => w.read() as tf.Variable),
      message.weights,
    );
    network = { model, config: message.config };
    return { reply: { kind: 'ready' } };
  }
  if (!network) throw new Error('sampling before init');
  const curves = await sampleCurveRows(network.model, network.config, message.rows, message, progress);
  return { reply: { kind: 'curves', curves }, transfer: [curves.buffer as ArrayBuffer] };
});
