import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DiffBattError, type NpyArray, parseNpy } from '@diffbatt/core';
import * as tf from '@tensorflow/tfjs';

/**
 * Checks a network against golden outputs of the original (an independent forward pass of the released
 * weights): a directory with `x_t.npy` (B, L, 1), `t.npy` (B,), `capacity_matrix.npy` (B, R, 100, 1),
 * and the expected noise `eps_cond.npy` (mask of ones) and `eps_uncond.npy` (mask of zeros).
 */

export interface GoldenComparison {
  /** Largest |ours - golden| over the conditional output (mask of ones). */
  conditional: number;
  /** Largest |ours - golden| over the unconditional output (mask of zeros). */
  unconditional: number;
  batch: number;
}

async function readNpy(directory: string, name: string): Promise<NpyArray> {
  const file = join(directory, name);
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new DiffBattError(
      `cannot read golden file: ${error.code === 'ENOENT' ? 'not found' : error.code}`,
      { file },
    );
  });
  return parseNpy(new Uint8Array(bytes), file);
}

function floats(array: NpyArray, file: string, shape: (number | null)[]): Float32Array {
  const matches =
    array.shape.length === shape.length && shape.every((d, i) => d === null || d === array.shape[i]);
  if (!matches) {
    throw new DiffBattError(
      `shape (${array.shape}) does not fit the model, expected (${shape.map((d) => d ?? 'batch')})`,
      { file },
    );
  }
  if (array.dtype === 'int64') return Float32Array.from(array.data, Number);
  return Float32Array.from(array.data);
}

export async function compareWithGolden(model: tf.LayersModel, directory: string): Promise<GoldenComparison> {
  const [curveShape, , matrixShape, maskShape] = model.inputs.map((input) => input.shape);
  // Settle every read so that the error reported is the first missing file in this order, whichever
  // read happened to fail first.
  const reads = await Promise.allSettled(
    ['x_t.npy', 't.npy', 'capacity_matrix.npy', 'eps_cond.npy', 'eps_uncond.npy'].map((n) =>
      readNpy(directory, n),
    ),
  );
  const failed = reads.find((read) => read.status === 'rejected');
  if (failed) throw failed.reason;
  const [xT, t, matrix, epsCond, epsUncond] = reads.map(
    (read) => (read as PromiseFulfilledResult<NpyArray>).value,
  );
  const batch = xT!.shape[0] ?? 0;
  const file = (name: string) => join(directory, name);
  const curve = floats(xT!, file('x_t.npy'), [batch, ...curveShape!.slice(1)]);
  const timesteps = floats(t!, file('t.npy'), [batch]);
  const matrices = floats(matrix!, file('capacity_matrix.npy'), [batch, ...matrixShape!.slice(1)]);
  const expected = [
    floats(epsCond!, file('eps_cond.npy'), [batch, ...curveShape!.slice(1)]),
    floats(epsUncond!, file('eps_uncond.npy'), [batch, ...curveShape!.slice(1)]),
  ];
  const maskWidth = maskShape![1]!;
  const errors = [1, 0].map((maskValue, i) => {
    const predicted = tf.tidy(() => {
      const inputs = [
        tf.tensor(curve, [batch, ...(curveShape!.slice(1) as number[])]),
        tf.tensor(Int32Array.from(timesteps), [batch], 'int32'),
        tf.tensor(matrices, [batch, ...(matrixShape!.slice(1) as number[])]),
        tf.fill([batch, maskWidth], maskValue),
      ];
      return model.predict(inputs) as tf.Tensor;
    });
    const values = predicted.dataSync() as Float32Array;
    predicted.dispose();
    let worst = 0;
    expected[i]!.forEach((value, j) => {
      const difference = Math.abs(value - values[j]!);
      // A NaN output is the worst possible mismatch, not one that Math.max would silently drop.
      worst = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : Math.max(worst, difference);
    });
    return worst;
  });
  return { conditional: errors[0]!, unconditional: errors[1]!, batch };
}
