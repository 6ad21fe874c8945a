import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMA_DECAY, ExponentialMovingAverage, emaWarmupDecay } from './index.js';

const f = Math.fround;

describe('ExponentialMovingAverage', () => {
  it('starts at the weights and averages shadow = decay * shadow + (1 - decay) * weight in float32', async () => {
    const weight = tf.variable(tf.tensor1d([1, 2]));
    const ema = new ExponentialMovingAverage([weight], { decay: 0.9 });
    expect(Array.from(await ema.shadowVariables[0]!.data())).toEqual([1, 2]);
    expect(ema.shadowVariables[0]!.trainable).toBe(false);
    weight.assign(tf.tensor1d([3, 6]));
    ema.update();
    const expected = [
      [1, 3],
      [2, 6],
    ].map(([shadow, w]) => f(f(f(0.9) * shadow!) + f(f(1 - 0.9) * w!)));
    expect(Array.from(await ema.shadowVariables[0]!.data())).toEqual(expected);
    expect(Array.from(await weight.data())).toEqual([3, 6]);
    ema.dispose();
    weight.dispose();
  });

  it('defaults to decay 0.999 and rejects decays outside [0, 1]', () => {
    const weight = tf.variable(tf.zeros([1]));
    const ema = new ExponentialMovingAverage([weight]);
    expect(ema.decay).toBe(DEFAULT_EMA_DECAY);
    expect(DEFAULT_EMA_DECAY).toBe(0.999);
    expect(() => new ExponentialMovingAverage([weight], { decay: 1.5 })).toThrow(/decay must be in \[0, 1\]/);
    ema.dispose();
    weight.dispose();
  });

  it('swaps the shadow weights in for a call and restores the trained ones, also on error', async () => {
    const weight = tf.variable(tf.tensor1d([1, 1]));
    const ema = new ExponentialMovingAverage([weight], { decay: 0 }); // shadow follows the weight exactly
    weight.assign(tf.tensor1d([5, 5]));
    ema.update();
    weight.assign(tf.tensor1d([7, 7]));
    const before = tf.memory().numTensors;
    const seen = await ema.withShadowWeights(async () => Array.from(await weight.data()));
    expect(seen).toEqual([5, 5]);
    expect(Array.from(await weight.data())).toEqual([7, 7]);
    await expect(
      ema.withShadowWeights(() => {
        throw new Error('sampling failed');
      }),
    ).rejects.toThrow('sampling failed');
    expect(Array.from(await weight.data())).toEqual([7, 7]);
    expect(Array.from(await ema.shadowVariables[0]!.data())).toEqual([5, 5]);
    expect(tf.memory().numTensors).toBe(before);
    ema.dispose();
    weight.dispose();
  });

  it('loads shadow weights from a checkpoint, checking every shape before changing any', async () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([2, 2]));
    const ema = new ExponentialMovingAverage([a, b]);
    const good = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    ema.setShadowWeights([Float32Array.of(9, 8), good]);
    good.dispose(); // the EMA keeps its own copy
    expect(Array.from(await ema.shadowVariables[0]!.data())).toEqual([9, 8]);
    expect(Array.from(await ema.shadowVariables[1]!.data())).toEqual([1, 2, 3, 4]);
    expect(() => ema.setShadowWeights([Float32Array.of(0, 0), Float32Array.of(1, 2, 3)])).toThrow(
      /shadow weight 1 .* has shape \[2,2\], got 3 values/,
    );
    expect(Array.from(await ema.shadowVariables[0]!.data())).toEqual([9, 8]); // unchanged
    expect(() => ema.setShadowWeights([Float32Array.of(0, 0)])).toThrow(/has 2 shadow weights, got 1/);
    ema.dispose();
    tf.dispose([a, b]);
  });
});

describe('emaWarmupDecay', () => {
  it('starts near 0.1, grows as (1 + n) / (10 + n) and is capped at the maximum', () => {
    expect(emaWarmupDecay(0)).toBeCloseTo(0.1, 12);
    expect(emaWarmupDecay(90)).toBeCloseTo(0.91, 12);
    expect(emaWarmupDecay(100_000)).toBe(0.999);
    expect(emaWarmupDecay(100_000, 0.99)).toBe(0.99);
  });

  it('is the decay a per-step override applies', () => {
    const weight = tf.variable(tf.scalar(0));
    const ema = new ExponentialMovingAverage([weight], { decay: 0.999 });
    weight.assign(tf.scalar(1));
    ema.update(emaWarmupDecay(0));
    expect(ema.shadowVariables[0]!.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(() => ema.update(1.5)).toThrow(/EMA decay must be in \[0, 1\]/);
    ema.dispose();
    weight.dispose();
  });
});
