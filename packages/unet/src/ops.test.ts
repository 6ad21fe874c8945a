import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchMatMul,
  compositeGroupNorm,
  concatChannels,
  conv1d,
  conv1dPadding,
  dense,
  gelu,
  groupNorm,
  matMul,
} from './ops.js';

/**
 * Each hand-written gradient against tfjs' own autodiff of the textbook formula, on the cpu backend
 * (which has every stock gradient kernel), then the same ops on wasm against cpu.
 */

const BACKENDS = ['cpu', 'wasm'] as const;

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Gradients of sum(f(...inputs) * probe) with respect to every input. */
function gradientsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], probeSeed = 99): tf.Tensor[] {
  return tf.tidy(() => {
    const probe = randn(f(...inputs).shape, probeSeed);
    return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), probe)))(inputs);
  });
}

function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => {
    const scale = tf.max(tf.abs(expected)).dataSync()[0]! + 1e-12;
    return tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]! / scale;
  });
}

const stockGelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

function stockGroupNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, groups: number): tf.Tensor {
  const [b, l, c] = x.shape as [number, number, number];
  const grouped = tf.reshape(x, [b, l, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normalised = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-3)));
  return tf.add(tf.mul(tf.reshape(normalised, [b, l, c]), gamma), beta);
}

interface OpCase {
  name: string;
  ours: (...xs: tf.Tensor[]) => tf.Tensor;
  stock: (...xs: tf.Tensor[]) => tf.Tensor;
  shapes: number[][];
}

const CONV_CASES: [string, number, number, number, number, 'same' | 'valid', number][] = [
  // name, length, kernel, stride, inChannels, padding, outChannels (> 16 takes the im2col filter gradient)
  ['k3 same', 12, 3, 1, 4, 'same', 5],
  ['k3 same, im2col route', 12, 3, 1, 4, 'same', 20],
  ['k1 valid', 12, 1, 1, 4, 'valid', 5],
  ['k1 valid, im2col route', 12, 1, 1, 4, 'valid', 20],
  ['k7 same', 12, 7, 1, 2, 'same', 5],
  ['k3 stride 2 same (pad 0 left, 1 right)', 12, 3, 2, 4, 'same', 5],
  ['k3 stride 2 same, odd length', 11, 3, 2, 4, 'same', 20],
];

const CASES: OpCase[] = [
  ...CONV_CASES.map(
    ([name, length, kernel, stride, inChannels, padding, outChannels]): OpCase => ({
      name: `conv1d ${name}`,
      ours: (x, w, b) => conv1d(x!, w!, b!, { stride, padding }),
      stock: (x, w, b) => tf.add(tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, stride, padding), b!),
      shapes: [[2, length, inChannels], [kernel, inChannels, outChannels], [outChannels]],
    }),
  ),
  {
    name: 'dense',
    ours: (x, w, b) => dense(x!, w!, b!),
    stock: (x, w, b) =>
      tf.add(tf.matMul(tf.reshape(x!, [-1, 6]) as tf.Tensor2D, w as tf.Tensor2D), b!).reshape([2, 5, 3]),
    shapes: [[2, 5, 6], [6, 3], [3]],
  },
  {
    name: 'matMul',
    ours: (a, b) => matMul(a!, b!),
    stock: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    shapes: [
      [4, 5],
      [5, 2],
    ],
  },
  {
    name: 'matMul with bias',
    ours: (a, b, c) => matMul(a!, b!, c!),
    stock: (a, b, c) => tf.add(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), c!),
    shapes: [[4, 5], [5, 2], [2]],
  },
  {
    name: 'batched matMul',
    ours: (a, b) => batchMatMul(a!, b!),
    stock: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    shapes: [
      [3, 4, 5],
      [3, 5, 2],
    ],
  },
  { name: 'gelu', ours: (x) => gelu(x!), stock: (x) => stockGelu(x!), shapes: [[4, 7]] },
  {
    name: 'groupNorm',
    ours: (x, g, b) => groupNorm(x!, g!, b!, 4, 1e-3),
    stock: (x, g, b) => stockGroupNorm(x!, g!, b!, 4),
    shapes: [[2, 6, 8], [8], [8]],
  },
  {
    name: 'groupNorm, tf-op version for other backends',
    ours: (x, g, b) => compositeGroupNorm(x!, g!, b!, 4, 1e-3),
    stock: (x, g, b) => stockGroupNorm(x!, g!, b!, 4),
    shapes: [[2, 6, 8], [8], [8]],
  },
  {
    name: 'groupNorm, one channel per group, offset data',
    ours: (x, g, b) => groupNorm(tf.add(x!, 3), g!, b!, 8, 1e-3),
    stock: (x, g, b) => stockGroupNorm(tf.add(x!, 3), g!, b!, 8),
    shapes: [[3, 5, 8], [8], [8]],
  },
  {
    name: 'concatChannels',
    ours: (a, b) => concatChannels(a!, b!),
    stock: (a, b) => tf.concat([a!, b!], 2),
    shapes: [
      [2, 5, 3],
      [2, 5, 4],
    ],
  },
];

describe.each(BACKENDS)('hand-written gradients on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(CASES)('$name: value and gradients match the reference', ({ ours, stock, shapes }) => {
    const inputs = shapes.map((shape, i) => randn(shape, 10 + i));
    // The reference: stock ops differentiated by tfjs on cpu.
    const current = tf.getBackend();
    tf.setBackend('cpu');
    const expectedValue = stock(...inputs);
    const expectedGrads = gradientsOf(stock, inputs);
    tf.setBackend(current);
    expect(maxRelativeError(ours(...inputs), expectedValue)).toBeLessThan(1e-5);
    gradientsOf(ours, inputs).forEach((grad, i) => {
      expect(grad.shape).toEqual(inputs[i]!.shape);
      expect(maxRelativeError(grad, expectedGrads[i]!)).toBeLessThan(2e-5);
    });
    tf.dispose([...inputs, expectedValue, ...expectedGrads]);
  });
});

describe('conv1dPadding', () => {
  it.each([
    [256, 3, 2, 'same', { outLength: 128, padLeft: 0, padRight: 1 }],
    [256, 3, 1, 'same', { outLength: 256, padLeft: 1, padRight: 1 }],
    [256, 7, 1, 'same', { outLength: 256, padLeft: 3, padRight: 3 }],
    [11, 3, 2, 'same', { outLength: 6, padLeft: 1, padRight: 1 }],
    [12, 1, 1, 'valid', { outLength: 12, padLeft: 0, padRight: 0 }],
  ] as const)(
    'length %i, kernel %i, stride %i, %s: as TensorFlow (odd zero on the right)',
    (length, kernel, stride, padding, expected) => {
      expect(conv1dPadding(length, kernel, { stride, padding })).toEqual(expected);
    },
  );
});
