import * as tf from '@tensorflow/tfjs';
import {
  CONCAT_CHANNELS,
  GROUP_NORM,
  GROUP_NORM_GRAD,
  hasFusedKernels,
  runFused,
  SPLIT_CHANNELS,
} from './kernels.js';

/**
 * The numerical building blocks of the U-Net, each with a hand-written gradient. They exist because the
 * default installable backend (tfjs-backend-wasm 4.22) cannot train the stock ops: it has no
 * Conv2DBackpropFilter kernel, its Conv2DBackpropInput is ~10x slower than a forward conv, and the stock
 * matMul gradient uses transposed BatchMatMul, which is 8-10x slower there than an explicit transpose
 * followed by a plain matMul. Every gradient below uses only forward (and depthwise) convs, plain matMuls,
 * transposes, pads, slices, element-wise ops and the fused kernels of ./kernels.ts, which wasm and cpu
 * have (other backends get tf-op versions).
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** What tf.customGrad passes after the inputs: keeps tensors for the gradient function. */
type Save = (tensors: tf.Tensor[]) => void;

export type Activation = 'gelu' | 'swish';

/** Exact (erf) GELU, x * Phi(x), as Keras' `gelu(approximate=False)`. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args) => {
    const [xs, save] = args as [tf.Tensor, Save];
    const cdf = tf.tidy(() => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(xs, Math.SQRT1_2)))));
    save([xs, cdf]);
    return {
      value: tf.mul(xs, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, cdfSaved] = saved as [tf.Tensor, tf.Tensor];
        // d/dx x Phi(x) = Phi(x) + x phi(x)
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xSaved), -0.5)), INV_SQRT_2PI);
        return tf.mul(dy, tf.add(cdfSaved, tf.mul(xSaved, pdf)));
      },
    };
  });
  return op(x);
}

/** x * sigmoid(x) (Keras' "swish"/"silu"); the stock gradients of Sigmoid and Mul work everywhere. */
export function swish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'gelu' ? gelu(x) : swish(x);
}

/**
 * `a @ b (+ bias)` for rank-2 operands: forward as one fused kernel (XNNPACK on wasm), gradient with
 * explicit transposes instead of BatchMatMul's transpose flags (8-10x slower on wasm).
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args) => {
    const save = args.pop() as Save;
    const [x, y, shift] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor | undefined];
    save([x, y]);
    return {
      value: tf.fused.matMul({ a: x, b: y, ...(shift === undefined ? {} : { bias: shift }) }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        const grads = [tf.matMul(d, tf.transpose(ys)), tf.matMul(tf.transpose(xs), d)];
        return shift === undefined ? grads : [...grads, tf.sum(d, 0)];
      },
    };
  });
  return bias === undefined ? op(a, b) : op(a, b, bias);
}

/**
 * Per-sample products `a[i] @ b[i]` of `[batch, m, k]` and `[batch, k, n]`, computed as one depthwise
 * convolution: wasm's BatchMatMul runs a scalar loop when the batch is > 1 (3-15x slower than XNNPACK),
 * while its depthwise conv is an XNNPACK grouped GEMM. The samples become the conv's channels: input
 * `[1, m, k, batch]`, filter `[1, k, batch, n]` (one k-wide tap per channel, n outputs per channel).
 */
function batchedProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, m, k] = a.shape;
    const n = b.shape[2];
    const input = tf.reshape(tf.transpose(a, [1, 2, 0]), [1, m, k, batch]) as tf.Tensor4D;
    const filter = tf.reshape(tf.transpose(b, [1, 0, 2]), [1, k, batch, n]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(input, filter, 1, 'valid');
    return tf.transpose(tf.reshape(out, [m, batch, n]), [1, 0, 2]);
  });
}

/** Batched `a @ b` (`[batch, m, k] x [batch, k, n]`) with a gradient made of the same fast products. */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args) => {
    const [x, y, save] = args as [tf.Tensor3D, tf.Tensor3D, Save];
    save([x, y]);
    return {
      value: batchedProduct(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor3D, tf.Tensor3D];
        const d = dy as tf.Tensor3D;
        return [
          batchedProduct(d, tf.transpose(ys, [0, 2, 1])),
          batchedProduct(tf.transpose(xs, [0, 2, 1]), d),
        ];
      },
    };
  });
  return op(a, b);
}

/** `x @ kernel + bias` over the last axis of x (any rank), as a Keras Dense layer. */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const units = kernel.shape[1]!;
    const y = matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]!]), kernel, bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), units]);
  });
}

export interface Conv1dGeometry {
  stride: number;
  padding: 'same' | 'valid';
}

/** TensorFlow's padding for a 1-D conv: "same" puts the odd extra zero on the right. */
export function conv1dPadding(
  length: number,
  kernelSize: number,
  { stride, padding }: Conv1dGeometry,
): { outLength: number; padLeft: number; padRight: number } {
  if (padding === 'valid') {
    return { outLength: Math.floor((length - kernelSize) / stride) + 1, padLeft: 0, padRight: 0 };
  }
  const outLength = Math.ceil(length / stride);
  const total = Math.max((outLength - 1) * stride + kernelSize - length, 0);
  const padLeft = Math.floor(total / 2);
  return { outLength, padLeft, padRight: total - padLeft };
}

/**
 * Columns of the strided windows of a padded input, laid out for the filter gradient:
 * `[kernelSize * channels, batch * outLength]`, row `k * channels + c` holding `x[b, stride*i + k, c]`.
 */
function windowColumnsTransposed(
  padded: tf.Tensor3D,
  kernelSize: number,
  stride: number,
  outLength: number,
): tf.Tensor2D {
  const [batch, , channels] = padded.shape;
  // Transpose the (small) input once rather than the kernelSize-times larger columns.
  const channelsFirst = tf.transpose(padded, [2, 0, 1]);
  const span = stride * outLength;
  const needed = kernelSize - 1 + span;
  const source =
    channelsFirst.shape[2] >= needed
      ? channelsFirst
      : tf.pad(channelsFirst, [
          [0, 0],
          [0, 0],
          [0, needed - channelsFirst.shape[2]],
        ]);
  const taps: tf.Tensor[] = [];
  for (let k = 0; k < kernelSize; k++) {
    let tap: tf.Tensor = tf.slice(source, [0, 0, k], [channels, batch, span]);
    if (stride > 1) {
      tap = tf.slice(tf.reshape(tap, [channels, batch, outLength, stride]), [0, 0, 0, 0], [-1, -1, -1, 1]);
    }
    taps.push(tf.reshape(tap, [channels, batch * outLength]));
  }
  return (kernelSize === 1 ? taps[0]! : tf.concat(taps, 0)) as tf.Tensor2D;
}

/**
 * 1-D convolution plus bias, channels last, kernel `[kernelSize, inChannels, outChannels]` as Keras' Conv1D, with
 * TensorFlow's "same"/"valid" padding and a gradient built from forward convs and matMuls only:
 * - input gradient: a stride-1 conv of the (zero-upsampled, for stride > 1) output gradient with the
 *   flipped, transposed kernel;
 * - kernel gradient: a conv of the padded input with the output gradient as filter, or im2col + matMul.
 */
export function conv1d(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  geometry: Conv1dGeometry,
): tf.Tensor {
  const op = tf.customGrad((...args) => {
    const [xs, w, shift, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor1D, Save];
    save([xs, w]);
    const [batch, length, inChannels] = xs.shape;
    const [kernelSize, , outChannels] = w.shape;
    // As tf.conv1d does, but with the bias fused into the (XNNPACK) conv kernel.
    const y = tf.fused.conv2d({
      x: tf.reshape<tf.Rank.R4>(xs, [batch, 1, length, inChannels]),
      filter: tf.reshape<tf.Rank.R4>(w, [1, kernelSize, inChannels, outChannels]),
      strides: [1, geometry.stride],
      pad: geometry.padding,
      bias: shift,
    });
    return {
      value: tf.reshape(y, [batch, y.shape[2], outChannels]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, wSaved] = saved as [tf.Tensor3D, tf.Tensor3D];
        return [...conv1dGradients(xSaved, wSaved, dy as tf.Tensor3D, geometry), tf.sum(dy, [0, 1])];
      },
    };
  });
  return op(x, kernel, bias);
}

function conv1dGradients(
  x: tf.Tensor3D,
  w: tf.Tensor3D,
  dy: tf.Tensor3D,
  geometry: Conv1dGeometry,
): [tf.Tensor, tf.Tensor] {
  const [batch, length, inChannels] = x.shape;
  const [kernelSize, , outChannels] = w.shape;
  const { stride } = geometry;
  const { outLength, padLeft, padRight } = conv1dPadding(length, kernelSize, geometry);

  // Input gradient: dx[j] = sum_k W[k] dy_up[j + padLeft - k], a valid correlation of the zero-upsampled
  // output gradient with the flipped kernel.
  let upsampled: tf.Tensor3D = dy;
  if (stride > 1) {
    upsampled = tf.reshape<tf.Rank.R3>(
      tf.pad(tf.reshape(dy, [batch, outLength, 1, outChannels]), [
        [0, 0],
        [0, 0],
        [0, stride - 1],
        [0, 0],
      ]),
      [batch, outLength * stride, outChannels],
    );
  }
  const flipped = tf.transpose(tf.reverse(w, 0), [0, 2, 1]) as tf.Tensor3D;
  const left = kernelSize - 1 - padLeft;
  const right = length + padLeft - upsampled.shape[1];
  let dx: tf.Tensor3D;
  if (left === right && left >= 0 && stride === 1 && kernelSize % 2 === 1) {
    dx = tf.conv1d(upsampled, flipped, 1, left === 0 ? 'valid' : 'same');
  } else {
    const grown = tf.pad(upsampled, [
      [0, 0],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
    const trimmed =
      left < 0 || right < 0
        ? tf.slice(
            grown,
            [0, Math.max(-left, 0), 0],
            [batch, grown.shape[1] - Math.max(-left, 0) - Math.max(-right, 0), outChannels],
          )
        : grown;
    dx = tf.conv1d(trimmed as tf.Tensor3D, flipped, 1, 'valid');
  }

  const padded =
    padLeft + padRight === 0
      ? x
      : tf.pad(x, [
          [0, 0],
          [padLeft, padRight],
          [0, 0],
        ]);
  // Kernel gradient dW[k, i, o] = sum_{b, l} xpad[b, stride*l + k, i] dy[b, l, o], by whichever of two
  // XNNPACK routes is faster for the shape (measured on wasm at batch 41; Conv2DBackpropFilter, the stock
  // route, does not exist there):
  // - few output channels or stride > 1: one conv, with the input channels as its batch, (batch, length)
  //   as its spatial axes and dy as its filter, dilated by the stride;
  // - otherwise: im2col of the padded input times the flattened output gradient.
  let dw: tf.Tensor;
  if (outChannels <= 16 || stride > 1) {
    const image = tf.reshape<tf.Rank.R4>(tf.transpose(padded, [2, 0, 1]), [
      inChannels,
      batch,
      padded.shape[1],
      1,
    ]);
    const filter = tf.reshape<tf.Rank.R4>(dy, [batch, outLength, 1, outChannels]);
    const taps = tf.conv2d(image, filter, 1, 'valid', 'NHWC', [1, stride]); // [in, 1, >= kernelSize, out]
    const firstTaps =
      taps.shape[2] === kernelSize
        ? taps
        : tf.slice(taps, [0, 0, 0, 0], [inChannels, 1, kernelSize, outChannels]);
    dw = tf.transpose(tf.reshape(firstTaps, [inChannels, kernelSize, outChannels]), [1, 0, 2]);
  } else {
    const columns = windowColumnsTransposed(padded, kernelSize, stride, outLength);
    dw = tf.reshape(tf.matMul(columns, tf.reshape(dy, [batch * outLength, outChannels])), [
      kernelSize,
      inChannels,
      outChannels,
    ]);
  }
  return [dx, dw];
}

/**
 * Group normalisation over `[batch, length, channels]` (Keras' GroupNormalization with axis -1): each
 * sample's channels are split into `groups` groups normalised over length and the group's channels, then
 * scaled by `gamma` and shifted by `beta` per channel. Uses the fused kernels of ./kernels.ts where the
 * backend has them, else tf ops; the gradient is the closed form either way.
 */
export function groupNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  epsilon: number,
): tf.Tensor {
  return hasFusedKernels()
    ? fusedGroupNorm(x, gamma, beta, groups, epsilon)
    : compositeGroupNorm(x, gamma, beta, groups, epsilon);
}

/** groupNorm through the fused kernels of ./kernels.ts. */
function fusedGroupNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, groups: number, epsilon: number) {
  const op = tf.customGrad((...args) => {
    const [xs, scale, shift, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, Save];
    const [y, mean, invStd] = runFused(
      GROUP_NORM,
      { x: xs, gamma: scale, beta: shift },
      { groups, epsilon },
    ) as [tf.Tensor, tf.Tensor, tf.Tensor];
    save([xs, scale, mean, invStd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, gammaSaved, meanSaved, invStdSaved] = saved as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        return runFused(
          GROUP_NORM_GRAD,
          { dy, x: xSaved, gamma: gammaSaved, mean: meanSaved, invStd: invStdSaved },
          { groups },
        );
      },
    };
  });
  return op(x, gamma, beta);
}

/** The tf-op version of groupNorm, for backends without the fused kernels (exported for tests). */
export function compositeGroupNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  epsilon: number,
) {
  const op = tf.customGrad((...args) => {
    const [xs, scale, shift, save] = args as [tf.Tensor3D, tf.Tensor, tf.Tensor, Save];
    const [batch, length, channels] = xs.shape;
    const grouped = tf.reshape(xs, [batch, length, groups, channels / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const normalised = tf.reshape(tf.mul(tf.sub(grouped, mean), invStd), [batch, length, channels]);
    save([normalised, invStd, scale]);
    return {
      value: tf.add(tf.mul(normalised, scale), shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, invStdSaved, gammaSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dGamma = tf.sum(tf.mul(dy, xhat), [0, 1]);
        const dBeta = tf.sum(dy, [0, 1]);
        const shape4 = [batch, length, groups, channels / groups];
        const g = tf.reshape(tf.mul(dy, gammaSaved), shape4);
        const xhat4 = tf.reshape(xhat, shape4);
        // dx = invStd * (g - mean(g) - xhat * mean(g * xhat)), means over each sample's group.
        const centred = tf.sub(
          tf.sub(g, tf.mean(g, [1, 3], true)),
          tf.mul(xhat4, tf.mean(tf.mul(g, xhat4), [1, 3], true)),
        );
        const dx = tf.reshape(tf.mul(centred, invStdSaved), [batch, length, channels]);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}

/** `[..., a]` and `[..., b]` side by side along the last (channel) axis, as the U-Net's skip concat. */
export function concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!hasFusedKernels()) return tf.concat([a, b], -1);
  const first = a.shape[a.rank - 1]!;
  const op = tf.customGrad((...args) => {
    const [left, right] = args as [tf.Tensor, tf.Tensor];
    return {
      value: runFused(CONCAT_CHANNELS, { a: left, b: right })[0]!,
      gradFunc: (dy: tf.Tensor) => runFused(SPLIT_CHANNELS, { x: dy }, { first }),
    };
  });
  return op(a, b);
}
