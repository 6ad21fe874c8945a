/**
 * TensorFlow.js side of the speed benchmark, on one backend, with the default @diffbatt/unet network
 * (478,369 parameters, random weights of seed 0) and synthetic inputs of the contract's shapes (values do
 * not change the work done). Measures, in wall-clock and process-CPU milliseconds:
 * - a training step (forward, MSE backward, Adam) at batch 41, a full MATR-1 training split;
 * - steps of the real guided DDPM-1000 sampler (@diffbatt/diffusion `sample`) for the 42 MATR-1 test
 *   cells: one network pass on the doubled batch 2 x 42 (conditional + unconditional rows), the guidance
 *   combination and the DDPM update. The run is aborted after the measured steps;
 * - whole DPM-Solver++(2M) 20-step runs of @diffbatt/pipeline's generateCurves for the same 42 cells,
 *   --samples-per-cell curves each (on --workers threads).
 * Prints one JSON object (the `SideMeasurement` shape of run.ts).
 *
 * - the FLOPs of one single-thread training step (matrix products and convolutions, from `tf.profile`'s
 *   kernel shapes, see flops.ts) and the backend's sgemm rate on one thread (1024 x 1024 x 1024 products).
 *
 *   node --conditions=@diffbatt/source --import tsx benchmarks/speed/bench-tfjs.ts --backend wasm \
 *     [--workers 1] [--train-repeats 5] [--step-repeats 5] [--solver-repeats 2] [--warmup 2]
 *
 * With --workers N > 1 the training step is @diffbatt/pipeline's data-parallel step (N worker threads each
 * take a contiguous part of the batch; this thread sums their gradients and applies Adam) and the solver
 * runs share their curves between N workers. The DDPM step stays a single-thread measurement.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '../../packages/core/src/backend.js';
import {
  createNoiseSchedule,
  ExponentialMovingAverage,
  type SamplerConfig,
  sample,
} from '../../packages/diffusion/src/index.js';
import { dataParallelStep, FlatTrainingState } from '../../packages/pipeline/src/flat-state.js';
import { generateCurves } from '../../packages/pipeline/src/generate.js';
import { GradientPool } from '../../packages/pipeline/src/gradient-pool.js';
import { DEFAULT_UNET_CONFIG } from '../../packages/unet/src/config.js';
import {
  type CapacityCondition,
  concatCapacityConditions,
  diffBattDenoiser,
  dropCapacityCondition,
} from '../../packages/unet/src/denoiser.js';
import { buildDiffBattUNet } from '../../packages/unet/src/unet.js';
import { countFlops, kernelFlops } from './flops.js';

// The same tfjs instance the unet package uses (this folder has no node_modules of its own).
const fromUnet = createRequire(new URL('../../packages/unet/package.json', import.meta.url));
type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
const tf: Tf = await import(pathToFileURL(fromUnet.resolve('@tensorflow/tfjs')).href);

const TRAIN_BATCH = 41;
const TEST_CELLS = 42;
const SOLVER_STEPS = 20;
/** Any nonzero weight runs the doubled batch; the value does not change the work. */
const GUIDANCE_WEIGHT = 1;

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    workers: { type: 'string', default: '1' },
    'train-repeats': { type: 'string', default: '5' },
    'step-repeats': { type: 'string', default: '5' },
    'solver-repeats': { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    'samples-per-cell': { type: 'string', default: '1' },
  },
});
const count = (name: keyof typeof values) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be an integer >= 0`);
  return value;
};
const trainRepeats = count('train-repeats');
const stepRepeats = count('step-repeats');
const solverRepeats = count('solver-repeats');
const warmup = count('warmup');
const workers = count('workers');
const samplesPerCell = count('samples-per-cell');
if (samplesPerCell < 1) throw new Error('--samples-per-cell must be at least 1');
if (workers < 1) throw new Error('--workers must be at least 1');
if (stepRepeats < 1) throw new Error('--step-repeats must be at least 1 (DDPM-1000 is extrapolated from it)');

const report = await selectBackend({ backend: values.backend as string });
const model = buildDiffBattUNet({}, { seed: 0 });
const denoiser = diffBattDenoiser(model);
const schedule = createNoiseSchedule({ kind: 'linear' });

function capacityConditionOf(size: number, seed: number): CapacityCondition {
  return {
    capacityMatrix: tf.randomNormal([size, 100, 100, 1], 0, 0.01, 'float32', seed),
    mask: tf.ones([size, 32]),
  };
}

interface Timings {
  wall: number[];
  cpu: number[];
}
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function timed(fn: () => void | Promise<void>, repeats: number, warmups: number): Promise<Timings> {
  if (repeats === 0) return { wall: [], cpu: [] };
  for (let i = 0; i < warmups; i++) await fn();
  const timings: Timings = { wall: [], cpu: [] };
  for (let i = 0; i < repeats; i++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    await fn();
    timings.wall.push(performance.now() - start);
    timings.cpu.push(cpuMs(startCpu));
  }
  return timings;
}

/** The data-parallel training step of @diffbatt/pipeline on synthetic cells of the real shapes. */
async function parallelTrainingStepTimings(): Promise<Timings> {
  const pool = await GradientPool.start({
    workers,
    backend: report.backend,
    unetConfig: DEFAULT_UNET_CONFIG,
    minSnrGamma: null,
    curves: await tf.randomNormal([TRAIN_BATCH, 256], 0, 1, 'float32', 1).data<'float32'>(),
    capacityMatrices: await tf.randomNormal([TRAIN_BATCH, 100, 100], 0, 0.01, 'float32', 3).data<'float32'>(),
    cells: TRAIN_BATCH,
  });
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const variables = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
  const ema = new ExponentialMovingAverage(variables);
  const state = await FlatTrainingState.fromTf(variables, optimizer, ema);
  const batchCells = Int32Array.from({ length: TRAIN_BATCH }, (_, i) => i);
  let step = 0;
  try {
    return await timed(
      async () => {
        step++;
        await dataParallelStep(pool, state, {
          step,
          batchCells,
          seed: step,
          conditionDropout: 0.2,
          learningRate: 1e-3,
          emaDecay: 0.999,
        });
      },
      trainRepeats,
      warmup,
    );
  } finally {
    await pool.close();
    optimizer.dispose();
    ema.dispose();
  }
}

/** One single-thread training step at batch 41 (forward, MSE backward, Adam), and what it holds. */
function singleThreadTrainingStep(): { step: () => void; dispose: () => void } {
  const curve = tf.randomNormal([TRAIN_BATCH, 256, 1], 0, 1, 'float32', 1);
  const timesteps = tf.randomUniform([TRAIN_BATCH], 0, 1000, 'int32', 2);
  const condition = capacityConditionOf(TRAIN_BATCH, 3);
  const target = tf.randomNormal([TRAIN_BATCH, 256, 1], 0, 1, 'float32', 9);
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const step = () => {
    const loss = optimizer.minimize(
      () =>
        tf.losses.meanSquaredError(
          target,
          model.apply([curve, timesteps, condition.capacityMatrix, condition.mask], {
            training: true,
          }) as Tensor,
        ) as ReturnType<Tf['scalar']>,
      true,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  const dispose = () => {
    optimizer.dispose(); // Adam's moments
    tf.dispose([curve, timesteps, condition.capacityMatrix, condition.mask, target]);
  };
  return { step, dispose };
}

async function trainingStepTimings(): Promise<Timings> {
  if (workers > 1) return parallelTrainingStepTimings();
  const { step, dispose } = singleThreadTrainingStep();
  try {
    return await timed(step, trainRepeats, warmup);
  } finally {
    dispose();
  }
}

/**
 * FLOPs of one training step, counted from the kernels it runs. The count is first checked on kernels of
 * known work (a matrix product and a 1-D convolution with its gradients), so a tfjs that records shapes
 * differently fails here instead of printing a wrong rate.
 */
async function trainingStepFlops(): Promise<{ total: number; byKernel: Record<string, number> }> {
  const check = await tf.profile(() =>
    tf.tidy(() => {
      const x = tf.ones([2, 10, 3]) as import('@tensorflow/tfjs').Tensor3D;
      const filter = tf.ones([3, 3, 4]) as import('@tensorflow/tfjs').Tensor3D;
      const dy = tf.ones([2, 1, 10, 4]) as import('@tensorflow/tfjs').Tensor4D;
      const filter2d = tf.ones([1, 3, 3, 4]) as import('@tensorflow/tfjs').Tensor4D;
      tf.matMul(tf.ones([64, 32]), tf.ones([16, 32]), false, true);
      tf.conv1d(x, filter, 1, 'same');
      tf.conv2dTranspose(dy, filter2d, [2, 1, 10, 3], 1, 'same');
    }),
  );
  // matMul 64x32 by 32x16; a conv1d 2x10x3 -> 2x10x4 with a width-3 filter, and its input gradient's kernel.
  const expected: [string, number][] = [
    ['BatchMatMul', 2 * 64 * 32 * 16],
    ['Conv2D', 2 * 2 * 10 * 4 * 3 * 3],
    ['Conv2DBackpropInput', 2 * 2 * 10 * 4 * 3 * 3],
  ];
  for (const [name, flops] of expected) {
    const got = check.kernels.filter((k) => k.name === name).map(kernelFlops);
    if (got[0] !== flops) throw new Error(`FLOP count of ${name}: ${got[0]}, expected ${flops}`);
  }
  const { step, dispose } = singleThreadTrainingStep();
  try {
    step(); // warm-up: the profile then records one ordinary step
    return countFlops((await tf.profile(step)).kernels);
  } finally {
    dispose();
  }
}

/** The backend's single-precision matrix-product rate on this thread: 1024 x 1024 x 1024, median of 5 runs. */
async function sgemmGflops(): Promise<number> {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 21);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 22);
  try {
    // The pure-JS cpu backend takes seconds per product: one, unwarmed.
    const slow = report.backend === 'cpu';
    const { wall } = await timed(() => tf.matMul(a, b).dispose(), slow ? 1 : 5, slow ? 0 : 2);
    const median = wall.sort((x, y) => x - y)[Math.floor(wall.length / 2)]!;
    return (2 * n ** 3) / (median * 1e6);
  } finally {
    tf.dispose([a, b]);
  }
}

const condition = capacityConditionOf(TEST_CELLS, 11);
const samplingOptions = (sampler: SamplerConfig) => ({
  schedule,
  denoiser,
  shape: [TEST_CELLS, 256, 1],
  condition,
  seed: 0,
  sampler,
  guidance: { weight: GUIDANCE_WEIGHT, drop: dropCapacityCondition, concat: concatCapacityConditions },
});

/** Times each step of the real DDPM-1000 sampler from one step's end to the next, then aborts the run. */
async function ddpmStepTimings(): Promise<Timings> {
  const timings: Timings = { wall: [], cpu: [] };
  const abort = new AbortController();
  let startCpu = process.cpuUsage();
  let start = performance.now();
  const run = sample({
    ...samplingOptions({ kind: 'ddpm' }),
    signal: abort.signal,
    onStep: async ({ step, sample: current }) => {
      await current.data(); // wait for the step's kernels (a no-op wait on the synchronous backends)
      if (step > warmup) {
        timings.wall.push(performance.now() - start);
        timings.cpu.push(cpuMs(startCpu));
      }
      if (step === warmup + stepRepeats) abort.abort(new Error('enough steps measured'));
      startCpu = process.cpuUsage();
      start = performance.now();
    },
  });
  await run.then(
    (x) => x.dispose(),
    (error: unknown) => {
      if (!abort.signal.aborted) throw error;
    },
  );
  return timings;
}

/**
 * Whole DPM-Solver++ 20 runs as users get them: @diffbatt/pipeline's generateCurves, samplesPerCell curves
 * per cell in batches of at most 256 rows, on `workers` threads (their start-up included).
 */
async function solverTimings(): Promise<Timings> {
  const matrices = tf.tidy(() => tf.unstack(tf.reshape(condition.capacityMatrix, [TEST_CELLS, 100 * 100])));
  const conditions = await Promise.all(matrices.map((m) => m.data<'float32'>()));
  tf.dispose(matrices);
  return timed(
    async () => {
      await generateCurves({
        model,
        config: DEFAULT_UNET_CONFIG,
        conditions,
        samplesPerCell,
        sampler: { kind: 'dpm-solver++', steps: SOLVER_STEPS },
        guidanceWeight: GUIDANCE_WEIGHT,
        seed: 0,
        workers,
      });
    },
    solverRepeats,
    0, // the network is already warm from the DDPM steps
  );
}

const tensorsBeforeTraining = tf.memory().numTensors;
const train = await trainingStepTimings();
const tensorsLeakedByTraining = tf.memory().numTensors - tensorsBeforeTraining;
const tensorsBeforeSampling = tf.memory().numTensors;
const ddpmStep = await ddpmStepTimings();
const solver = await solverTimings();
const tensorsLeakedBySampling = tf.memory().numTensors - tensorsBeforeSampling;
const tensorsBeforeCounting = tf.memory().numTensors;
// The count does not depend on the backend; two more steps on the pure-JS cpu backend would take minutes.
const trainFlops = report.backend === 'cpu' ? undefined : await trainingStepFlops();
const sgemm = await sgemmGflops();
if (tf.memory().numTensors !== tensorsBeforeCounting)
  throw new Error('the FLOP count or sgemm probe leaked tensors');

console.log(
  JSON.stringify({
    implementation: `tfjs ${tf.version.tfjs} ${report.backend}`,
    backend: report.backend,
    // wasm and cpu run on one thread under Node; libtensorflow (tfjs-node) uses every core by default.
    threads: report.backend === 'wasm' || report.backend === 'cpu' ? workers : cpus().length * workers,
    workers,
    parameters: model.countParams(),
    trainStepMs: train.wall,
    trainStepCpuMs: train.cpu,
    ddpmStepMs: ddpmStep.wall,
    ddpmStepCpuMs: ddpmStep.cpu,
    solverSteps: SOLVER_STEPS,
    solverSamplesPerCell: samplesPerCell,
    solverMs: solver.wall,
    solverCpuMs: solver.cpu,
    ...(trainFlops === undefined
      ? {}
      : { trainStepFlops: trainFlops.total, trainStepFlopsByKernel: trainFlops.byKernel }),
    sgemmGflops: sgemm,
    tensorsLeakedByTraining,
    tensorsLeakedBySampling,
  }),
);
