import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@diffbatt/core/backend';
import { createScratchDirectory, type ScratchDirectory, syntheticSamples } from '@diffbatt/core/testing';
import { DEFAULT_TRAIN_SETTINGS, TRAIN_PRESETS, trainDiffBatt } from '@diffbatt/pipeline';
import { loadDiffBattModel } from '@diffbatt/unet';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOUNDATION_100X100_MODEL_DIR } from './index.js';

// The leakage-checked cell list the foundation must have been trained on (repository data, not published).
const cellList = fileURLToPath(new URL('../../../data/pretraining/foundation-100x100.json', import.meta.url));

let scratch: ScratchDirectory;
let backend: string;
beforeAll(async () => {
  scratch = await createScratchDirectory('diffbatt-model-foundation');
  backend = (await selectBackend()).backend;
});
afterAll(() => scratch.remove());

describe('the 100x100 foundation model', () => {
  it('loads as a DiffBatt U-Net for 100x100 capacity matrices with finite weights', async () => {
    const { model, config } = await loadDiffBattModel(FOUNDATION_100X100_MODEL_DIR);
    expect(config.capacityMatrixRows).toBe(100);
    for (const weight of model.weights) {
      expect(weight.read().dataSync().every(Number.isFinite), weight.name).toBe(true);
    }
    model.dispose();
  });

  it('was trained from scratch on exactly the leakage-checked foundation-100x100 cell list', () => {
    const run = JSON.parse(readFileSync(join(FOUNDATION_100X100_MODEL_DIR, 'run.json'), 'utf8'));
    expect(run.fromModelDir).toBeNull();
    expect(run.preset).toBe('fast');
    // A swapped-in network trained on other cells (a test cell among them) fails here.
    const listed = JSON.parse(readFileSync(cellList, 'utf8')).cells.map((cell: { id: string }) => cell.id);
    expect(run.trainCellIds).toEqual(listed);
  });

  it("fine-tunes with the README's recipe: the run starts from its weights and records them", async () => {
    const outDir = join(scratch.path, 'finetune');
    const result = await trainDiffBatt({
      samples: syntheticSamples(3, 7, 100), // SYNTHETIC cells: the mechanics, not accuracy
      dataDescription: 'synthetic test cells',
      outDir,
      fromModelDir: FOUNDATION_100X100_MODEL_DIR,
      settings: {
        ...DEFAULT_TRAIN_SETTINGS,
        ...TRAIN_PRESETS.fast.settings,
        steps: 2,
        checkpointEvery: 2,
        learningRate: 5e-4,
        learningRateWarmup: 100,
        learningRateDecay: 'cosine',
      },
      preset: 'fast',
      resume: false,
      backend,
      workers: 1,
    });
    expect(Number.isFinite(result.finalLoss)).toBe(true);
    const run = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8'));
    expect(run.fromModelDir).toBe(FOUNDATION_100X100_MODEL_DIR);
    const foundation = (await loadDiffBattModel(FOUNDATION_100X100_MODEL_DIR)).model;
    const tuned = (await loadDiffBattModel(result.modelDir)).model;
    // The fine-tuned network is the foundation's, moved a little: its config and size, not a fresh init.
    expect(tuned.countParams()).toBe(foundation.countParams());
    const tunedWeights = tuned.getWeights();
    const gap = foundation
      .getWeights()
      .map((w, i) => tf.tidy(() => w.sub(tunedWeights[i]!).abs().max().dataSync()[0]!));
    expect(Math.max(...gap)).toBeGreaterThan(0);
    expect(Math.max(...gap)).toBeLessThan(0.05);
    foundation.dispose();
    tuned.dispose();
  }, 120_000);
});
