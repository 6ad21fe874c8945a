import type { SamplingWorkerInit } from './sampling-messages.js';
import { siblingModule, WorkerPool } from './worker-pool.js';

/** Starts `workers` sampling workers, each holding the network with the given weights. */
export async function startSamplingPool(options: Omit<SamplingWorkerInit, 'kind'> & { workers: number }) {
  const pool = new WorkerPool(siblingModule('sampling-worker'), options.workers, 'sampling worker');
  try {
    const init: SamplingWorkerInit = {
      kind: 'init',
      backend: options.backend,
      config: options.config,
      weights: options.weights,
    };
    await pool.broadcast(init);
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}
