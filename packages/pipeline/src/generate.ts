import { CAPACITY_MATRIX_VOLTAGE_POINTS, DiffBattError, SOH_CURVE_LENGTH } from '@diffbatt/core';
import {
  createNoiseSchedule,
  createScheduler,
  deriveSeed,
  type SamplerConfig,
  sample,
} from '@diffbatt/diffusion';
import { monotoneProjection, whittakerSmoothing } from '@diffbatt/eval';
import {
  type CapacityCondition,
  concatCapacityConditions,
  type DiffBattUNetConfig,
  diffBattDenoiser,
  dropCapacityCondition,
} from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import type { SamplingJob } from './sampling-messages.js';
import { startSamplingPool } from './sampling-pool.js';
import { packValues } from './weights.js';
import { defaultWorkers, shardRows } from './worker-pool.js';

export interface GenerateInput {
  model: tf.LayersModel;
  config: DiffBattUNetConfig;
  /** Per cell: its capacity matrix (row-major `[rows, 100]`), or null for an unconditional curve. */
  conditions: readonly (Float32Array | null)[];
  samplesPerCell: number;
  sampler: SamplerConfig;
  /** DiffBatt's w: eps = (1 + w) eps_cond - w eps_uncond; 0 = conditional model only. */
  guidanceWeight: number;
  seed: number;
  /** Rows per network call; larger is faster until memory runs out. */
  maxBatch?: number;
  /**
   * Worker threads that share the curves (default: one per core on the wasm and cpu backends when the
   * job is large enough to repay starting them, else 1 = this thread). The curves do not depend on it.
   */
  workers?: number;
  /** Curve-steps done over all curves (curves x sampler steps), for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Projects every curve onto the nearest curve that never rises, in least squares (`monotoneProjection`
   * of @diffbatt/eval: isotonic regression over the points before the curve's end of data; the padding is
   * left as it is). Default false: the original DiffBatt returns its samples as drawn.
   */
  monotone?: boolean;
  /**
   * Whittaker-Henderson smoothing penalty (`whittakerSmoothing` of @diffbatt/eval, in 10-cycle curve
   * points): every curve's observed points are smoothed with it, before the monotone projection when both
   * are set. Default 0 = off: the original DiffBatt returns its samples as drawn.
   */
  smoothing?: number;
  /**
   * Further networks pooled with `model` (a seed ensemble): each cell's `samplesPerCell` curves are shared
   * out in order between `model` and these, in contiguous blocks (the first networks draw one more when the
   * count does not divide), and summarised together. Curve j of cell c keeps its seed `deriveSeed(seed, c,
   * j)` whichever network draws it. The networks must take the same capacity-matrix size; each samples in
   * its own prediction type.
   */
  ensemble?: readonly EnsembleMember[];
}

/** A network of an ensemble: its weights and configuration, as `model` and `config` of `GenerateInput`. */
export interface EnsembleMember {
  model: tf.LayersModel;
  config: DiffBattUNetConfig;
}

export const DEFAULT_MAX_BATCH = 256;
/** Below this many curve-steps per worker (about 2 s of wasm work) a worker costs more than it saves. */
export const MIN_CURVE_STEPS_PER_WORKER = 2000;

/** One curve to draw: its condition (null = unconditional) and its own seed. */
export interface CurveRow {
  condition: Float32Array | null;
  seed: number;
}

/**
 * Draws the curves of `rows` in this thread, in batches of at most `maxBatch` rows, each row from its own
 * seed (so the result does not depend on the batching). Returns the curves packed `[rows, 256]`.
 */
export async function sampleCurveRows(
  model: tf.LayersModel,
  config: DiffBattUNetConfig,
  rows: readonly CurveRow[],
  options: { sampler: SamplerConfig; guidanceWeight: number; maxBatch: number },
  onProgress?: (curveStepsDone: number) => void,
): Promise<Float32Array> {
  const schedule = createNoiseSchedule({ kind: 'linear' });
  const denoiser = diffBattDenoiser(model);
  const matrixSize = config.capacityMatrixRows * CAPACITY_MATRIX_VOLTAGE_POINTS;
  const out = new Float32Array(rows.length * SOH_CURVE_LENGTH);
  let done = 0;
  for (let start = 0; start < rows.length; start += options.maxBatch) {
    const part = rows.slice(start, start + options.maxBatch);
    const matrices = new Float32Array(part.length * matrixSize);
    const mask = new Float32Array(part.length * config.embeddingDim);
    for (const [i, { condition }] of part.entries()) {
      if (condition === null) continue; // zero mask and matrix: the unconditional model
      matrices.set(condition, i * matrixSize);
      mask.fill(1, i * config.embeddingDim, (i + 1) * config.embeddingDim);
    }
    const condition: CapacityCondition = {
      capacityMatrix: tf.tensor4d(matrices, [
        part.length,
        config.capacityMatrixRows,
        CAPACITY_MATRIX_VOLTAGE_POINTS,
        1,
      ]),
      mask: tf.tensor2d(mask, [part.length, config.embeddingDim]),
    };
    try {
      const curves = await sample({
        schedule,
        denoiser,
        shape: [part.length, SOH_CURVE_LENGTH, 1],
        condition,
        seed: 0,
        rowSeeds: part.map((row) => row.seed),
        sampler: options.sampler,
        predictionType: config.predictionType, // the model's own parameterisation
        ...(options.guidanceWeight === 0
          ? {}
          : {
              guidance: {
                weight: options.guidanceWeight,
                drop: dropCapacityCondition,
                concat: concatCapacityConditions,
              },
            }),
        onStep: async () => {
          done += part.length;
          onProgress?.(done);
          // Let the event loop breathe so progress output is flushed between steps.
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
      out.set(await curves.data<'float32'>(), start * SOH_CURVE_LENGTH);
      curves.dispose();
    } finally {
      tf.dispose([condition.capacityMatrix, condition.mask]);
    }
  }
  return out;
}

/**
 * Draws `samplesPerCell` SOH curves for every cell. Curve j of cell c is drawn from its own seed,
 * `deriveSeed(seed, c, j)`, so it is the same whatever the batch size and worker count (up to the float
 * rounding of batch-size-dependent kernels). Returns `[cell][sample]` curves in the model's encoding
 * (2*SOH - 1), smoothed when `smoothing` is above 0, then projected onto never-rising curves when `monotone`
 * is set. A NaN or infinite value in any curve fails the whole call: downstream it would read as SOH 0 and a
 * confident, wrong cycle life.
 */
export async function generateCurves(input: GenerateInput): Promise<Float32Array[][]> {
  const { samplesPerCell, conditions } = input;
  const members: EnsembleMember[] = [{ model: input.model, config: input.config }, ...(input.ensemble ?? [])];
  checkEnsemble(members, samplesPerCell);
  const smoothing = input.smoothing ?? 0;
  if (!(Number.isFinite(smoothing) && smoothing >= 0)) {
    throw new DiffBattError(`the smoothing penalty must be a finite number >= 0, got ${smoothing}`);
  }
  const maxBatch = input.maxBatch ?? DEFAULT_MAX_BATCH;
  const scheduler = createScheduler(createNoiseSchedule({ kind: 'linear' }), input.sampler);
  const stepsPerCurve = scheduler.timesteps.length;
  scheduler.dispose();
  const total = conditions.length * samplesPerCell * stepsPerCurve;
  const options = { sampler: input.sampler, guidanceWeight: input.guidanceWeight, maxBatch };
  // Row r of `packed` is curve j of cell c, r = c * samplesPerCell + j, whichever network drew it.
  const packed = new Float32Array(conditions.length * samplesPerCell * SOH_CURVE_LENGTH);
  let firstSample = 0;
  let doneBefore = 0;
  for (const [k, member] of members.entries()) {
    const share = Math.floor(samplesPerCell / members.length) + (k < samplesPerCell % members.length ? 1 : 0);
    const rows: CurveRow[] = conditions.flatMap((condition, cell) =>
      Array.from({ length: share }, (_, i) => ({
        condition,
        seed: deriveSeed(input.seed, cell, firstSample + i),
      })),
    );
    const curves = await drawRows(member, rows, options, total, input.workers, (done) =>
      input.onProgress?.(doneBefore + done, total),
    );
    for (let r = 0; r < rows.length; r++) {
      const target = Math.floor(r / share) * samplesPerCell + firstSample + (r % share);
      packed.set(
        curves.subarray(r * SOH_CURVE_LENGTH, (r + 1) * SOH_CURVE_LENGTH),
        target * SOH_CURVE_LENGTH,
      );
    }
    firstSample += share;
    doneBefore += rows.length * stepsPerCurve;
  }
  const bad = packed.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new DiffBattError(
      `the sampler produced ${packed[bad]} in curve ${Math.floor(bad / SOH_CURVE_LENGTH)}: ` +
        `the model's outputs overflow (damaged weights, or a guidance weight w = ${input.guidanceWeight} too large)`,
    );
  }
  const result: Float32Array[][] = conditions.map(() => []);
  for (let r = 0; r < conditions.length * samplesPerCell; r++) {
    const drawn = packed.subarray(r * SOH_CURVE_LENGTH, (r + 1) * SOH_CURVE_LENGTH);
    const curve = smoothing > 0 ? whittakerSmoothing(drawn, smoothing) : drawn.slice();
    result[Math.floor(r / samplesPerCell)]!.push(input.monotone ? monotoneProjection(curve) : curve);
  }
  return result;
}

/** Refuses an ensemble whose networks take different conditions, or with fewer curves than networks. */
function checkEnsemble(members: readonly EnsembleMember[], samplesPerCell: number): void {
  if (members.length === 1) return;
  const rows = members[0]!.config.capacityMatrixRows;
  const other = members.findIndex((m) => m.config.capacityMatrixRows !== rows);
  if (other > 0) {
    throw new DiffBattError(
      `ensemble network ${other} takes ${members[other]!.config.capacityMatrixRows}-row capacity matrices, ` +
        `the model ${rows}-row ones: an ensemble's networks must share the condition`,
      { field: 'ensemble' },
    );
  }
  if (samplesPerCell < members.length) {
    throw new DiffBattError(
      `${samplesPerCell} curve(s) per cell cannot be shared between ${members.length} networks: ` +
        `draw at least one per network`,
      { field: 'samplesPerCell' },
    );
  }
}

/**
 * Draws `rows` with one network, on worker threads when the whole job (`totalCurveSteps`, over every
 * network) is large enough to repay them; returns the curves packed `[rows, 256]`.
 */
async function drawRows(
  member: EnsembleMember,
  rows: readonly CurveRow[],
  options: { sampler: SamplerConfig; guidanceWeight: number; maxBatch: number },
  totalCurveSteps: number,
  requestedWorkers: number | undefined,
  onProgress: (curveStepsDone: number) => void,
): Promise<Float32Array> {
  const workers = Math.max(
    1,
    requestedWorkers === undefined
      ? Math.min(
          defaultWorkers(tf.getBackend()),
          Math.floor(totalCurveSteps / MIN_CURVE_STEPS_PER_WORKER),
          rows.length,
        )
      : Math.min(requestedWorkers, rows.length),
  );
  if (workers === 1) return sampleCurveRows(member.model, member.config, rows, options, onProgress);
  const pool = await startSamplingPool({
    workers,
    backend: tf.getBackend(),
    config: member.config,
    weights: await packValues(member.model.weights.map((w) => w.read())),
  });
  try {
    const parts = shardRows(rows.length, workers);
    const doneByWorker = parts.map(() => 0);
    const results = await Promise.all(
      parts.map((part, k) => {
        const job: SamplingJob = {
          kind: 'sample',
          ...options,
          rows: rows.slice(part.offset, part.offset + part.rows),
        };
        return pool.request<{ kind: 'curves'; curves: Float32Array }>(k, job, (done) => {
          doneByWorker[k] = done;
          onProgress(doneByWorker.reduce((a, b) => a + b, 0));
        });
      }),
    );
    const packed = new Float32Array(rows.length * SOH_CURVE_LENGTH);
    for (const [k, part] of parts.entries()) packed.set(results[k]!.curves, part.offset * SOH_CURVE_LENGTH);
    return packed;
  } finally {
    await pool.close();
  }
}
