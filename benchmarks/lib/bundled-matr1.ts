import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ModelSample, readDatasetFile } from '../../packages/core/src/index.js';
import { fail } from './args.js';
import { diffbattNodeArgs } from './cli.js';
import { REPOSITORY_ROOT } from './results.js';
import { SHARED } from './shared-cells.js';

/**
 * What the synthesis benchmarks share: the MATR-1 models (the bundled one, and the released DiffBatt
 * weights imported from ../shared as the reference of what the architecture can do), the bundled split,
 * the sampler, and `diffbatt synthesize` runs cached by their inputs.
 */

/** The bundled model (the package @diffbatt/model-matr1), relative to the repository root. */
export const MODEL = 'packages/model-matr1/model';
export const TRAIN = 'data/matr1/train.dbds';
export const TEST = 'data/matr1/test.dbds';
/** A `diffbatt synthesize` sampler setting (`steps` and `eta` only where the sampler takes them). */
export interface SamplerSetting {
  sampler: 'ddpm' | 'ddim' | 'dpm-solver++';
  steps?: number;
  eta?: number;
  clip: 'auto' | 'on' | 'off';
}

/** The synthesize defaults, spelled out so the results file says what ran. */
export const SAMPLER = { sampler: 'dpm-solver++', steps: 20, clip: 'auto' } as const satisfies SamplerSetting;

/** The released matr_1 EMA weights and where `diffbatt import` puts them (ignored out/ folder). */
const RELEASED_SOURCE = join(SHARED, 'data', 'diffbatt', 'trained_models', 'matr_1_ema_network');
const RELEASED_MODEL = 'out/released-matr_1/model';
/** Synthetic datasets by the hash of their inputs, shared by bench:synthesis and bench:augment. */
const CACHE = 'out/synthesis-cache';

export type SynthesisModelId = 'bundled' | 'released';
export const SYNTHESIS_MODEL_IDS: readonly SynthesisModelId[] = ['bundled', 'released'];

export interface SynthesisModel {
  id: SynthesisModelId;
  /** For tables and text. */
  name: string;
  /** Relative to the repository root. */
  directory: string;
  parameterCount: number;
  provenance: Record<string, unknown>;
}

/** `diffbatt <args>` from the repository root; its stdout, or the benchmark fails with its stderr. */
export function runDiffBatt(args: string[]): string {
  const child = spawnSync(process.execPath, diffbattNodeArgs(args), {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.status !== 0) {
    fail(`diffbatt ${args[0]} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  }
  return child.stdout;
}

/** `--models a,b`: each id checked, then `synthesisModel` of each, in the order given. */
export function synthesisModels(text: string): { ids: SynthesisModelId[]; models: SynthesisModel[] } {
  const ids = text.split(',').map((id) => id.trim()) as SynthesisModelId[];
  for (const id of ids) {
    if (!SYNTHESIS_MODEL_IDS.includes(id)) {
      fail(`--models: unknown model "${id}" (known: ${SYNTHESIS_MODEL_IDS.join(', ')})`);
    }
  }
  return { ids, models: ids.map(synthesisModel) };
}

/** The samples of a split that must hold measured cells only (the benchmark fails on a synthetic one). */
export async function readMeasuredSplit(path: string): Promise<ModelSample[]> {
  const { samples } = await readDatasetFile(join(REPOSITORY_ROOT, path));
  const synthetic = samples.find((s) => s.synthetic);
  if (synthetic) fail(`${path}: ${synthetic.cellId} is synthetic; this split must be measured cells`);
  return samples;
}

/** The model's folder, importing the released weights on first use (needs ../shared or DIFFBATT_SHARED). */
export function synthesisModel(id: SynthesisModelId): SynthesisModel {
  const directory = id === 'bundled' ? MODEL : RELEASED_MODEL;
  if (id === 'released' && !existsSync(join(REPOSITORY_ROOT, directory, 'diffbatt.json'))) {
    if (!existsSync(RELEASED_SOURCE)) {
      fail(`the released weights are not at ${RELEASED_SOURCE} (set DIFFBATT_SHARED, or --models bundled)`);
    }
    // Relative to the repository: the import records its source in the provenance that results carry.
    runDiffBatt(['import', relative(REPOSITORY_ROOT, RELEASED_SOURCE), '--out', directory]);
  }
  const info = JSON.parse(readFileSync(join(REPOSITORY_ROOT, directory, 'diffbatt.json'), 'utf8')) as {
    parameterCount: number;
    provenance: Record<string, unknown>;
  };
  return {
    id,
    name: id === 'bundled' ? `bundled model (${MODEL})` : 'released DiffBatt matr_1 EMA weights',
    directory,
    parameterCount: info.parameterCount,
    provenance: info.provenance,
  };
}

export interface SynthesisRequest {
  /** Cells whose capacity matrices condition the curves (`n` per cell); null: `n` unconditional curves. */
  condition: string | null;
  n: number;
  guidance: number;
  seed: number;
}

export interface Synthesis {
  samples: ModelSample[];
  /** Sampling seconds as the CLI reported them (NaN for a cached run's unknown). */
  seconds: number;
  backend: string;
  cached: boolean;
}

/**
 * `diffbatt synthesize` with `sampler` (default SAMPLER), read back as samples (each marked synthetic, with
 * its source cell). A run is cached under out/synthesis-cache by the hash of the model's files and every
 * input, so the synthesis benchmarks draw identical requests once; the curves do not depend on the worker count.
 */
export async function synthesize(
  model: SynthesisModel,
  request: SynthesisRequest,
  sampler: SamplerSetting = SAMPLER,
): Promise<Synthesis> {
  const hash = createHash('sha256');
  for (const file of ['model.json', 'weights.bin']) {
    hash.update(readFileSync(join(REPOSITORY_ROOT, model.directory, file)));
  }
  if (request.condition !== null) hash.update(readFileSync(join(REPOSITORY_ROOT, request.condition)));
  hash.update(JSON.stringify({ ...request, ...sampler }));
  const key = hash.digest('hex').slice(0, 24);
  const file = join(REPOSITORY_ROOT, CACHE, `${key}.dbds`);
  const record = `${file}.json`;
  let seconds = Number.NaN;
  let backend = 'unknown';
  const cached = existsSync(file) && existsSync(record);
  if (cached) {
    ({ seconds, backend } = JSON.parse(readFileSync(record, 'utf8')) as { seconds: number; backend: string });
  } else {
    mkdirSync(join(REPOSITORY_ROOT, CACHE), { recursive: true });
    const staging = `${file}.partial.dbds`;
    const stdout = runDiffBatt([
      'synthesize',
      '--model',
      model.directory,
      ...(request.condition === null ? [] : ['--condition', request.condition]),
      '--n',
      String(request.n),
      '--guidance',
      String(request.guidance),
      '--seed',
      String(request.seed),
      '--sampler',
      sampler.sampler,
      ...(sampler.steps === undefined ? [] : ['--steps', String(sampler.steps)]),
      ...(sampler.eta === undefined ? [] : ['--eta', String(sampler.eta)]),
      '--clip',
      sampler.clip,
      '--out',
      staging,
    ]);
    // The CLI's last line ends "... 3.6 s on wasm)"; the backend it names goes into the provenance.
    const done = /([\d.]+) s on ([\w-]+)\)/.exec(stdout);
    seconds = Number(done?.[1] ?? Number.NaN);
    backend = done?.[2] ?? 'unknown';
    renameSync(staging, file);
    writeRecord(record, { seconds, backend, model: model.directory, request, sampler });
  }
  const { meta, samples } = await readDatasetFile(file);
  if (meta['synthetic'] !== true || samples.some((s) => !s.synthetic)) {
    fail(`${file}: diffbatt synthesize wrote cells not marked synthetic`);
  }
  return { samples, seconds, backend, cached };
}

function writeRecord(file: string, record: unknown): void {
  const staging = `${file}.partial`;
  writeFileSync(staging, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(staging, file);
}
