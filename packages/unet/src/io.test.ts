import { cp, mkdtemp, readdir, readFile, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffBattError } from '@diffbatt/core';
import { selectBackend } from '@diffbatt/core/backend';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDiffBattUNet,
  type DiffBattUNetConfig,
  loadDiffBattModel,
  parseUNetConfig,
  saveDiffBattModel,
} from './index.js';
import { minimumParameterCount } from './unet.js';

let root: string;
let savedDir: string;
let modelBefore: tf.LayersModel;
const config = { capacityMatrixRows: 20 as const };

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'diffbatt-unet-io-'));
  savedDir = join(root, 'saved');
  const model = buildDiffBattUNet(config, { seed: 3 });
  // Non-trivial weights everywhere (the zero-initialised convs would hide a mix-up).
  for (const weight of model.weights)
    weight.write(tf.randomNormal(weight.shape as number[], 0, 0.1, 'float32', 11));
  await saveDiffBattModel(model, savedDir, { config, provenance: { source: 'unit test', seed: 3 } });
  modelBefore = model;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function synthetic(batch: number): tf.Tensor[] {
  return [
    tf.randomNormal([batch, 256, 1], 0, 1, 'float32', 1),
    tf.tensor1d([0, 999], 'int32'),
    tf.randomNormal([batch, 20, 100, 1], 0, 0.01, 'float32', 2),
    tf.tensor2d([Array(32).fill(1), Array(32).fill(0)]),
  ];
}

/** A copy of the saved model whose model.json / diffbatt.json the test may edit. */
async function copyOfSaved(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(savedDir, dir, { recursive: true });
  return dir;
}

async function editJson(path: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(path, JSON.stringify(json));
}

describe('saveDiffBattModel / loadDiffBattModel', () => {
  it('writes the tfjs layers format plus diffbatt.json', async () => {
    expect((await readdir(savedDir)).sort()).toEqual(['diffbatt.json', 'model.json', 'weights.bin']);
    const info = JSON.parse(await readFile(join(savedDir, 'diffbatt.json'), 'utf8'));
    expect(info.config.capacityMatrixRows).toBe(20);
    expect(info.parameterCount).toBe(478_369);
  });

  it('loads a model that computes exactly the same outputs, with config and provenance', async () => {
    const { model, config: loadedConfig, provenance } = await loadDiffBattModel(savedDir);
    expect(loadedConfig.capacityMatrixRows).toBe(20);
    expect(loadedConfig.widths).toEqual([8, 16, 32, 64]);
    expect(provenance).toEqual({ source: 'unit test', seed: 3 });
    const inputs = synthetic(2);
    const before = (modelBefore.apply(inputs) as tf.Tensor).dataSync();
    const after = (model.apply(inputs) as tf.Tensor).dataSync();
    expect(Math.max(...before.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it.each([
    ['a parent directory', '../weights.bin'],
    ['a nested escape', 'sub/../../weights.bin'],
    ['an absolute path', '/etc/passwd'],
    ['a URL', 'file:///etc/passwd'],
  ])('refuses a weights manifest path into %s', async (_, path) => {
    const dir = await copyOfSaved(`escape-${path.replace(/\W/g, '_')}`);
    await editJson(join(dir, 'model.json'), (json) => {
      (json['weightsManifest'] as { paths: string[] }[])[0]!.paths = [path];
    });
    const load = loadDiffBattModel(dir);
    await expect(load).rejects.toBeInstanceOf(DiffBattError);
    await expect(load).rejects.toThrow(/model\.json.*leaves the model directory/);
  });

  it('refuses a weights file that a symbolic link takes outside the directory', async () => {
    const dir = await copyOfSaved('escape-link');
    await rename(join(dir, 'weights.bin'), join(root, 'outside.bin'));
    await symlink(join(root, 'outside.bin'), join(dir, 'weights.bin'));
    await expect(loadDiffBattModel(dir)).rejects.toThrow(
      /model\.json, field "weightsManifest\.paths": weights path "weights\.bin" leaves the model directory through a link/,
    );
  });

  it('reads a weights file name that merely starts with two dots', async () => {
    const dir = await copyOfSaved('dotted-name');
    await rename(join(dir, 'weights.bin'), join(dir, '..weights.bin'));
    await editJson(join(dir, 'model.json'), (json) => {
      (json['weightsManifest'] as { paths: string[] }[])[0]!.paths = ['..weights.bin'];
    });
    await expect(loadDiffBattModel(dir)).resolves.toHaveProperty('model');
  });

  it('refuses a config that does not match the weights', async () => {
    const dir = await copyOfSaved('wrong-config');
    await editJson(join(dir, 'diffbatt.json'), (json) => {
      (json['config'] as Record<string, unknown>)['capacityMatrixRows'] = 100;
      (json['config'] as Record<string, unknown>)['widths'] = [8, 16, 32, 32];
    });
    await expect(loadDiffBattModel(dir)).rejects.toThrow(
      /model\.json: the weights do not match the config in diffbatt\.json: weight "conv1d_20\/kernel" has shape \[3,32,64\], the config needs \[3,32,32\]/,
    );
  });

  it('refuses a config far larger than its weights before building it (widths 1024..8192)', async () => {
    const dir = await copyOfSaved('oversized-config');
    await editJson(join(dir, 'diffbatt.json'), (json) => {
      (json['config'] as Record<string, unknown>)['widths'] = [1024, 2048, 4096, 8192];
    });
    // Building that network would take ~5 GB (it used to end in a wasm abort); the manifest holds ~0.48 M.
    const before = tf.memory().numBytes;
    await expect(loadDiffBattModel(dir)).rejects.toThrow(
      /model\.json: the config in diffbatt\.json needs at least 1\d{9} parameters but the weights hold 478369/,
    );
    expect(tf.memory().numBytes).toBe(before);
  });

  it.each([
    [
      'embeddingDim',
      2 ** 24,
      /diffbatt\.json, field "embeddingDim": invalid U-Net config: embeddingDim must be at most 16384/,
    ],
    [
      'sequenceLength',
      2 ** 30,
      /diffbatt\.json, field "sequenceLength": invalid U-Net config: sequenceLength must be at most 65536/,
    ],
    ['embeddingDim', 4096, /needs at least \d+ parameters but the weights hold 478369/],
  ])('refuses %s %d, which tfjs would fail to allocate, with one line', async (field, value, message) => {
    const dir = await copyOfSaved(`huge-${field}-${value}`);
    await editJson(join(dir, 'diffbatt.json'), (json) => {
      (json['config'] as Record<string, unknown>)[field] = value;
    });
    await expect(loadDiffBattModel(dir)).rejects.toThrow(message);
  });

  it('refuses a diffbatt.json larger than 64 MiB without reading it', async () => {
    const dir = await copyOfSaved('huge-json');
    // A sparse file: its size says 65 MiB, no memory or disk is spent on it.
    await truncate(join(dir, 'diffbatt.json'), 65 * 2 ** 20);
    await expect(loadDiffBattModel(dir)).rejects.toThrow(
      /diffbatt\.json: 68157440 bytes: more than the 67108864 a model's JSON file may have; refusing to read it/,
    );
  });

  it('bounds the parameters of a config from below, within 8x for the original network', () => {
    const cases: [Partial<DiffBattUNetConfig>, number][] = [
      [{}, 8],
      [{ widths: [8, 16], hasAttention: [false, true], numResBlocks: 1 }, 20],
    ];
    for (const [partial, within] of cases) {
      const network = buildDiffBattUNet(partial);
      const bound = minimumParameterCount(parseUNetConfig(partial));
      expect(bound).toBeLessThanOrEqual(network.countParams());
      expect(bound).toBeGreaterThan(network.countParams() / within);
      network.dispose();
    }
  });

  it('names the field of an invalid config and a missing file', async () => {
    const dir = await copyOfSaved('bad-config');
    await editJson(join(dir, 'diffbatt.json'), (json) => {
      (json['config'] as Record<string, unknown>)['normGroups'] = 0;
    });
    await expect(loadDiffBattModel(dir)).rejects.toThrow(/diffbatt\.json, field "normGroups"/);
    await expect(loadDiffBattModel(join(root, 'nowhere'))).rejects.toThrow(/diffbatt\.json: file not found/);
  });

  it('refuses weights files shorter than the manifest', async () => {
    const dir = await copyOfSaved('truncated');
    const weights = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), weights.subarray(0, weights.length - 4));
    await expect(loadDiffBattModel(dir)).rejects.toThrow(/hold \d+ bytes but the manifest describes/);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses a model with one %s weight, naming the weight', async (label, value) => {
    const dir = await copyOfSaved(`non-finite-${label}`);
    const weights = await readFile(join(dir, 'weights.bin'));
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const first = manifest.weightsManifest[0].weights[0];
    const size = first.shape.reduce((a: number, b: number) => a * b, 1);
    // Element 3 of the second weight in the manifest.
    const second = manifest.weightsManifest[0].weights[1];
    const bad = new Float32Array(
      weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    );
    bad[size + 3] = value;
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(bad.buffer));
    const load = loadDiffBattModel(dir);
    await expect(load).rejects.toBeInstanceOf(DiffBattError);
    await expect(load).rejects.toThrow(
      `weight ${second.name} holds ${value} at element 3: the model is damaged`,
    );
  });
});
