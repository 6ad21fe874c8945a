import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `moduleUrl`, built (`.js`) or from the TypeScript sources
 * (`.ts`, in this repository's tests and `pnpm diffbatt`): Node cannot load TypeScript in a worker by
 * itself, so a source worker registers tsx first and resolves workspace packages to their sources.
 */
export function startModuleWorker(moduleUrl: URL): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl);
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api');
  const code = [
    `require(${JSON.stringify(tsxApi)}).register();`,
    `import(${JSON.stringify(moduleUrl.href)}).catch((error) => { throw error; });`,
  ].join('\n');
  return new Worker(code, { eval: true, execArgv: ['--conditions=@diffbatt/source'] });
}
