/**
 * Floating-point operations of the kernels a computation ran (issue 15: achieved GFLOP/s of a training
 * step beside the machine's sgemm rate). Counts the multiply-adds (2 FLOPs each) of the kernels that do
 * almost all of the work: matrix products and convolutions, from the shapes `tf.profile` records (our conv1d's filter gradient is a matrix product, so
 * Conv2DBackpropFilter never runs). Element-
 * wise kernels, reductions and Adam are left out (a few % of a U-Net step), so the rate is a lower bound.
 */

/** What `tf.profile` records per kernel call that the count needs. */
export interface ProfiledKernel {
  name: string;
  inputShapes: number[][];
  outputShapes: number[][];
}

const size = (shape: readonly number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);

/**
 * Multiply-add FLOPs of one kernel call, 0 for kernels not counted. A product's inner dimension follows from
 * sizes alone (a holds batch x M x K, the output batch x M x N), whatever its transpose flags were.
 */
export function kernelFlops({ name, inputShapes, outputShapes }: ProfiledKernel): number {
  const out = outputShapes[0] ?? [];
  switch (name) {
    case 'MatMul':
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const n = out[out.length - 1] ?? 1;
      const inner = (size(inputShapes[0]) * n) / size(out);
      return 2 * size(out) * inner;
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      // filter [height, width, in channels, out channels]: every output element sums height x width x in.
      const [height = 1, width = 1, inChannels = 1] = inputShapes[1] ?? [];
      return 2 * size(out) * height * width * inChannels;
    }
    case 'Conv2DBackpropInput': {
      // inputs (dy, filter): every input-gradient element sums height x width x out channels.
      const [height = 1, width = 1, , outChannels = 1] = inputShapes[1] ?? [];
      return 2 * size(out) * height * width * outChannels;
    }
    default:
      return 0;
  }
}

/** Total counted FLOPs of a profile's kernels, and per kernel name. */
export function countFlops(kernels: readonly ProfiledKernel[]): {
  total: number;
  byKernel: Record<string, number>;
} {
  const byKernel: Record<string, number> = {};
  let total = 0;
  for (const kernel of kernels) {
    const flops = kernelFlops(kernel);
    if (flops === 0) continue;
    total += flops;
    byKernel[kernel.name] = (byKernel[kernel.name] ?? 0) + flops;
  }
  return { total, byKernel };
}
