import type { Worker } from 'node:worker_threads';
import { DiffBattError } from '@diffbatt/core';
import type { DiffBattUNetConfig } from '@diffbatt/unet';
import type { FromGradientWorker, GradientWorkerInit, ToGradientWorker } from './gradient-messages.js';
import { startModuleWorker } from './worker-thread.js';

export interface GradientPoolOptions {
  workers: number;
  backend: string;
  unetConfig: DiffBattUNetConfig;
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

/** Contiguous near-equal parts of a batch of `rows`, one per worker (never empty when rows >= parts). */
export function shardRows(rows: number, parts: number): { offset: number; rows: number }[] {
  return Array.from({ length: parts }, (_, k) => {
    const offset = Math.floor((k * rows) / parts);
    return { offset, rows: Math.floor(((k + 1) * rows) / parts) - offset };
  });
}

/**
 * Worker threads that each compute the gradient of their part of a training batch (data parallelism
 * across cores; tfjs-wasm itself runs on one thread under Node). `step` resolves to the loss and the
 * gradient of the whole batch: the parts summed in worker order, so a given worker count gives
 * bit-identical results run after run. `close` ends every worker; it is safe to call twice.
 */
export class GradientPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<Worker, (message: FromGradientWorker) => void>();
  private failure: DiffBattError | null = null;
  private closed = false;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const [index, worker] of workers.entries()) {
      worker.on('message', (message: FromGradientWorker) => {
        const resolve = this.pending.get(worker);
        this.pending.delete(worker);
        resolve?.(message);
      });
      const fail = (why: string) => {
        if (this.closed) return;
        this.failure ??= new DiffBattError(`training worker ${index + 1} of ${workers.length} ${why}`);
        const resolve = this.pending.get(worker);
        this.pending.delete(worker);
        resolve?.({ kind: 'error', message: why });
      };
      worker.on('error', (error) => fail(`failed: ${error.message.split('\n')[0]}`));
      worker.on('exit', (code) => fail(`exited unexpectedly (code ${code})`));
    }
  }

  static async start(options: GradientPoolOptions): Promise<GradientPool> {
    if (!(Number.isInteger(options.workers) && options.workers >= 2)) {
      throw new DiffBattError(`a gradient pool needs at least 2 workers, got ${options.workers}`);
    }
    const url = new URL(
      `./gradient-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
      import.meta.url,
    );
    const pool = new GradientPool(Array.from({ length: options.workers }, () => startModuleWorker(url)));
    try {
      const init: GradientWorkerInit = {
        kind: 'init',
        backend: options.backend,
        unetConfig: options.unetConfig,
        curves: options.curves,
        capacityMatrices: options.capacityMatrices,
        cells: options.cells,
      };
      await Promise.all(pool.workers.map((worker) => pool.request(worker, init)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private request(worker: Worker, message: ToGradientWorker): Promise<FromGradientWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(worker, (reply) => {
        if (reply.kind === 'error') {
          const index = this.workers.indexOf(worker) + 1;
          reject(
            this.failure ??
              new DiffBattError(
                `training worker ${index} of ${this.workers.length} failed: ${reply.message}`,
              ),
          );
        } else resolve(reply);
      });
      worker.postMessage(message);
    });
  }

  /** One data-parallel step: each worker's rows of the batch, gradients summed in worker order. */
  async step(input: ShardedStep): Promise<{ loss: number; gradients: Float32Array }> {
    const parts = shardRows(input.batchCells.length, this.workers.length);
    const replies = await Promise.all(
      this.workers.map((worker, k) =>
        this.request(worker, { kind: 'step', ...input, ...parts[k]! }).then((reply) => {
          if (reply.kind !== 'gradients' || reply.step !== input.step)
            throw new DiffBattError(`training worker ${k + 1} answered out of turn`);
          return reply;
        }),
      ),
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
