import * as tf from '@tensorflow/tfjs';

/**
 * Fused kernels, written once over Float32Arrays and registered for the wasm and cpu backends. On wasm,
 * group normalisation built from tf ops costs eight broadcasting passes (its broadcasting binary ops
 * are slow), and a channel concat (a JS loop of per-row copies there) and its slice gradient cost
 * milliseconds per call; these loops do each in one to three plain passes. Other backends (tfjs-node,
 * webgl) keep the composite tf-op versions in ./ops.ts, which compute the same values.
 */

export const GROUP_NORM = 'DiffBattGroupNorm';
export const GROUP_NORM_GRAD = 'DiffBattGroupNormGrad';
export const CONCAT_CHANNELS = 'DiffBattConcatChannels';
export const SPLIT_CHANNELS = 'DiffBattSplitChannels';

// The group-norm loops walk one channel at a time through a sample (stride = channels), keeping the
// sums in locals: a sample is at most a few tens of KB, so the strided reads stay in cache, and this ran
// 2-3x faster under V8 than walking the sample in memory order with per-channel accumulator arrays.

/** Sizes of a `[batch, length, channels]` tensor split into channel groups. */
function groupGeometry(shape: readonly number[], groups: number) {
  const [batch, length, channels] = shape as [number, number, number];
  const perGroup = channels / groups;
  // count: elements per (sample, group); size: elements per sample.
  return { batch, channels, perGroup, count: length * perGroup, size: length * channels };
}

/**
 * y = (x - mean) * invStd * gamma + beta over `[batch, length, channels]`, statistics per sample and
 * group; writes `mean` and `invStd` (`[batch, groups]`). Two passes: sums of x and x^2 (float64, so
 * E[x^2] - E[x]^2 loses nothing that matters for float32 data), then y = x * a_c + b_c.
 */
export function groupNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  shape: readonly number[],
  groups: number,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
): void {
  const { batch, channels, perGroup, count, size } = groupGeometry(shape, groups);
  for (let b = 0; b < batch; b++) {
    const start = b * size;
    const end = start + size;
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      let sumSq = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        for (let i = start + c; i < end; i += channels) {
          const v = x[i]!;
          sum += v;
          sumSq += v * v;
        }
      }
      const m = sum / count;
      const inv = 1 / Math.sqrt(Math.max(sumSq / count - m * m, 0) + epsilon);
      mean[b * groups + g] = m;
      invStd[b * groups + g] = inv;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        const scale = inv * gamma[c]!;
        const shift = beta[c]! - m * scale;
        for (let i = start + c; i < end; i += channels) y[i] = x[i]! * scale + shift;
      }
    }
  }
}

/**
 * Gradients of groupNormForward: dx = invStd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma
 * and means over each sample's group; dgamma = sum(dy * xhat), dbeta = sum(dy) over batch and length.
 * Two passes: sums of dy and dy * x per channel, then dx = A_c dy + B_g x + C_c.
 */
export function groupNormBackward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  shape: readonly number[],
  groups: number,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const { batch, channels, perGroup, count, size } = groupGeometry(shape, groups);
  const sumDyXhat = new Float64Array(channels);
  const gammaTotal = new Float64Array(channels);
  const betaTotal = new Float64Array(channels);
  for (let b = 0; b < batch; b++) {
    const start = b * size;
    const end = start + size;
    for (let g = 0; g < groups; g++) {
      const m = mean[b * groups + g]!;
      const inv = invStd[b * groups + g]!;
      let meanG = 0;
      let meanGXhat = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        let s = 0;
        let sx = 0;
        for (let i = start + c; i < end; i += channels) {
          const d = dy[i]!;
          s += d;
          sx += d * x[i]!;
        }
        // sum(dy * xhat) = inv * (sum(dy x) - m sum(dy))
        sumDyXhat[c] = inv * (sx - m * s);
        betaTotal[c] = betaTotal[c]! + s;
        gammaTotal[c] = gammaTotal[c]! + sumDyXhat[c]!;
        meanG += gamma[c]! * s;
        meanGXhat += gamma[c]! * sumDyXhat[c]!;
      }
      meanG /= count;
      meanGXhat /= count;
      // dx = inv * (gamma_c dy - meanG - (x - m) inv meanGXhat)
      const coefX = -inv * inv * meanGXhat;
      const constant = inv * (m * inv * meanGXhat - meanG);
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        const coefDy = inv * gamma[c]!;
        for (let i = start + c; i < end; i += channels) dx[i] = coefDy * dy[i]! + coefX * x[i]! + constant;
      }
    }
  }
  for (let c = 0; c < channels; c++) {
    dGamma[c] = gammaTotal[c]!;
    dBeta[c] = betaTotal[c]!;
  }
}

/** `[rows, a]` and `[rows, b]` (row-major) side by side into `[rows, a + b]`. */
export function concatChannels(a: Float32Array, b: Float32Array, rows: number, out: Float32Array): void {
  const ca = a.length / rows;
  const cb = b.length / rows;
  for (let r = 0, o = 0, ia = 0, ib = 0; r < rows; r++) {
    for (let c = 0; c < ca; c++) out[o++] = a[ia++]!;
    for (let c = 0; c < cb; c++) out[o++] = b[ib++]!;
  }
}

/** Inverse of concatChannels: `[rows, a + b]` into `[rows, a]` and `[rows, b]`. */
export function splitChannels(x: Float32Array, rows: number, a: Float32Array, b: Float32Array): void {
  const ca = a.length / rows;
  const cb = b.length / rows;
  for (let r = 0, i = 0, ia = 0, ib = 0; r < rows; r++) {
    for (let c = 0; c < ca; c++) a[ia++] = x[i++]!;
    for (let c = 0; c < cb; c++) b[ib++] = x[i++]!;
  }
}

/**
 * How a kernel reaches tensor memory on one backend: wasm hands out views of its heap (taken after
 * every output is allocated, since allocating can grow and detach the heap), cpu keeps typed arrays.
 */
interface MemoryAccess {
  /** Allocates the outputs, then returns views of the inputs and outputs in that order. */
  run(inputs: tf.TensorInfo[], outputShapes: number[][]): { views: Float32Array[]; outputs: tf.TensorInfo[] };
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(dataId: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function wasmAccess(backend: WasmBackendLike): MemoryAccess {
  return {
    run(inputs, outputShapes) {
      const outputs = outputShapes.map((shape) => backend.makeOutput(shape, 'float32'));
      const views = [...inputs, ...outputs].map((info) => backend.typedArrayFromHeap(info));
      return { views, outputs };
    },
  };
}

function cpuAccess(backend: CpuBackendLike): MemoryAccess {
  return {
    run(inputs, outputShapes) {
      const outValues = outputShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
      const outputs = outputShapes.map((shape, i) => backend.makeTensorInfo(shape, 'float32', outValues[i]!));
      const views = [...inputs.map((info) => backend.data.get(info.dataId).values), ...outValues];
      return { views, outputs };
    },
  };
}

const ACCESS: Record<string, (backend: unknown) => MemoryAccess> = {
  wasm: (backend) => wasmAccess(backend as WasmBackendLike),
  cpu: (backend) => cpuAccess(backend as CpuBackendLike),
};

type KernelBody = (
  inputs: tf.TensorInfo[],
  attrs: Record<string, unknown>,
  access: MemoryAccess,
) => tf.TensorInfo[];

const KERNELS: { name: string; inputNames: string[]; body: KernelBody }[] = [
  {
    name: GROUP_NORM,
    inputNames: ['x', 'gamma', 'beta'],
    body: ([x, gamma, beta], attrs, access) => {
      const groups = attrs['groups'] as number;
      const batch = x!.shape[0]!;
      const { views, outputs } = access.run(
        [x!, gamma!, beta!],
        [x!.shape, [batch, groups], [batch, groups]],
      );
      const [xv, gv, bv, y, mean, invStd] = views as [Float32Array, ...Float32Array[]];
      groupNormForward(xv, gv!, bv!, x!.shape, groups, attrs['epsilon'] as number, y!, mean!, invStd!);
      return outputs;
    },
  },
  {
    name: GROUP_NORM_GRAD,
    inputNames: ['dy', 'x', 'gamma', 'mean', 'invStd'],
    body: (inputs, attrs, access) => {
      const [x, gamma] = [inputs[1]!, inputs[2]!];
      const { views, outputs } = access.run(inputs, [x.shape, gamma.shape, gamma.shape]);
      const [dy, xv, gv, mean, invStd, dx, dGamma, dBeta] = views as Float32Array[];
      groupNormBackward(
        dy!,
        xv!,
        gv!,
        mean!,
        invStd!,
        x.shape,
        attrs['groups'] as number,
        dx!,
        dGamma!,
        dBeta!,
      );
      return outputs;
    },
  },
  {
    name: CONCAT_CHANNELS,
    inputNames: ['a', 'b'],
    body: ([a, b], _attrs, access) => {
      const shape = [...a!.shape.slice(0, -1), a!.shape.at(-1)! + b!.shape.at(-1)!];
      const { views, outputs } = access.run([a!, b!], [shape]);
      const rows = a!.shape.slice(0, -1).reduce((p, q) => p * q, 1);
      concatChannels(views[0]!, views[1]!, rows, views[2]!);
      return outputs;
    },
  },
  {
    name: SPLIT_CHANNELS,
    inputNames: ['x'],
    body: ([x], attrs, access) => {
      const lead = x!.shape.slice(0, -1);
      const first = attrs['first'] as number;
      const { views, outputs } = access.run(
        [x!],
        [
          [...lead, first],
          [...lead, x!.shape.at(-1)! - first],
        ],
      );
      splitChannels(
        views[0]!,
        lead.reduce((p, q) => p * q, 1),
        views[1]!,
        views[2]!,
      );
      return outputs;
    },
  },
];

let registered = false;

/** Registers the fused kernels for wasm and cpu (idempotent). */
export function registerFusedKernels(): void {
  if (registered) return;
  for (const kernel of KERNELS) {
    for (const [backendName, access] of Object.entries(ACCESS)) {
      tf.registerKernel({
        kernelName: kernel.name,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) =>
          kernel.body(
            kernel.inputNames.map((name) => inputs[name]!),
            attrs as Record<string, unknown>,
            access(backend),
          ),
      });
    }
  }
  registered = true;
}

/** Whether the active backend has the fused kernels (else callers use composite tf ops). */
export function hasFusedKernels(): boolean {
  registerFusedKernels();
  return tf.getKernel(GROUP_NORM, tf.getBackend()) !== undefined;
}

/** Runs a fused kernel on the active backend. */
export function runFused(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number> = {},
): tf.Tensor[] {
  const out = tf
    .engine()
    .runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}
