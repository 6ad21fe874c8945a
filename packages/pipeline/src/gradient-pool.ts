import { DiffBattError } from '@diffbatt/core';
import type { DiffBattUNetConfig } from '@diffbatt/unet';
import type { FromGradientWorker, GradientWorkerInit, GradientWorkerStep } from './gradient-messages.js';
import { shardRows, siblingModule, WorkerPool } from './worker-pool.js';

export interface GradientPoolOptions {
  workers: number;
  backend: string;
  unetConfig: DiffBattUNetConfig;
  minSnrGamma: number | null;
  curves: Float32Array;
  capacityMatrices: Float32Array;
  cells: number;
}

export interface ShardedStep {
  step: number;
  weights: Float32Array;
  batchCells: Int32Array;
  seed: number;
  conditionDropout: number;
}

/**
 * Worker threads that each compute the gradient of their part of a training batch (data parallelism
 * across cores). `step` resolves to the loss and the gradient of the whole batch: the parts summed in
 * worker order, so a given worker count gives bit-identical results run after run. `close` ends every
 * worker; it is safe to call twice.
 */
export class GradientPool {
  private constructor(private readonly pool: WorkerPool) {}

  static async start(options: GradientPoolOptions): Promise<GradientPool> {
    if (!(Number.isInteger(options.workers) && options.workers >= 2)) {
      throw new DiffBattError(`a gradient pool needs at least 2 workers, got ${options.workers}`);
    }
    const pool = new WorkerPool(siblingModule('gradient-worker'), options.workers, 'training worker');
    try {
      const init: GradientWorkerInit = { kind: 'init', ...options };
      await pool.broadcast(init);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return new GradientPool(pool);
  }

  get size(): number {
    return this.pool.size;
  }

  /** One data-parallel step: each worker's rows of the batch, gradients summed in worker order. */
  async step(input: ShardedStep): Promise<{ loss: number; gradients: Float32Array }> {
    const parts = shardRows(input.batchCells.length, this.pool.size);
    const replies = await Promise.all(
      parts.map((part, k) => {
        const message: GradientWorkerStep = { kind: 'step', ...input, ...part };
        return this.pool.request<FromGradientWorker & { kind: string }>(k, message).then((reply) => {
          if (reply.kind !== 'gradients' || reply.step !== input.step)
            throw new DiffBattError(`training worker ${k + 1} answered out of turn`);
          return reply;
        });
      }),
    );
    const gradients = replies[0]!.gradients;
    let loss = replies[0]!.loss;
    for (const reply of replies.slice(1)) {
      // Float32Array stores round each float64 sum of two float32s exactly as float32 addition would.
      for (let i = 0; i < gradients.length; i++) gradients[i] = gradients[i]! + reply.gradients[i]!;
      loss += reply.loss;
    }
    return { loss, gradients };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
