import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { type MessagePort, Worker } from 'node:worker_threads';
import { DiffBattError } from '@diffbatt/core';

/** Every worker message has a kind; 'error' and 'progress' mean the same to every pool. */
export type WorkerReply = { kind: string } & (
  | { kind: 'error'; message: string }
  | { kind: 'progress'; done: number }
  | Record<string, unknown>
);

/**
 * Starts a worker thread running the module at `moduleUrl`, built (`.js`) or from the TypeScript sources
 * (`.ts`, in this repository's tests and `pnpm diffbatt`): Node cannot load TypeScript in a worker by
 * itself, so a source worker registers tsx first and resolves workspace packages to their sources.
 */
function startModuleWorker(moduleUrl: URL): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl);
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api');
  const code = [
    `require(${JSON.stringify(tsxApi)}).register();`,
    `import(${JSON.stringify(moduleUrl.href)}).catch((error) => { throw error; });`,
  ].join('\n');
  return new Worker(code, { eval: true, execArgv: ['--conditions=@diffbatt/source'] });
}

/** The URL of a worker module beside this one, as built (`.js`) or as sources (`.ts`). */
export function siblingModule(name: string): URL {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}

/**
 * The worker count used by default: one per core this process may use on the wasm and cpu backends, which
 * run on one thread each; 1 on the native backends, which use every core themselves.
 */
export function defaultWorkers(backend: string): number {
  return backend === 'wasm' || backend === 'cpu' ? availableParallelism() : 1;
}

/** Contiguous near-equal parts of a batch of `rows`, one per worker (never empty when rows >= parts). */
export function shardRows(rows: number, parts: number): { offset: number; rows: number }[] {
  return Array.from({ length: parts }, (_, k) => {
    const offset = Math.floor((k * rows) / parts);
    return { offset, rows: Math.floor(((k + 1) * rows) / parts) - offset };
  });
}

/**
 * Worker threads that answer one request at a time each (tfjs-wasm runs on one thread under Node, so
 * using several cores means several engines). A worker that fails or exits fails its request and every
 * later one with a message naming it; `close` ends all of them and is safe to call twice.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<Worker, (message: WorkerReply) => void>();
  private failure: DiffBattError | null = null;
  private closed = false;

  /** `what` names the workers in messages, e.g. "training worker". */
  constructor(
    moduleUrl: URL,
    count: number,
    private readonly what: string,
  ) {
    if (!(Number.isInteger(count) && count >= 1))
      throw new DiffBattError(`${what} count must be >= 1, got ${count}`);
    this.workers = Array.from({ length: count }, () => startModuleWorker(moduleUrl));
    for (const [index, worker] of this.workers.entries()) {
      worker.on('message', (message: WorkerReply) => this.pending.get(worker)?.(message));
      const fail = (why: string) => {
        if (this.closed) return;
        this.failure ??= new DiffBattError(`${this.name(index)} ${why}`);
        this.pending.get(worker)?.({ kind: 'error', message: why });
      };
      worker.on('error', (error) => fail(`failed: ${error.message.split('\n')[0]}`));
      worker.on('exit', (code) => fail(`exited unexpectedly (code ${code})`));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private name(index: number): string {
    return `${this.what} ${index + 1} of ${this.workers.length}`;
  }

  /**
   * Sends `message` to worker `index` and resolves to its answer (the first message that is neither
   * progress nor an error); progress messages go to `onProgress`.
   */
  request<R extends WorkerReply>(
    index: number,
    message: unknown,
    onProgress?: (done: number) => void,
    transfer: ArrayBuffer[] = [],
  ): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new DiffBattError(`${this.what}s were closed`));
    const worker = this.workers[index]!;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(worker, (reply) => {
        if (reply.kind === 'progress') {
          onProgress?.((reply as { done: number }).done);
          return;
        }
        this.pending.delete(worker);
        if (reply.kind === 'error') {
          reject(
            this.failure ??
              new DiffBattError(`${this.name(index)} failed: ${(reply as { message: string }).message}`),
          );
        } else resolve(reply as R);
      });
      worker.postMessage(message, transfer);
    });
  }

  /** The same request to every worker (e.g. initialisation); rejects with the first failure. */
  broadcast<R extends WorkerReply>(message: unknown): Promise<R[]> {
    return Promise.all(this.workers.map((_, index) => this.request<R>(index, message)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Runs a worker module's request handler: answers each message, errors as `{ kind: 'error' }`. */
export function serveRequests<M>(
  port: MessagePort | null,
  handle: (
    message: M,
    progress: (done: number) => void,
  ) => Promise<{ reply: WorkerReply; transfer?: ArrayBuffer[] }>,
): void {
  if (!port) throw new Error('a worker module must run in a worker thread');
  port.on('message', async (message: M) => {
    try {
      const { reply, transfer } = await handle(message, (done) =>
        port.postMessage({ kind: 'progress', done }),
      );
      port.postMessage(reply, transfer ?? []);
    } catch (error) {
      port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
}
