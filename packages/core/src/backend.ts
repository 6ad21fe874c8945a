import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiffBattError } from './errors.js';

/**
 * TensorFlow.js backend selection. The fast native backends (tfjs-node-gpu, tfjs-node) download
 * libtensorflow at install time, which fails on many machines, so they are optional accelerators: absent
 * or failing to load is normal. The default that always installs from the npm registry is wasm, then the
 * pure-JS cpu backend.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendAttempt {
  backend: BackendName;
  /** Why this backend was not used (absent when it is the one chosen). */
  skipped?: string;
}

export interface BackendReport {
  backend: BackendName;
  /** Why this backend was chosen. */
  reason: string;
  /** Every backend considered before the chosen one, with why it was skipped. */
  skipped: { backend: BackendName; reason: string }[];
}

export interface SelectBackendOptions {
  /** Use only this backend (error if it cannot load). Overrides `DIFFBATT_BACKEND`. */
  backend?: string;
  /** Who asked for `backend`, for messages (default "options.backend"; the CLI says "the --backend option"). */
  requestedBy?: string;
  env?: Record<string, string | undefined>;
}

type Tf = typeof import('@tensorflow/tfjs');

const PACKAGE_OF: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

const require = createRequire(import.meta.url);

async function activate(tf: Tf, backend: BackendName): Promise<void> {
  if (backend === 'tensorflow-gpu' || backend === 'tensorflow') {
    // Importing the binding registers the 'tensorflow' backend in the shared tfjs engine.
    await importOptional(PACKAGE_OF[backend]);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialise');
    return;
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    wasm.setWasmPaths(`${dirname(wasmFile)}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" did not initialise');
    return;
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" did not initialise');
}

/**
 * Optional accelerators are not dependencies of ours: look for them beside this package first, then in the
 * user's own project (the current directory), where they would have installed them.
 */
async function importOptional(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const fromProject = createRequire(`${process.cwd()}/package.json`);
    return await import(pathToFileURL(fromProject.resolve(name)).href);
  }
}

/**
 * Why the automatic choice fell where it did. Landing on the pure-JS cpu backend because the wasm package
 * is missing is a ~30x slowdown a user can fix in one command, so the reason names the package to add.
 */
export function automaticReason(backend: BackendName, skipped: BackendReport['skipped']): string {
  if (skipped.length === 0) return 'fastest available';
  const wasm = skipped.find((entry) => entry.backend === 'wasm');
  if (backend === 'cpu' && wasm?.reason.endsWith('not installed')) {
    return `fallback: the pure-JS backend, about 30x slower than wasm; add ${PACKAGE_OF.wasm} to your project`;
  }
  return 'fastest backend that loaded';
}

function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'not installed';
  const message = error instanceof Error ? error.message : String(error);
  return `failed to load: ${message.split('\n')[0]}`;
}

function parseBackendName(value: string, origin: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new DiffBattError(
    `unknown backend "${value}" (from ${origin}); choose one of ${BACKEND_NAMES.join(', ')}`,
  );
}

/**
 * Picks and activates the fastest backend that loads, or the one asked for by `options.backend` or the
 * `DIFFBATT_BACKEND` environment variable, and says why each faster one was skipped.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const tf: Tf = await import('@tensorflow/tfjs');
  const forced =
    options.backend !== undefined
      ? parseBackendName(options.backend, options.requestedBy ?? 'options.backend')
      : env['DIFFBATT_BACKEND']
        ? parseBackendName(env['DIFFBATT_BACKEND'], 'DIFFBATT_BACKEND')
        : undefined;

  const skipped: BackendReport['skipped'] = [];
  for (const backend of BACKEND_NAMES) {
    if (forced !== undefined && backend !== forced) {
      if (BACKEND_NAMES.indexOf(backend) < BACKEND_NAMES.indexOf(forced)) {
        skipped.push({ backend, reason: `not tried: ${forced} was requested` });
      }
      continue;
    }
    try {
      await activate(tf, backend);
      await tf.ready();
      const reason =
        forced !== undefined
          ? `requested by ${options.backend !== undefined ? (options.requestedBy ?? 'options.backend') : 'DIFFBATT_BACKEND'}`
          : automaticReason(backend, skipped);
      return { backend, reason, skipped };
    } catch (error) {
      const why = describeFailure(error);
      if (forced !== undefined) {
        throw new DiffBattError(`backend "${forced}" (${PACKAGE_OF[forced]}) is unavailable: ${why}`);
      }
      skipped.push({ backend, reason: `${PACKAGE_OF[backend]} ${why}` });
    }
  }
  throw new DiffBattError(
    `no TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}
