/**
 * Accuracy benchmark (issues 9 and 14): DiffBatt models trained by OUR trainer on each split of the original
 * datasets, against the paper, the best BatteryML baseline and the released weights run through our port.
 *
 * Fixed-budget protocol (issue 14, the current one; its sample count was decided on held-out folds, see
 * benchmarks/samples-32/HEADER.md):
 *
 *   pnpm bench:accuracy --splits matr_1,matr_2,snl,cruh --preset fast --steps 6000 --samples 32 --seeds 0,1,2
 *                       [--workers 2] [--train-jobs 1] [--jobs 2] [--samplers ddpm,fast] [--no-train]
 *   pnpm bench:accuracy --model out/original-20k/model --splits matr_1 [--label original-20000-seed0]
 *
 * Per training set and seed: `diffbatt train --preset <p> --steps <n> --seed <s>` (`fast` and `original`
 * train on every training cell: no validation cells), resumable from its checkpoints in
 * <runs-dir>/<p>-<n>/<set>/seed-<s>; --workers goes to the trainer, and trainings run one at a time
 * (--train-jobs) because two wasm trainings side by side are slower than one after the other. The budget
 * <n> is fixed beforehand and the delivered network is the EMA at the last step: nothing is picked (a preset
 * with validation cells, `default`, is still picked on them as in the old protocol). The test split is
 * scored with DPM-Solver++ 20 steps, x0 clipped, w = 0, --samples per cell, median of samples (the model of
 * training seed s sampled with seed s), and with unguided DDPM-1000, one sample per cell, for the first
 * seed only; the released weights with the same settings. `--model <dir>` scores one existing model
 * instead (no training, sampled with every seed), named <preset>-<steps>-seed<s> from its provenance (or
 * --label). Writes benchmarks/results/accuracy-<split>-<p>-<n>.json per test split.
 *
 * Old protocol (issue 9: no --preset, no --model; it writes the files it always wrote):
 *
 *   pnpm bench:accuracy [--splits matr_1,matr_2] [--seeds 0,1,2] [--steps 5000] [--samplers ddpm,fast]
 *                       [--jobs 2] [--no-train]
 *
 * Per training set and seed: `diffbatt train` (the `default` recipe: validation cells carved from the
 * training split; EMA snapshots every 1000 steps; resumable), then model selection on the run's own
 * validation cells (snapshot step x guidance weight, by the peeking-free median-of-samples cycle-life RMSE
 * with the fast sampler), then `diffbatt test` on the test split with DDPM-1000 and DPM-Solver++ 20 (8
 * samples). Writes benchmarks/results/accuracy-<split>.json per test split.
 *
 * Both: matr_2's training split is matr_1's, so the matr_1 models also score matr_2's test split. Runs and
 * scores are cached under --runs-dir (default benchmarks/accuracy/runs/, ignored by git), so re-running
 * only does what is missing; BENCHMARKS.md is re-rendered at the end unless --results-dir sends the
 * results elsewhere (smoke runs). Needs ../shared (DIFFBATT_SHARED overrides the path).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TRAIN_SETTINGS,
  TRAIN_PRESET_NAMES,
  TRAIN_PRESETS,
  type TrainPresetName,
} from '../../packages/pipeline/src/index.js';
import { fail, isCount, numberList } from '../lib/args.js';
import { diffbattNodeArgs } from '../lib/cli.js';
import { PUBLISHED } from '../lib/published.js';
import {
  benchmarkProvenance,
  meanAndSpread,
  REPOSITORY_ROOT,
  RESULTS_DIR,
  writeBenchmarkResult,
} from '../lib/results.js';

const { values } = parseArgs({
  options: {
    splits: { type: 'string', default: 'matr_1,matr_2,snl,cruh,hust,crush' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string' },
    guidance: { type: 'string', default: '0,1,3' },
    jobs: { type: 'string', default: '2' },
    'train-jobs': { type: 'string', default: '1' },
    samplers: { type: 'string', default: 'ddpm,fast' },
    preset: { type: 'string' },
    model: { type: 'string' },
    label: { type: 'string' },
    samples: { type: 'string' },
    workers: { type: 'string' },
    'runs-dir': { type: 'string' },
    'results-dir': { type: 'string' },
    'no-train': { type: 'boolean', default: false },
  },
});
const shared = resolve(process.env.DIFFBATT_SHARED ?? join(REPOSITORY_ROOT, '..', 'shared'));
const dataDir = join(shared, 'data', 'diffbatt', 'data');
const releasedDir = join(shared, 'data', 'diffbatt', 'trained_models');
if (!existsSync(dataDir))
  fail(`bench:accuracy needs the original datasets at ${dataDir} (set DIFFBATT_SHARED)`);
const positive = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be an integer >= 1, got "${text}"`);
  return n;
};
const seeds = numberList('seeds', values.seeds, isCount, 'integers >= 0');
const guidanceWeights = numberList('guidance', values.guidance, (w) => w >= 0, 'numbers >= 0');
const jobs = positive('jobs', values.jobs);
const trainJobs = positive('train-jobs', values['train-jobs']);
const workers = values.workers === undefined ? undefined : positive('workers', values.workers);
const runsRoot = resolve(values['runs-dir'] ?? join(REPOSITORY_ROOT, 'benchmarks', 'accuracy', 'runs'));
const resultsDir = resolve(values['results-dir'] ?? RESULTS_DIR);

/**
 * What is run: the old protocol (`default` recipe, selection on validation cells, 8 samples), the fixed-
 * budget one with models trained here (`--preset`), or the fixed-budget one on a given model (`--model`).
 */
type Protocol =
  | { kind: 'selected'; steps: number }
  | { kind: 'trained'; preset: TrainPresetName; steps: number; samples: number; label: string }
  | { kind: 'given'; model: string; provenance: ModelProvenance; samples: number; label: string };

/** The fields of a saved model's provenance (`<model>/diffbatt.json`) used here. */
interface ModelProvenance {
  preset?: string;
  steps?: number;
  seed?: number;
  backend?: string;
  weights?: string;
  trainingSeconds?: number;
  validationCells?: number;
  trainCells?: number;
  data?: string;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const rel = (path: string) => relative(REPOSITORY_ROOT, path);

function protocolOfOptions(): Protocol {
  if (values.preset !== undefined && values.model !== undefined)
    fail("--model scores an existing model, whose preset and steps are its provenance's; drop --preset");
  if (values.preset === undefined && values.model === undefined) {
    for (const option of ['samples', 'label'] as const)
      if (values[option] !== undefined) fail(`--${option} belongs to --preset or --model runs`);
    return { kind: 'selected', steps: positive('steps', values.steps ?? '5000') };
  }
  const samples = positive('samples', values.samples ?? '32');
  if (values.model !== undefined) {
    const model = resolve(values.model);
    if (!existsSync(join(model, 'diffbatt.json'))) fail(`--model ${values.model} holds no diffbatt.json`);
    if (values.steps !== undefined) fail('--model takes its steps from its provenance; drop --steps');
    const provenance =
      readJson<{ provenance?: ModelProvenance }>(join(model, 'diffbatt.json')).provenance ?? {};
    const label =
      values.label ??
      (provenance.preset !== undefined && provenance.steps !== undefined
        ? `${provenance.preset}-${provenance.steps}${provenance.seed === undefined ? '' : `-seed${provenance.seed}`}`
        : fail(`--model ${values.model} records no preset and steps; name its results with --label`));
    return { kind: 'given', model, provenance, samples, label };
  }
  const preset = values.preset as TrainPresetName;
  if (!TRAIN_PRESET_NAMES.includes(preset))
    fail(`unknown preset "${values.preset}"; known: ${TRAIN_PRESET_NAMES.join(', ')}`);
  if (values.steps === undefined) fail('--preset needs --steps: the budget is fixed before training');
  const steps = positive('steps', values.steps);
  return { kind: 'trained', preset, steps, samples, label: values.label ?? `${preset}-${steps}` };
}
const protocol = protocolOfOptions();
/** Whether the preset trained here holds validation cells out, on which snapshot and guidance are picked. */
const selecting =
  protocol.kind === 'selected' ||
  (protocol.kind === 'trained' &&
    ((TRAIN_PRESETS[protocol.preset].settings as { validationFraction?: number }).validationFraction ??
      DEFAULT_TRAIN_SETTINGS.validationFraction) > 0);
/** Where runs and scores of this protocol are cached. */
const runsDir = protocol.kind === 'trained' ? join(runsRoot, protocol.label) : runsRoot;

/** What a miss on the MATR splits already rules in or out (the bundled model is the earlier attempt). */
const MATR_ATTEMPTS =
  'Tried before these runs: the model bundled at the time (`models/matr1`, since replaced by `packages/model-matr1`: 5000 steps, seed 0, the EMA at the lowest validation loss, step 2900) ' +
  'scores 205 ± 35 (original protocol) / 177 ± 50 (median rule) on matr_1 with the fast sampler at w = 3 (`benchmarks/bundled-model/RESULTS.md`). ' +
  'On matr_1 the released weights run through the same port and samplers come close to the paper (96 with DDPM 1000, 91 with the fast sampler), ' +
  'so the network and the samplers are not what holds ours back there (on matr_2 the released weights miss the paper too: 320 / 252); ' +
  "what differs is the training budget (the original's users report 5000+ steps with a constant EMA) and model selection " +
  '(4 validation cells are a noisy judge: seed 0 picked its step-1000 snapshot). Not tried yet, for lack of time: longer training, ' +
  'a constant EMA as the original, a larger validation split.';
const EARLIER_ATTEMPTS: Record<string, string> = { matr_1: MATR_ATTEMPTS, matr_2: MATR_ATTEMPTS };

/** matr_1 and matr_2 share one training set, so one model per seed serves both. */
const TRAINING_SET: Record<string, string> = {
  matr_1: 'matr',
  matr_2: 'matr',
  hust: 'hust',
  snl: 'snl',
  cruh: 'cruh',
  crush: 'crush',
};
const TRAIN_DATA: Record<string, string> = {
  matr: 'matr_1_train_ds',
  hust: 'hust_train_ds',
  snl: 'snl_train_ds',
  cruh: 'cruh_train_ds',
  crush: 'crush_train_ds',
};
const SNAPSHOT_EVERY = 1000;

/** How a model is tested: the `diffbatt test` options for ours and for the released weights. */
interface SamplerSpec {
  label: string;
  /** The cached JSON's name: different settings, different name. */
  key: string;
  ours: string[];
  released: string[];
  /** Run for the first seed only (DDPM-1000 in the fixed-budget protocol: one long run). */
  firstSeedOnly: boolean;
}
type SamplerId = 'ddpm' | 'fast';
/** The old protocol's samplers: the original's DDPM-1000 and a fast one. */
const SELECTED_SAMPLERS: Record<SamplerId, SamplerSpec> = {
  ddpm: {
    label: 'DDPM 1000, 1 sample/cell',
    key: 'ddpm',
    // Guided DDPM without clipping diverges with our models (benchmarks/bundled-model), so ours clip x0;
    // the released weights run as the original does (w = 0, no clipping).
    ours: ['--sampler', 'ddpm', '--clip', 'on', '--samples', '1'],
    released: ['--sampler', 'ddpm', '--samples', '1'],
    firstSeedOnly: false,
  },
  fast: {
    label: 'DPM-Solver++ 20 steps, x0 clipped, 8 samples/cell',
    key: 'fast',
    ours: ['--sampler', 'dpm-solver++', '--steps', '20', '--samples', '8'],
    released: ['--sampler', 'dpm-solver++', '--steps', '20', '--samples', '8'],
    firstSeedOnly: false,
  },
};
/** The fixed-budget protocol's samplers, the same for ours and the released weights (w = 0 for both). */
function fixedBudgetSamplers(samples: number): Record<SamplerId, SamplerSpec> {
  const dpm = ['--sampler', 'dpm-solver++', '--steps', '20', '--clip', 'on', '--samples', String(samples)];
  // The same options as the old protocol's released DDPM (auto clipping is off for DDPM), so its cache serves.
  const ddpm = ['--sampler', 'ddpm', '--samples', '1'];
  return {
    ddpm: {
      label: 'DDPM 1000, 1 sample/cell, no clipping',
      key: 'ddpm',
      ours: ddpm,
      released: ddpm,
      firstSeedOnly: true,
    },
    fast: {
      label: `DPM-Solver++ 20 steps, x0 clipped, ${samples} samples/cell`,
      key: `dpm20-x${samples}`,
      ours: dpm,
      released: dpm,
      firstSeedOnly: false,
    },
  };
}
const SAMPLERS = protocol.kind === 'selected' ? SELECTED_SAMPLERS : fixedBudgetSamplers(protocol.samples);
const samplers = values.samplers.split(',') as SamplerId[];
for (const id of samplers) {
  if (!(id in SAMPLERS)) fail(`unknown sampler "${id}"; known: ${Object.keys(SAMPLERS).join(', ')}`);
}
/** Whether sampler `id` runs with sampling seed `seed`. */
const samplesWith = (id: SamplerId, seed: number) => !SAMPLERS[id].firstSeedOnly || seed === seeds[0];

const splits = values.splits.split(',');
for (const split of splits) {
  if (!TRAINING_SET[split]) fail(`unknown split "${split}"; known: ${Object.keys(TRAINING_SET).join(', ')}`);
}

// ---- running the CLI, a few at a time ----

/** Runs one `diffbatt` command, its output in `log`; rejects with the log's tail on failure. */
function diffbatt(args: string[], log: string): Promise<void> {
  mkdirSync(join(log, '..'), { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, diffbattNodeArgs(args), { cwd: REPOSITORY_ROOT });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      writeFileSync(log, text);
      if (code === 0) resolvePromise();
      else reject(new Error(`diffbatt ${args[0]} failed (${code}), log ${log}:\n${text.slice(-1500)}`));
    });
  });
}

/** Runs tasks with at most `slots` of them at once. */
function limiter(slots: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
/** At most `jobs` CLI runs at once (a test uses one core: tfjs-wasm is single-threaded under Node). */
const limited = limiter(jobs);
/** At most `trainJobs` trainings at once: two wasm trainings side by side are slower than one after the other. */
const trainingSlot = limiter(trainJobs);

/** The fields of `diffbatt test --json` used here. */
interface TestScores {
  rulRmse: number;
  sohRmse: number;
  seconds: number;
  backend: string;
  guidanceWeight: number;
  medianOfSamples: { rulRmse: number; sohRmse: number };
}

/**
 * `diffbatt test` with its JSON cached at `json`; a cache older than `trainedAt` (a run's training.json,
 * rewritten when a run is extended to more steps, or a given model's diffbatt.json) is stale and scored again.
 */
async function scored(json: string, args: string[], trainedAt?: string): Promise<TestScores> {
  const stale =
    !existsSync(json) || (trainedAt !== undefined && statSync(json).mtimeMs < statSync(trainedAt).mtimeMs);
  if (stale) {
    await limited(() => diffbatt(['test', ...args, '--json', json], json.replace(/\.json$/, '.log')));
    console.log(`scored ${rel(json)}`);
  }
  return readJson<TestScores>(json);
}

// ---- our models: train, select (old protocol only), test ----

interface RunRecord {
  validationCellIds: string[];
  settings: Record<string, unknown>;
}
interface TrainingRecord {
  steps: number;
  seconds: number;
  bestStep: number | null;
}

/** The training budget of our models (a given model's: its provenance's). */
const steps = protocol.kind === 'given' ? (protocol.provenance.steps ?? 0) : protocol.steps;

async function trained(trainingSet: string, seed: number): Promise<string | null> {
  const out = join(runsDir, trainingSet, `seed-${seed}`);
  const done = () =>
    existsSync(join(out, 'training.json')) &&
    readJson<TrainingRecord>(join(out, 'training.json')).steps === steps;
  if (done()) return out;
  if (values['no-train']) return null;
  const args = [
    'train',
    '--data',
    join(dataDir, TRAIN_DATA[trainingSet]!),
    '--out',
    out,
    '--steps',
    String(steps),
    '--seed',
    String(seed),
    ...(protocol.kind === 'trained'
      ? ['--preset', protocol.preset, '--checkpoint-every', '250']
      : ['--checkpoint-every', '100']),
    ...(selecting ? ['--snapshot-every', String(SNAPSHOT_EVERY)] : []),
    ...(workers === undefined ? [] : ['--workers', String(workers)]),
  ];
  if (existsSync(join(out, 'checkpoint.json'))) args.push('--resume');
  const recipe = protocol.kind === 'trained' ? `preset ${protocol.preset}, ` : '';
  console.log(
    `training ${trainingSet} seed ${seed} (${recipe}${steps} steps${args.includes('--resume') ? ', resuming' : ''})`,
  );
  await trainingSlot(() => limited(() => diffbatt(args, `${out}.log`)));
  return done() ? out : null;
}
interface Selection {
  model: string;
  label: string;
  guidanceWeight: number;
  validationRulRmse: number;
  grid: { model: string; guidanceWeight: number; medianRulRmse: number; bestOfRepsRulRmse: number }[];
}

/** Picks snapshot and guidance weight on the run's validation cells (never the test split). */
async function select(trainingSet: string, out: string, seed: number): Promise<Selection> {
  const run = readJson<RunRecord>(join(out, 'run.json'));
  const candidates = [
    ...readdirSync(join(out, 'snapshots'))
      .filter((d) => /^step-\d+$/.test(d))
      .map((d) => ({ dir: join(out, 'snapshots', d), label: `EMA at ${d.replace('-', ' ')}` })),
    { dir: join(out, 'model'), label: 'EMA at the lowest validation loss' },
  ];
  const grid = await Promise.all(
    candidates.flatMap(({ dir, label }) =>
      guidanceWeights.map(async (w) => {
        const name = `${dir === join(out, 'model') ? 'model' : dir.split('/').pop()}-w${w}`;
        const scores = await scored(
          join(out, 'selection', `${name}.json`),
          [
            '--model',
            dir,
            '--data',
            join(dataDir, TRAIN_DATA[trainingSet]!),
            '--cells',
            run.validationCellIds.join(','),
            ...SELECTED_SAMPLERS.fast.ours,
            '--guidance',
            String(w),
            '--seed',
            String(seed),
          ],
          join(out, 'training.json'),
        );
        return {
          model: rel(dir),
          label,
          guidanceWeight: w,
          medianRulRmse: scores.medianOfSamples.rulRmse,
          bestOfRepsRulRmse: scores.rulRmse,
        };
      }),
    ),
  );
  const best = grid.reduce((a, b) => (b.medianRulRmse < a.medianRulRmse ? b : a));
  return {
    model: best.model,
    label: best.label,
    guidanceWeight: best.guidanceWeight,
    validationRulRmse: best.medianRulRmse,
    grid: grid.map(({ label: _label, ...row }) => row),
  };
}

interface SeedResult {
  /** The training seed; for a given model, the sampling seed. */
  seed: number;
  run: string;
  trainingSteps: number;
  trainingSeconds: number;
  trainBackend: string;
  bestValidationLossStep: number | null;
  /** What was picked on validation cells; null when nothing was (fixed budget, last EMA network). */
  selection: Selection | null;
  tests: Partial<Record<SamplerId, TestScores>>;
}

/** `diffbatt test` of `model` on a split with every requested sampler; JSONs cached as <prefix>-<key>.json. */
async function testWithSamplers(
  prefix: string,
  model: string,
  split: string,
  args: (id: SamplerId) => string[],
  seed: number,
  trainedAt?: string,
): Promise<Partial<Record<SamplerId, TestScores>>> {
  // Relative to the repository (the CLI's working folder): the paths reach the committed results.
  const common = ['--model', rel(model), '--data', rel(join(dataDir, `${split}_test_ds`))];
  const scores = await Promise.all(
    samplers
      .filter((id) => samplesWith(id, seed))
      .map(
        async (id) =>
          [
            id,
            await scored(
              `${prefix}-${SAMPLERS[id].key}.json`,
              [...common, ...args(id), '--seed', String(seed)],
              trainedAt,
            ),
          ] as const,
      ),
  );
  return Object.fromEntries(scores);
}

/** Training and selection per training set and seed, shared by the test splits that use that set. */
const selections = new Map<string, Promise<{ out: string; selection: Selection | null } | null>>();
function trainedAndSelected(trainingSet: string, seed: number) {
  const key = `${trainingSet}/${seed}`;
  if (!selections.has(key)) {
    selections.set(
      key,
      trained(trainingSet, seed).then(async (out) => {
        if (!out) return null;
        // Nothing to pick from when the run held no validation cells: its last EMA network is the model.
        const validation = readJson<RunRecord>(join(out, 'run.json')).validationCellIds;
        return { out, selection: validation.length > 0 ? await select(trainingSet, out, seed) : null };
      }),
    );
  }
  return selections.get(key)!;
}

async function oursOnSplit(split: string, seed: number): Promise<SeedResult | null> {
  const picked = await trainedAndSelected(TRAINING_SET[split]!, seed);
  if (!picked) return null;
  const { out, selection } = picked;
  const model = selection ? join(REPOSITORY_ROOT, selection.model) : join(out, 'model');
  const w = selection?.guidanceWeight ?? 0;
  // Named after the pick, so a different pick (other --guidance list, longer run) is scored anew.
  const tests = await testWithSamplers(
    join(out, 'test', `${split}-${basename(model)}-w${w}`),
    model,
    split,
    (id) => [...SAMPLERS[id].ours, '--guidance', String(w)],
    seed,
    join(out, 'training.json'),
  );
  const training = readJson<TrainingRecord>(join(out, 'training.json'));
  const provenance = readJson<{ provenance: { backend: string } }>(join(out, 'model', 'diffbatt.json'));
  return {
    seed,
    run: rel(out),
    trainingSteps: training.steps,
    trainingSeconds: Math.round(training.seconds),
    trainBackend: provenance.provenance.backend,
    bestValidationLossStep: training.bestStep,
    selection,
    tests,
  };
}

/** A given model (--model) on a split, sampled with `seed`: no training, nothing picked. */
async function givenOnSplit(
  given: Extract<Protocol, { kind: 'given' }>,
  split: string,
  seed: number,
): Promise<SeedResult> {
  // Cached per model path (out/original-20k/model -> models/out_original-20k_model), stale once it changes.
  const name = rel(given.model)
    .replace(/^(\.\.[/\\])+/, '')
    .replace(/[/\\]/g, '_');
  const cache = join(runsRoot, 'models', name, split, `seed${seed}`);
  const tests = await testWithSamplers(
    cache,
    given.model,
    split,
    (id) => [...SAMPLERS[id].ours, '--guidance', '0'],
    seed,
    join(given.model, 'diffbatt.json'),
  );
  return {
    seed,
    run: rel(given.model),
    trainingSteps: steps,
    trainingSeconds: given.provenance.trainingSeconds ?? 0,
    trainBackend: given.provenance.backend ?? 'unknown',
    bestValidationLossStep: null,
    selection: null,
    tests,
  };
}

// ---- the released weights through our port ----

type ReleasedScores = Partial<Record<SamplerId, TestScores[]>>;

async function releasedOnSplit(split: string): Promise<ReleasedScores | null> {
  const source = join(releasedDir, `${split}_ema_network`);
  if (!existsSync(source)) return null;
  const model = join(runsRoot, 'released', split, 'model');
  if (!existsSync(join(model, 'diffbatt.json'))) {
    await limited(() => diffbatt(['import', source, '--out', model], `${model}.log`));
  }
  const perSeed = await Promise.all(
    seeds.map((seed) =>
      testWithSamplers(
        join(runsRoot, 'released', split, `seed${seed}`),
        model,
        split,
        (id) => [...SAMPLERS[id].released, '--guidance', '0'],
        seed,
      ),
    ),
  );
  return Object.fromEntries(
    samplers.map((id) => [id, perSeed.flatMap((tests) => (tests[id] ? [tests[id]] : []))]),
  );
}

// ---- results ----

const spread = (xs: number[], digits = 1) => meanAndSpread(xs, digits);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** The table cells of a set of runs: original protocol, median rule, SOH RMSE, seeds. */
const scoreCells = (runs: TestScores[]) => [
  spread(runs.map((r) => r.rulRmse)),
  spread(runs.map((r) => r.medianOfSamples.rulRmse)),
  spread(
    runs.map((r) => r.medianOfSamples.sohRmse),
    2,
  ),
  String(runs.length),
];
const RULES =
  'Original protocol: best of the samples per cell by SOH RMSE over cycles 1..100, which peeks at the reference; with one sample per cell it equals the median rule. ' +
  "Median rule: the median predicted life over samples, no peeking. The paper's and BatteryML's numbers are copied from DIFFBATT.md section 5; the released weights are the authors' EMA network imported with `diffbatt import`.";
const TRAINING_NOTE =
  'Training minutes are wall-clock time of runs that shared the 2-core machine with each other and with other work; ' +
  'alone, a full-batch step on one core takes about half a second (see the speed benchmark).';

/** The `pnpm bench:accuracy` command that regenerates one split's file. */
function regenerateCommand(split: string): string {
  const noTrain = values['no-train'] ? ' --no-train' : '';
  if (protocol.kind === 'selected')
    return `pnpm bench:accuracy --splits ${split} --seeds ${seeds.join(',')} --steps ${steps} --samplers ${samplers.join(',')}${noTrain}`;
  const common = `--seeds ${seeds.join(',')} --samplers ${samplers.join(',')}`;
  const label = values.label === undefined ? '' : ` --label ${protocol.label}`;
  if (protocol.kind === 'given')
    return `pnpm bench:accuracy --model ${rel(protocol.model)} --splits ${split} --samples ${protocol.samples} ${common}${label}`;
  const workerOption = workers === undefined ? '' : ` --workers ${workers}`;
  return `pnpm bench:accuracy --splits ${split} --preset ${protocol.preset} --steps ${steps} --samples ${protocol.samples} ${common}${workerOption}${label}${noTrain}`;
}

/** The verdict on the paper's number by the median rule, per sampler. */
function verdict(split: string, ours: SeedResult[], target: number, heading: string): string {
  if (ours.length === 0)
    return `No model trained by our trainer has been scored on ${split} yet: this row is open.`;
  return (
    `${heading} (at least the paper, RUL RMSE <= ${target}): ` +
    samplers
      .map((id) => {
        const runs = ours.flatMap((r) => (r.tests[id] ? [r.tests[id]] : []));
        const values = runs.map((r) => r.medianOfSamples.rulRmse);
        const seedNote =
          protocol.kind !== 'selected' && SAMPLERS[id].firstSeedOnly ? `, seed ${seeds[0]} only` : '';
        return `${values.length > 0 && mean(values) <= target ? 'met' : 'NOT met'} with ${SAMPLERS[id].label} (median rule, ${spread(values)}${seedNote})`;
      })
      .join('; ') +
    '.'
  );
}

/** What the fixed-budget protocol trained or scored, and that nothing was picked. */
function fixedBudgetSummary(split: string): string[] {
  if (protocol.kind === 'selected') return [];
  const seedList = seeds.join(', ');
  const w = selecting ? 'the picked one' : '0';
  const decided =
    protocol.samples === 32 ? ' (the count decided on held-out folds, `benchmarks/samples-32`)' : '';
  const scorings = [
    ...(samplers.includes('fast')
      ? [
          `DPM-Solver++ 20 steps, x0 clipped, w = ${w}, ${protocol.samples} samples per cell${decided}, ` +
            "the median of the samples' predicted lives per cell (no peeking), mean ± sd over seeds",
        ]
      : []),
    ...(samplers.includes('ddpm')
      ? [`unguided DDPM-1000 (w = 0, no clipping), one sample per cell, seed ${seeds[0]} only`]
      : []),
  ];
  const scoring = `Scored on the ${split} test split with ${scorings.join('; and ')}. The released weights are scored with the same settings.`;
  if (protocol.kind === 'given') {
    const p = protocol.provenance;
    const picked =
      p.weights === 'EMA at the last step' && (p.validationCells ?? 0) === 0
        ? 'its weights are the EMA network at the last step, nothing was picked'
        : `its trainer delivered "${p.weights ?? 'unrecorded weights'}" (${p.validationCells ?? 'unrecorded'} validation cells)`;
    return [
      `Fixed-budget protocol (issue 14) on one existing model, \`${rel(protocol.model)}\`: ` +
        `${p.preset === undefined ? 'no recorded preset' : `\`--preset ${p.preset}\``}, ${p.steps ?? 'unrecorded'} steps, training seed ${p.seed ?? 'unrecorded'}, trained on ${p.data ?? `${p.trainCells ?? 'unrecorded'} cells`}, as its provenance records; ` +
        `${picked}. It is scored as it is: no training and no selection here, the same network sampled with seeds ${seedList}.`,
      scoring,
    ];
  }
  const trainingSet = TRAINING_SET[split]!;
  const shares = split !== 'matr_1' && trainingSet === TRAINING_SET.matr_1;
  const selection = selecting
    ? `This preset holds validation cells out of the training split: per seed the EMA snapshot (every ${SNAPSHOT_EVERY} steps, plus the lowest-validation-loss one) and the guidance weight w in {${guidanceWeights.join(', ')}} were picked on them, never on the test split.`
    : `No validation cells: every training cell was trained on. The budget of ${steps} steps was fixed before training and the delivered network is the EMA at the last step: no selection of any kind (no snapshot, step or guidance weight picked on any cells; the test split is only scored).`;
  return [
    `Fixed-budget protocol (issue 14). Models trained by \`diffbatt train --preset ${protocol.preset} --steps ${steps}\` (${TRAIN_PRESETS[protocol.preset].description}) ` +
      `on the ${TRAIN_DATA[trainingSet]} split of ../shared/data/diffbatt, one per training seed (${seedList}).` +
      (shares ? " matr_2's training split is matr_1's, so these are the matr_1 models." : '') +
      ` ${selection}`,
    `${scoring} The model of training seed s is sampled with seed s.`,
  ];
}

function writeSplitResult(split: string, ours: SeedResult[], released: ReleasedScores | null): void {
  const published = PUBLISHED[split]!;
  const paper = `${published.paper} ± ${published.paperSd}`;
  const fixedBudget = protocol.kind !== 'selected';
  const rows: string[][] = [
    ['DiffBatt, paper', 'DDPM 1000 (w and reps unpublished)', paper, '—', '—', '10'],
    [
      `best BatteryML baseline (${published.baseline}), paper`,
      '—',
      String(published.baselineValue),
      '—',
      '—',
      '—',
    ],
  ];
  if (released) {
    for (const id of samplers) {
      rows.push(['released weights, our port', `${SAMPLERS[id].label}, w = 0`, ...scoreCells(released[id]!)]);
    }
  } else {
    rows.push(['released weights, our port', '—', 'not released for this split', '—', '—', '—']);
  }
  const ws = [...new Set(ours.map((r) => r.selection?.guidanceWeight ?? 0))].join('/');
  const oursModel = protocol.kind === 'given' ? `ours (\`${rel(protocol.model)}\`)` : 'ours (trained here)';
  if (ours.length > 0) {
    for (const id of samplers) {
      const clipped = id === 'ddpm' && !fixedBudget ? ', x0 clipped' : '';
      const label = `${SAMPLERS[id].label}${clipped}, w = ${ws}`;
      rows.push([oursModel, label, ...scoreCells(ours.flatMap((r) => (r.tests[id] ? [r.tests[id]] : [])))]);
    }
  } else {
    rows.push([oursModel, '—', 'not trained yet', '—', '—', '0']);
  }
  const target = published.paper;
  const trainingSet = TRAINING_SET[split]!;
  const anyScores = ours[0]?.tests[samplers[0]!] ?? released?.[samplers[0]!]?.[0];
  const summary = fixedBudget
    ? [...fixedBudgetSummary(split), RULES, verdict(split, ours, target, "Issue 14's target")]
    : [
        (ours.length === 0
          ? 'Not trained here yet (each model takes about an hour of both cores of the development machine, and the MATR models came first); the command below trains them: '
          : '') +
          `Models trained by \`diffbatt train\` on the ${TRAIN_DATA[trainingSet]} split of ../shared/data/diffbatt (${steps} full-batch steps, ` +
          "the original's Adam, condition dropout and EMA 0.999 with warm-up; validation cells carved from the training split), one per seed. " +
          `Per seed, the EMA snapshot (every ${SNAPSHOT_EVERY} steps, plus the lowest-validation-loss one) and the guidance weight w in {${guidanceWeights.join(', ')}} ` +
          "were picked on that run's validation cells with the fast sampler and the median-of-samples rule; the test split was never used for selection " +
          '(the original picks checkpoints on the test loss).',
        RULES,
        verdict(split, ours, target, 'Target'),
        ...(EARLIER_ATTEMPTS[split] ? [EARLIER_ATTEMPTS[split]] : []),
      ];
  const id = fixedBudget ? `accuracy-${split}-${protocol.label}` : `accuracy-${split}`;
  const title =
    protocol.kind === 'trained'
      ? `Accuracy on ${split}, \`--preset ${protocol.preset}\` at a fixed ${steps} steps: cycle-life (RUL) RMSE in cycles`
      : protocol.kind === 'given'
        ? `Accuracy on ${split}, \`${rel(protocol.model)}\` (${protocol.label}), no selection: cycle-life (RUL) RMSE in cycles`
        : `Accuracy on ${split}: cycle-life (RUL) RMSE in cycles`;
  const perSeedPick = (r: SeedResult) =>
    r.selection
      ? `${r.selection.label}, w = ${r.selection.guidanceWeight}`
      : 'nothing: the EMA at the last step, w = 0';
  const file = writeBenchmarkResult(
    {
      id,
      title,
      summary,
      tables: [
        {
          title: `RUL RMSE (cycles) on the ${split} test split, mean ± sd over seeds`,
          columns: [
            'model',
            'sampler',
            'original protocol',
            'median rule (no peeking)',
            'SOH RMSE (% points, median rule)',
            'seeds',
          ],
          rows,
        },
        ...(ours.length === 0
          ? []
          : [
              {
                title: protocol.kind === 'given' ? 'Per sampling seed' : 'Our runs, per seed',
                columns: [
                  'seed',
                  'training',
                  fixedBudget ? 'picked' : 'picked on validation',
                  ...(fixedBudget ? [] : ['validation RUL RMSE']),
                  ...samplers.map((id) => `${SAMPLERS[id].label} test (median rule)`),
                ],
                rows: ours.map((r) => [
                  String(r.seed),
                  `${r.trainingSteps} steps, ${Math.round(r.trainingSeconds / 60)} min on ${r.trainBackend} (\`${r.run}\`)`,
                  fixedBudget ? perSeedPick(r) : `${r.selection!.label}, w = ${r.selection!.guidanceWeight}`,
                  ...(fixedBudget ? [] : [r.selection!.validationRulRmse.toFixed(1)]),
                  ...samplers.map((id) => r.tests[id]?.medianOfSamples.rulRmse.toFixed(1) ?? '—'),
                ]),
                notes: [
                  TRAINING_NOTE,
                  protocol.kind === 'given'
                    ? 'The model directory is scored as it is; the command below scores it again.'
                    : 'Run directories are not committed (checkpoints are large); the command below recreates them, resuming where they stopped.',
                ],
              },
            ]),
      ],
      raw: fixedBudget
        ? {
            protocol: protocol.kind === 'given' ? 'fixed budget, given model' : 'fixed budget',
            ...(protocol.kind === 'given'
              ? { model: rel(protocol.model), provenance: protocol.provenance }
              : { preset: protocol.preset }),
            steps,
            samples: protocol.samples,
            seeds,
            samplers: Object.fromEntries(samplers.map((id) => [id, SAMPLERS[id]])),
            ours,
            released,
          }
        : { steps, seeds, guidanceWeights, samplers, ours, released },
      ...benchmarkProvenance(regenerateCommand(split), anyScores?.backend ?? 'wasm'),
    },
    resultsDir,
  );
  console.log(`wrote ${rel(file)}`);
}

await Promise.all(
  splits.map(async (split) => {
    const [ours, released] = await Promise.all([
      Promise.all(
        seeds.map((seed) =>
          protocol.kind === 'given' ? givenOnSplit(protocol, split, seed) : oursOnSplit(split, seed),
        ),
      ),
      releasedOnSplit(split),
    ]);
    writeSplitResult(
      split,
      ours.filter((r): r is SeedResult => r !== null),
      released,
    );
  }),
);
if (resultsDir === RESULTS_DIR) await import('../lib/write-benchmarks-md.js');
