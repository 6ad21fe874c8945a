import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DiffBattError, writeFileAtomic } from '@diffbatt/core';
import * as tf from '@tensorflow/tfjs';
import { type } from 'arktype';
import { type DiffBattUNetConfig, parseUNetConfig } from './config.js';
import { registerDiffBattLayers } from './layers/register.js';
import { buildDiffBattUNet, minimumParameterCount } from './unet.js';

/**
 * A saved model directory holds the standard tfjs layers-model files (`model.json` with the topology and
 * weights manifest, `weights.bin`) plus `diffbatt.json`: the U-Net config and free-form provenance (where
 * the weights came from: a training run, a Keras import, ...).
 */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const DIFFBATT_JSON = 'diffbatt.json';
const FORMAT = 'diffbatt-unet';
const FORMAT_VERSION = 1;

export type ModelProvenance = Record<string, string | number | boolean | null>;

export interface SavedModelMetadata {
  config: DiffBattUNetConfig;
  provenance: ModelProvenance;
}

export interface LoadedDiffBattModel extends SavedModelMetadata {
  model: tf.LayersModel;
}

function weightDataBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/**
 * Saves `model` to `dir` (created if missing): model.json + weights.bin in the tfjs layers format, and
 * diffbatt.json with `config` and `provenance`. Each file is written atomically.
 */
export async function saveDiffBattModel(
  model: tf.LayersModel,
  dir: string,
  metadata: { config: Partial<DiffBattUNetConfig>; provenance?: ModelProvenance },
): Promise<void> {
  const config = parseUNetConfig(metadata.config, 'saveDiffBattModel');
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined) throw new Error('tfjs did not hand over the model artifacts');
  const modelJson = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  const info = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    config,
    parameterCount: model.countParams(),
    provenance: metadata.provenance ?? {},
  };
  await writeFileAtomic(join(dir, WEIGHTS_BIN), weightDataBytes(artifacts.weightData));
  await writeFileAtomic(join(dir, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
  await writeFileAtomic(join(dir, DIFFBATT_JSON), `${JSON.stringify(info, null, 2)}\n`);
}

const diffbattJsonSchema = type({
  format: `'${FORMAT}'`,
  formatVersion: 'number.integer',
  config: 'object',
  'provenance?': 'Record<string, string | number | boolean | null>',
});

const modelJsonSchema = type({
  modelTopology: 'object',
  weightsManifest: type({
    paths: 'string[]',
    weights: type({ name: 'string', shape: 'number[]', dtype: 'string' }).array(),
  }).array(),
});

/**
 * The largest model.json or diffbatt.json read (the bundled model's are 83 KB and 1 KB): a larger one is
 * damaged or hostile, and reading it whole would take that much memory several times over.
 */
export const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_MODEL_JSON_BYTES) {
      throw new DiffBattError(
        `${size} bytes: more than the ${MAX_MODEL_JSON_BYTES} a model's JSON file may have; refusing to read it`,
        { file: path },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof DiffBattError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DiffBattError(code === 'ENOENT' ? 'file not found' : `cannot read: ${code}`, { file: path });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DiffBattError(`not valid JSON: ${(error as Error).message}`, { file: path });
  }
}

function checked<T>(schema: (input: unknown) => T | type.errors, value: unknown, file: string): T {
  const result = schema(value);
  if (result instanceof type.errors) {
    throw new DiffBattError(result[0]!.message, { file, field: result[0]!.path.join('.') || undefined });
  }
  return result;
}

/** Whether `target` is not strictly inside `dir` (both absolute). */
function outside(dir: string, target: string): boolean {
  const fromDir = relative(dir, target);
  return fromDir === '' || fromDir.split(sep)[0] === '..' || isAbsolute(fromDir);
}

function escapeError(path: string, manifestFile: string, how: string): DiffBattError {
  return new DiffBattError(`weights path "${path}" ${how}; refusing to read it`, {
    file: manifestFile,
    field: 'weightsManifest.paths',
  });
}

/** A weights path from a manifest, resolved inside `dir`; anything that would leave it is refused. */
function weightsPathInside(dir: string, path: string, manifestFile: string): string {
  const target = resolve(dir, path);
  if (
    path.length === 0 ||
    /^[a-z][a-z0-9+.-]*:/i.test(path) ||
    isAbsolute(path) ||
    outside(resolve(dir), target)
  ) {
    throw escapeError(path, manifestFile, 'leaves the model directory');
  }
  return target;
}

/** Reads a weights file, refusing one that a symbolic link takes outside the model directory. */
async function readWeightsFile(dir: string, path: string, manifestFile: string): Promise<Buffer> {
  try {
    if (outside(await realpath(dir), await realpath(path))) {
      throw escapeError(relative(dir, path), manifestFile, 'leaves the model directory through a link');
    }
    return await readFile(path);
  } catch (error) {
    if (error instanceof DiffBattError) throw error;
    throw new DiffBattError(`cannot read weights: ${(error as NodeJS.ErrnoException).code}`, { file: path });
  }
}

/**
 * Loads a model saved by `saveDiffBattModel` (or written by the Keras importer). Refuses, with a
 * DiffBattError naming the file, a weights manifest whose paths leave `dir`, and weights that do not fit
 * the U-Net described by diffbatt.json's config.
 */
export async function loadDiffBattModel(dir: string): Promise<LoadedDiffBattModel> {
  registerDiffBattLayers();
  const infoFile = join(dir, DIFFBATT_JSON);
  const info = checked(diffbattJsonSchema, await readJson(infoFile), infoFile);
  if (info.formatVersion !== FORMAT_VERSION) {
    throw new DiffBattError(
      `format version ${info.formatVersion} is not supported (this version reads ${FORMAT_VERSION})`,
      { file: infoFile, field: 'formatVersion' },
    );
  }
  const config = parseUNetConfig(info.config, infoFile);

  const manifestFile = join(dir, MODEL_JSON);
  const modelJson = checked(modelJsonSchema, await readJson(manifestFile), manifestFile);
  const weightSpecs = modelJson.weightsManifest.flatMap(
    (group) => group.weights,
  ) as tf.io.WeightsManifestEntry[];
  const paths = modelJson.weightsManifest.flatMap((group) =>
    group.paths.map((path) => weightsPathInside(dir, path, manifestFile)),
  );
  const manifestParameters = weightSpecs.reduce((sum, spec) => sum + elementCount(spec), 0);
  assertWeightsFitConfig(weightSpecs, manifestParameters, config, manifestFile);

  const buffers = await Promise.all(paths.map((path) => readWeightsFile(dir, path, manifestFile)));
  const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((buffer) => new Uint8Array(buffer).buffer));
  const expectedBytes = 4 * manifestParameters;
  if (weightData.byteLength !== expectedBytes) {
    throw new DiffBattError(
      `weights files hold ${weightData.byteLength} bytes but the manifest describes ${expectedBytes}`,
      { file: manifestFile },
    );
  }
  assertFiniteWeights(
    weightSpecs,
    new Float32Array(weightData.slice(0, weightData.byteLength)),
    manifestFile,
  );
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightSpecs,
        weightData,
      }),
    );
    return { model, config, provenance: info.provenance ?? {} };
  } catch (error) {
    throw new DiffBattError(`cannot rebuild the model: ${(error as Error).message}`, { file: manifestFile });
  }
}

/** Values in one manifest weight (the product of its shape). */
function elementCount(spec: tf.io.WeightsManifestEntry): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/**
 * A NaN or infinite weight makes every sample NaN, which downstream reads as SOH 0 and a confident wrong
 * life: refuse such a model at load, naming the first bad weight.
 */
function assertFiniteWeights(
  specs: readonly tf.io.WeightsManifestEntry[],
  values: Float32Array,
  manifestFile: string,
): void {
  let offset = 0;
  for (const spec of specs) {
    const size = elementCount(spec);
    for (let i = offset; i < offset + size; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new DiffBattError(
          `weight ${spec.name} holds ${values[i]} at element ${i - offset}: the model is damaged`,
          { file: manifestFile },
        );
      }
    }
    offset += size;
  }
}

/** Compares the manifest's weights (names, shapes, dtypes) with those of the U-Net the config describes. */
function assertWeightsFitConfig(
  specs: readonly tf.io.WeightsManifestEntry[],
  held: number,
  config: DiffBattUNetConfig,
  manifestFile: string,
): void {
  const needed = minimumParameterCount(config);
  if (needed > held) {
    // Checked before building: a config much larger than its weights would allocate it all first.
    throw new DiffBattError(
      `the config in ${DIFFBATT_JSON} needs at least ${needed} parameters but the weights hold ${held}`,
      { file: manifestFile },
    );
  }
  const reference = buildDiffBattUNet(config);
  const expected = new Map(reference.weights.map((weight) => [weight.originalName, weight.shape]));
  reference.dispose();
  const mismatch = (message: string) =>
    new DiffBattError(`the weights do not match the config in ${DIFFBATT_JSON}: ${message}`, {
      file: manifestFile,
    });
  const seen = new Set<string>();
  for (const spec of specs) {
    const shape = expected.get(spec.name);
    if (shape === undefined) throw mismatch(`weight "${spec.name}" has no place in that network`);
    if (spec.dtype !== 'float32') throw mismatch(`weight "${spec.name}" is ${spec.dtype}, expected float32`);
    if (shape.join(',') !== spec.shape.join(',')) {
      throw mismatch(`weight "${spec.name}" has shape [${spec.shape}], the config needs [${shape}]`);
    }
    seen.add(spec.name);
  }
  const missing = [...expected.keys()].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw mismatch(`${missing.length} weights missing, e.g. "${missing[0]}"`);
  }
}
