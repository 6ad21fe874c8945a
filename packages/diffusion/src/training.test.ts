import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  createNoiseSchedule,
  type Denoiser,
  type DenoisingLossOptions,
  denoisingLoss,
  deriveSeed,
  ExponentialMovingAverage,
  lossGradients,
  qSample,
  trainingStep,
} from './index.js';
import { createToyDenoiser, dropLabel, mixtureBatch } from './testing/toy.js';

const schedule = createNoiseSchedule({ kind: 'linear' });

describe('denoisingLoss', () => {
  it('is the MSE between the predicted and the true noise of q_sample at uniform timesteps', async () => {
    const rows = 20_000;
    const x0 = tf.fill([rows, 1], 0.3);
    const seen: { noisy?: tf.Tensor; t?: tf.Tensor1D } = {};
    const denoiser: Denoiser<undefined> = (noisy, t) => {
      // Kept: denoisingLoss frees every tensor made inside it.
      seen.noisy = tf.keep(noisy.clone());
      seen.t = tf.keep(t.clone());
      return tf.zerosLike(noisy);
    };
    const before = tf.memory().numTensors;
    const loss = denoisingLoss({ schedule, denoiser, batch: { x0, condition: undefined }, seed: 5 });
    expect(tf.memory().numTensors).toBe(before + 3); // the loss and the two clones kept by the test
    const noise = tf.randomNormal([rows, 1], 0, 1, 'float32', deriveSeed(5, 2));
    const noisy = qSample(schedule, x0, seen.t!, noise);
    expect(Array.from(await seen.noisy!.data())).toEqual(Array.from(await noisy.data()));
    const expectedLoss = (await tf.mean(tf.square(noise)).data())[0]!;
    expect((await loss.data())[0]).toBeCloseTo(expectedLoss, 5);
    // Uniform over 0..999: mean 499.5, standard error 289 / sqrt(20000) = 2.
    const timesteps = Array.from(await seen.t!.data());
    const mean = timesteps.reduce((a, b) => a + b, 0) / rows;
    expect(Math.abs(mean - 499.5)).toBeLessThan(8);
    expect(Math.min(...timesteps)).toBe(0);
    expect(Math.max(...timesteps)).toBe(999);
    tf.dispose([x0, seen.noisy!, seen.t!, loss, noise, noisy]);
  });

  it('regresses v or x0 when asked, and weights rows by min-SNR-gamma', async () => {
    const rows = 64;
    const x0 = tf.randomNormal([rows, 3], 0, 1, 'float32', 4);
    let seenT: Int32Array = new Int32Array();
    const zero: Denoiser<undefined> = (noisy, t) => {
      seenT = t.dataSync() as Int32Array;
      return tf.zerosLike(noisy);
    };
    const lossOf = async (options: Partial<DenoisingLossOptions<undefined>>) => {
      const loss = denoisingLoss({
        schedule,
        denoiser: zero,
        batch: { x0, condition: undefined },
        seed: 6,
        ...options,
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    };
    // With a zero prediction the loss is the mean square of the target, row by row.
    const noise = (await tf
      .randomNormal([rows, 3], 0, 1, 'float32', deriveSeed(6, 2))
      .data()) as Float32Array;
    const clean = (await x0.data()) as Float32Array;
    const expected = (target: (row: number, i: number) => number, weight = (_t: number) => 1) => {
      let total = 0;
      for (let i = 0; i < rows * 3; i++) {
        const row = Math.floor(i / 3);
        total += weight(seenT[row]!) * target(seenT[row]!, i) ** 2;
      }
      return total / (rows * 3);
    };
    const alpha = (t: number) => schedule.sqrtAlphasCumprod[t]!;
    const sigma = (t: number) => schedule.sqrtOneMinusAlphasCumprod[t]!;
    const v = (t: number, i: number) => alpha(t) * noise[i]! - sigma(t) * clean[i]!;
    expect(await lossOf({ predictionType: 'v' })).toBeCloseTo(expected(v), 5);
    expect(await lossOf({ predictionType: 'sample' })).toBeCloseTo(
      expected((_t, i) => clean[i]!),
      5,
    );
    // min(SNR, 5) in x0 terms: epsilon rows weigh min(SNR, 5) / SNR, v rows min(SNR, 5) / (SNR + 1).
    const snr = (t: number) => schedule.alphasCumprod[t]! / (1 - schedule.alphasCumprod[t]!);
    const epsilonLoss = await lossOf({ minSnrGamma: 5 });
    expect(epsilonLoss).toBeCloseTo(
      expected(
        (_t, i) => noise[i]!,
        (t) => Math.min(snr(t), 5) / snr(t),
      ),
      5,
    );
    const vLoss = await lossOf({ predictionType: 'v', minSnrGamma: 5 });
    expect(vLoss).toBeCloseTo(
      expected(v, (t) => Math.min(snr(t), 5) / (snr(t) + 1)),
      5,
    );
    await expect(lossOf({ minSnrGamma: 0 })).rejects.toThrow(/minSnrGamma must be a finite number > 0/);
    x0.dispose();
  });

  it('drops each condition with the given probability through the caller rule, and never at p = 0', async () => {
    const rows = 10_000;
    const x0 = tf.zeros([rows, 1]);
    const label = tf.ones([rows, 1]) as tf.Tensor2D;
    let keptShare = Number.NaN;
    const denoiser: Denoiser<tf.Tensor2D> = (noisy, _t, condition) => {
      keptShare = tf.mean(condition).dataSync()[0]!;
      return tf.zerosLike(noisy);
    };
    const drops: tf.Tensor1D[] = [];
    const drop = (condition: tf.Tensor2D, keep: tf.Tensor1D) => {
      drops.push(tf.keep(keep.clone()));
      return dropLabel(condition, keep);
    };
    const lossWithDropout = (probability: number) =>
      denoisingLoss({
        schedule,
        denoiser,
        batch: { x0, condition: label },
        seed: 1,
        conditionDropout: { probability, drop },
      });
    tf.dispose(lossWithDropout(0.2));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.shape).toEqual([rows]);
    expect(new Set(await drops[0]!.data())).toEqual(new Set([0, 1]));
    expect(Math.abs(keptShare - 0.8)).toBeLessThan(0.016); // four standard errors (0.004)
    tf.dispose(lossWithDropout(0));
    expect(drops).toHaveLength(1);
    expect(keptShare).toBe(1);
    expect(() => lossWithDropout(1.2)).toThrow(/probability must be in \[0, 1\]/);
    tf.dispose([x0, label, ...drops]);
  });
});

describe('lossGradients over shards', () => {
  it('adds up to the whole batch: loss and gradient, however the batch is split', async () => {
    const toy = createToyDenoiser(3, schedule.timesteps);
    const batch = mixtureBatch(10, 4);
    const options = {
      schedule,
      denoiser: toy.denoiser,
      variables: toy.variables,
      seed: 7,
      conditionDropout: { probability: 0.3, drop: dropLabel },
    };
    const whole = await lossGradients({ ...options, batch });
    const before = tf.memory().numTensors;
    for (const cuts of [
      [0, 10],
      [0, 4, 10],
      [0, 1, 5, 9, 10],
    ]) {
      let loss = 0;
      let summed = whole.gradients.map((g) => tf.zerosLike(g));
      for (let i = 0; i + 1 < cuts.length; i++) {
        const [start, end] = [cuts[i]!, cuts[i + 1]!];
        const part = {
          x0: tf.slice(batch.x0, start, end - start),
          condition: tf.slice(batch.condition, start, end - start),
        };
        const shard = await lossGradients({
          ...options,
          batch: part,
          shard: { offset: start, totalRows: 10 },
        });
        loss += shard.loss;
        const next = summed.map((s, k) => tf.add(s, shard.gradients[k]!));
        tf.dispose([...summed, ...shard.gradients, part.x0, part.condition]);
        summed = next;
      }
      expect(loss).toBeCloseTo(whole.loss, 6);
      for (const [k, g] of whole.gradients.entries()) {
        const error = tf.tidy(() => tf.max(tf.abs(tf.sub(summed[k]!, g))).dataSync()[0]!);
        const scale = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!);
        expect(scale).toBeGreaterThan(0);
        expect(error).toBeLessThan(1e-5 * scale + 1e-7);
      }
      tf.dispose(summed);
    }
    expect(tf.memory().numTensors).toBe(before);
    // A part that does not fit its batch is refused.
    await expect(lossGradients({ ...options, batch, shard: { offset: 1, totalRows: 10 } })).rejects.toThrow(
      /does not fit a batch of 10/,
    );
    tf.dispose([...whole.gradients, batch.x0, batch.condition]);
    toy.dispose();
  });
});

describe('trainingStep', () => {
  const train = async (steps: number) => {
    const toy = createToyDenoiser(3, schedule.timesteps);
    const optimizer = tf.train.adam(1e-3);
    const ema = new ExponentialMovingAverage(toy.variables);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const batch = mixtureBatch(64, deriveSeed(10, step));
      losses.push(
        await trainingStep({
          schedule,
          denoiser: toy.denoiser,
          variables: toy.variables,
          optimizer,
          batch,
          seed: deriveSeed(11, step),
          conditionDropout: { probability: 0.2, drop: dropLabel },
          ema,
        }),
      );
      tf.dispose(batch);
    }
    return { toy, optimizer, ema, losses };
  };
  const release = ({ toy, optimizer, ema }: Awaited<ReturnType<typeof train>>) => {
    toy.dispose();
    optimizer.dispose();
    ema.dispose();
  };

  it('updates the weights and the EMA, and is reproducible from its seeds', async () => {
    const first = await train(3);
    const second = await train(3);
    expect(first.losses).toEqual(second.losses);
    expect(first.losses.every((loss) => Number.isFinite(loss) && loss > 0)).toBe(true);
    const initial = createToyDenoiser(3, schedule.timesteps);
    const [kernel, trained, shadow] = [
      initial.variables[0]!,
      first.toy.variables[0]!,
      first.ema.shadowVariables[0]!,
    ];
    const moved = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(moved(trained, kernel)).toBeGreaterThan(1e-3); // three Adam steps of lr 1e-3
    // After 3 steps of decay 0.999 the shadow has moved about 0.3% of the way towards the weights.
    expect(moved(shadow, kernel)).toBeGreaterThan(0);
    expect(moved(shadow, kernel)).toBeLessThan(moved(trained, kernel) * 0.01);
    for (const run of [first, second]) release(run);
    initial.dispose();
  });

  it('keeps the tensor count flat over 100 steps', async () => {
    const run = await train(1); // Adam creates its moment variables on the first step
    const before = tf.memory().numTensors;
    for (let step = 0; step < 100; step++) {
      const batch = mixtureBatch(32, step);
      await trainingStep({
        schedule,
        denoiser: run.toy.denoiser,
        variables: run.toy.variables,
        optimizer: run.optimizer,
        batch,
        seed: step,
        conditionDropout: { probability: 0.2, drop: dropLabel },
        ema: run.ema,
      });
      tf.dispose(batch);
    }
    expect(tf.memory().numTensors).toBe(before);
    release(run);
  });

  it('needs variables to train', async () => {
    const batch = mixtureBatch(2, 0);
    const denoiser: Denoiser<tf.Tensor2D> = (noisy) => noisy;
    await expect(
      trainingStep({ schedule, denoiser, variables: [], optimizer: tf.train.sgd(0.1), batch, seed: 0 }),
    ).rejects.toThrow(/at least one variable/);
    tf.dispose(batch);
  });
});
