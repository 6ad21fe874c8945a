import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDiffBattUNet } from './index.js';

/**
 * Finite-difference check of the whole network's gradients on a small config (every layer kind, both
 * conditioning paths), on each supported backend. For every weight tensor W, the directional derivative
 * along a direction D, estimated from L(W + k eps D) for k = -2..2, must equal <dL/dW, D>.
 */

const SMALL = {
  widths: [8, 16],
  hasAttention: [false, true],
  numResBlocks: 1,
  sequenceLength: 8,
  capacityMatrixRows: 20 as const,
  embeddingDim: 8,
};

afterAll(async () => {
  await tf.setBackend('wasm');
});

function inputs(): tf.Tensor[] {
  return [
    tf.randomNormal([2, 8, 1], 0, 1, 'float32', 1),
    tf.tensor1d([7, 901], 'int32'),
    tf.randomNormal([2, 20, 100, 1], 0, 0.05, 'float32', 2),
    tf.tensor2d([Array(8).fill(1), Array(8).fill(0)]),
  ];
}

describe.each(['wasm', 'cpu'] as const)('U-Net gradients on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend({ backend });
  });

  it('match finite differences for every weight tensor', async () => {
    const model = buildDiffBattUNet(SMALL, { seed: 5 });
    // Random weights everywhere, so that no path is switched off by a zero-initialised conv.
    model.weights.forEach((weight, i) => {
      weight.write(tf.randomNormal(weight.shape as number[], 0, 0.3, 'float32', 100 + i));
    });
    const xs = inputs();
    const probe = tf.randomNormal([2, 8, 1], 0, 1, 'float32', 3);
    const loss = () =>
      tf.tidy(() => tf.sum(tf.mul(model.apply(xs, { training: true }) as tf.Tensor, probe)) as tf.Scalar);

    const { grads } = tf.variableGrads(loss);
    const failures: string[] = [];
    let checked = 0;
    for (const [i, weight] of model.weights.entries()) {
      // Yield to the event loop between tensors: a worker that computes for over 60 s without a break
      // cannot answer vitest's RPC, which fails a green run on a loaded machine.
      await new Promise((resolve) => setImmediate(resolve));
      const variable = weight.read() as tf.Variable;
      const gradient = grads[variable.name]!;
      const original = variable.clone();
      // Mostly along the gradient's signs, so <dL/dW, D> is large against float32 round-off; the random part
      // still probes tensors whose analytic gradient is zero.
      const direction = tf.tidy(() =>
        tf.add(tf.sign(gradient), tf.randomUniform(variable.shape, -0.5, 0.5, 'float32', 500 + i)),
      );
      const eps = 2e-3 * Math.max(1, tf.max(tf.abs(original)).dataSync()[0]!);
      const lossAt = (step: number) => {
        variable.assign(tf.tidy(() => tf.add(original, tf.mul(direction, step * eps))));
        return loss().dataSync()[0]!;
      };
      // Five-point stencil: the curvature error is O(eps^4).
      const numeric = (8 * (lossAt(1) - lossAt(-1)) - (lossAt(2) - lossAt(-2))) / (12 * eps);
      variable.assign(original);
      const analytic = tf.sum(tf.mul(gradient, direction)).dataSync()[0]!;
      const tolerance = 2e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 1e-3;
      if (Math.abs(numeric - analytic) > tolerance)
        failures.push(`${weight.originalName}: numeric ${numeric}, analytic ${analytic}`);
      checked++;
      tf.dispose([original, direction]);
    }
    expect(checked).toBe(model.weights.length);
    expect(checked).toBeGreaterThan(80);
    expect(failures).toEqual([]);
    tf.dispose([...xs, probe, ...Object.values(grads)]);
    model.dispose();
  });
});
