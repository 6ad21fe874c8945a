import * as tf from '@tensorflow/tfjs';

/** Float32 tensors packed into one little-endian buffer, with names and shapes to check on the way back. */
export interface PackedManifest {
  name: string;
  shape: number[];
}

export async function packTensors(
  tensors: readonly { name: string; tensor: tf.Tensor }[],
): Promise<{ bytes: Uint8Array; manifest: PackedManifest[] }> {
  const data = await packValues(tensors.map(({ tensor }) => tensor));
  return {
    bytes: new Uint8Array(data.buffer),
    manifest: tensors.map(({ name, tensor }) => ({ name, shape: tensor.shape })),
  };
}

/** Splits a packed buffer back into Float32Arrays; throws when the manifest does not match `expected`. */
export function unpackTensors(
  bytes: Uint8Array,
  manifest: readonly PackedManifest[],
  what: string,
): Float32Array[] {
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const total = manifest.reduce((n, m) => n + m.shape.reduce((a, b) => a * b, 1), 0);
  if (total !== data.length) throw new Error(`${what}: holds ${data.length} values, manifest says ${total}`);
  let offset = 0;
  return manifest.map((m) => {
    const n = m.shape.reduce((a, b) => a * b, 1);
    const part = data.subarray(offset, offset + n);
    offset += n;
    return part;
  });
}

/** Tensors' values packed one after another, in their order (the inverse of `assignPacked`). */
export async function packValues(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  const packed = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let offset = 0;
  for (const tensor of tensors) {
    packed.set(await tensor.data<'float32'>(), offset);
    offset += tensor.size;
  }
  return packed;
}

/** Assigns packed values to variables, in their order. */
export function assignPacked(variables: readonly tf.Variable[], packed: Float32Array): void {
  let offset = 0;
  for (const v of variables) {
    const values = packed.subarray(offset, offset + v.size);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    offset += v.size;
  }
  if (offset !== packed.length) throw new Error(`${packed.length} values for ${offset} weights`);
}
