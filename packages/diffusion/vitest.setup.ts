import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * Unit tests run on the wasm backend (10-20x faster than tfjs' pure-JS cpu backend for the toy networks);
 * DIFFUSION_TEST_BACKEND=cpu runs them on cpu instead.
 */
const backend = process.env['DIFFUSION_TEST_BACKEND'] ?? 'wasm';
if (backend === 'wasm') {
  const require = createRequire(import.meta.url);
  setWasmPaths(
    `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`,
  );
}
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
