/**
 * TensorFlow.js side of the U-Net speed benchmark: one training step (forward, MSE backward, Adam) at
 * batch 41 and one forward pass at batch 42 of the default @diffbatt/unet network (478,369 parameters),
 * timed in wall-clock and process-CPU milliseconds. Prints one JSON object.
 *
 *   node --conditions=@diffbatt/source --import tsx benchmarks/unet-speed/bench-tfjs.ts [--backend wasm] [--repeats 10]
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../packages/core/src/backend.js';
import { buildDiffBattUNet } from '../../packages/unet/src/unet.js';

// The same tfjs instance the unet package uses (this folder has no node_modules of its own).
const fromUnet = createRequire(new URL('../../packages/unet/package.json', import.meta.url));
type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
const tf: Tf = await import(pathToFileURL(fromUnet.resolve('@tensorflow/tfjs')).href);

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    repeats: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
});
const repeats = Number(values.repeats);
const warmup = Number(values.warmup);

const report = await selectBackend({ backend: values.backend });
const model = buildDiffBattUNet({}, { seed: 0 });
const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);

/** Synthetic inputs of the contract's shapes (values do not change the work done). */
function batch(size: number, seed: number): Tensor[] {
  return [
    tf.randomNormal([size, 256, 1], 0, 1, 'float32', seed),
    tf.randomUniform([size], 0, 1000, 'int32', seed + 1),
    tf.randomNormal([size, 100, 100, 1], 0, 0.01, 'float32', seed + 2),
    tf.tidy(() =>
      tf.tile(
        tf.cast(tf.greater(tf.randomUniform([size, 1], 0, 1, 'float32', seed + 3), 0.2), 'float32'),
        [1, 32],
      ),
    ),
  ];
}
const trainInputs = batch(41, 1);
const target = tf.randomNormal([41, 256, 1], 0, 1, 'float32', 9);
const forwardInputs = batch(42, 11);

function step(): void {
  const loss = optimizer.minimize(
    () =>
      tf.losses.meanSquaredError(
        target,
        model.apply(trainInputs, { training: true }) as Tensor,
      ) as ReturnType<Tf['scalar']>,
    true,
  );
  loss!.dataSync();
  loss!.dispose();
}

function forward(): void {
  const out = model.apply(forwardInputs) as Tensor;
  out.dataSync();
  out.dispose();
}

function timed(fn: () => void): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    fn();
    wall.push(performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const tensorsBefore = tf.memory().numTensors;
const stepTimes = timed(step);
const forwardTimes = timed(forward);
console.log(
  JSON.stringify({
    implementation: `tfjs ${tf.version.tfjs} ${report.backend}`,
    threads: 1,
    parameters: model.countParams(),
    trainStepBatch41Ms: stepTimes.wall,
    forwardBatch42Ms: forwardTimes.wall,
    trainStepBatch41CpuMs: stepTimes.cpu,
    forwardBatch42CpuMs: forwardTimes.cpu,
    trainStepBatch41MedianMs: median(stepTimes.wall),
    forwardBatch42MedianMs: median(forwardTimes.wall),
    trainStepBatch41MedianCpuMs: median(stepTimes.cpu),
    forwardBatch42MedianCpuMs: median(forwardTimes.cpu),
    // Adam's moments appear after the first step; anything beyond them would be a leak.
    tensorsLeakedPerStep:
      (tf.memory().numTensors - tensorsBefore - 2 * model.trainableWeights.length - 1) / (repeats + warmup),
  }),
);
