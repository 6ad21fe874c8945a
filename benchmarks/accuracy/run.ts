/**
 * Accuracy benchmark (issue 9): DiffBatt models trained by OUR trainer on each split of the original
 * datasets, against the paper, the best BatteryML baseline and the released weights run through our port.
 *
 *   pnpm bench:accuracy [--splits matr_1,matr_2] [--seeds 0,1,2] [--steps 5000] [--samplers ddpm,fast]
 *                       [--jobs 2] [--no-train]
 *
 * Per training set and seed: `diffbatt train` (validation cells carved from the training split; EMA
 * snapshots every 1000 steps; resumable: a killed benchmark continues each run from its last checkpoint),
 * then model selection on the run's own validation cells (snapshot step x guidance weight, by the
 * peeking-free median-of-samples cycle-life RMSE with the fast sampler), then `diffbatt test` on the test
 * split with DDPM-1000 and DPM-Solver++ 20. Everything is cached under benchmarks/accuracy/runs/, so
 * re-running only does what is missing. Writes benchmarks/results/accuracy-<split>.json per test split
 * and re-renders BENCHMARKS.md. Needs ../shared (DIFFBATT_SHARED overrides the path).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fail, isCount, numberList } from '../lib/args.js';
import { benchmarkProvenance, meanAndSpread, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const { values } = parseArgs({
  options: {
    splits: { type: 'string', default: 'matr_1,matr_2,snl,cruh,hust,crush' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string', default: '5000' },
    guidance: { type: 'string', default: '0,1,3' },
    jobs: { type: 'string', default: '2' },
    samplers: { type: 'string', default: 'ddpm,fast' },
    'no-train': { type: 'boolean', default: false },
  },
});
const shared = resolve(process.env.DIFFBATT_SHARED ?? join(REPOSITORY_ROOT, '..', 'shared'));
const dataDir = join(shared, 'data', 'diffbatt', 'data');
const releasedDir = join(shared, 'data', 'diffbatt', 'trained_models');
if (!existsSync(dataDir))
  fail(`bench:accuracy needs the original datasets at ${dataDir} (set DIFFBATT_SHARED)`);
const seeds = numberList('seeds', values.seeds, isCount, 'integers >= 0');
const steps = Number(values.steps);
const guidanceWeights = numberList('guidance', values.guidance, (w) => w >= 0, 'numbers >= 0');
const jobs = Number(values.jobs);
const runsDir = join(REPOSITORY_ROOT, 'benchmarks', 'accuracy', 'runs');

/** Published RUL RMSE (DIFFBATT.md section 5): DiffBatt's mean ± sd over ten seeds and the best BatteryML model. */
const PUBLISHED: Record<string, { paper: string; baseline: string; baselineValue: number }> = {
  matr_1: { paper: '88 ± 4', baseline: 'PCR', baselineValue: 90 },
  matr_2: { paper: '235 ± 16', baseline: '"Discharge" model', baselineValue: 149 },
  hust: { paper: '368 ± 23', baseline: 'Random forest', baselineValue: 368 },
  snl: { paper: '125 ± 11', baseline: 'PCR', baselineValue: 200 },
  cruh: { paper: '119 ± 6', baseline: 'PLSR', baselineValue: 60 },
  crush: { paper: '294 ± 18', baseline: 'Random forest', baselineValue: 416 },
};
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
/** SNL and CRUSH carry 20-row capacity matrices. */
const CAPACITY_ROWS: Record<string, number> = { snl: 20, crush: 20 };
const SNAPSHOT_EVERY = 1000;
/** The samplers a model is tested with: the original's DDPM-1000 and a fast one. */
const SAMPLERS = {
  ddpm: {
    label: 'DDPM 1000, 1 sample/cell',
    // Guided DDPM without clipping diverges with our models (benchmarks/bundled-model), so ours clip x0;
    // the released weights run as the original does (w = 0, no clipping).
    ours: ['--sampler', 'ddpm', '--clip', 'on', '--samples', '1'],
    released: ['--sampler', 'ddpm', '--samples', '1'],
  },
  fast: {
    label: 'DPM-Solver++ 20 steps, x0 clipped, 8 samples/cell',
    ours: ['--sampler', 'dpm-solver++', '--steps', '20', '--samples', '8'],
    released: ['--sampler', 'dpm-solver++', '--steps', '20', '--samples', '8'],
  },
} as const;
type SamplerId = keyof typeof SAMPLERS;
const samplers = values.samplers.split(',') as SamplerId[];
for (const id of samplers) {
  if (!(id in SAMPLERS)) fail(`unknown sampler "${id}"; known: ${Object.keys(SAMPLERS).join(', ')}`);
}

const splits = values.splits.split(',');
for (const split of splits) {
  if (!PUBLISHED[split]) fail(`unknown split "${split}"; known: ${Object.keys(PUBLISHED).join(', ')}`);
}

// ---- running the CLI, a few at a time ----

const cliArgs = [
  '--conditions=@diffbatt/source',
  '--import',
  'tsx',
  join(REPOSITORY_ROOT, 'apps/cli/src/bin.ts'),
];

/** Runs one `diffbatt` command, its output in `log`; rejects with the log's tail on failure. */
function diffbatt(args: string[], log: string): Promise<void> {
  mkdirSync(join(log, '..'), { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: REPOSITORY_ROOT });
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

let running = 0;
const waiting: (() => void)[] = [];
/** At most `jobs` CLI runs at once (each uses one core: tfjs-wasm is single-threaded under Node). */
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= jobs) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const rel = (path: string) => relative(REPOSITORY_ROOT, path);

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
 * rewritten when a run is extended to more steps) is stale and scored again.
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

// ---- our models: train, select, test ----

interface RunRecord {
  validationCellIds: string[];
  settings: Record<string, unknown>;
}
interface TrainingRecord {
  steps: number;
  seconds: number;
  bestStep: number | null;
}

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
    '--checkpoint-every',
    '100',
    '--snapshot-every',
    String(SNAPSHOT_EVERY),
  ];
  const rows = CAPACITY_ROWS[trainingSet];
  if (rows !== undefined) {
    const config = join(runsDir, trainingSet, `unet-${rows}-rows.json`);
    mkdirSync(join(config, '..'), { recursive: true });
    writeFileSync(config, JSON.stringify({ capacityMatrixRows: rows }));
    args.push('--config', config);
  }
  if (existsSync(join(out, 'checkpoint.json'))) args.push('--resume');
  console.log(
    `training ${trainingSet} seed ${seed} (${steps} steps${args.includes('--resume') ? ', resuming' : ''})`,
  );
  await limited(() => diffbatt(args, `${out}.log`));
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
            ...SAMPLERS.fast.ours,
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
  seed: number;
  run: string;
  trainingSteps: number;
  trainingSeconds: number;
  trainBackend: string;
  bestValidationLossStep: number | null;
  selection: Selection;
  tests: Partial<Record<SamplerId, TestScores>>;
}

/** `diffbatt test` of `model` on a split with every requested sampler; JSONs cached as <prefix>-<sampler>.json. */
async function testWithSamplers(
  prefix: string,
  model: string,
  split: string,
  args: (id: SamplerId) => string[],
  trainedAt?: string,
): Promise<Partial<Record<SamplerId, TestScores>>> {
  const common = ['--model', model, '--data', join(dataDir, `${split}_test_ds`)];
  const scores = await Promise.all(
    samplers.map(
      async (id) => [id, await scored(`${prefix}-${id}.json`, [...common, ...args(id)], trainedAt)] as const,
    ),
  );
  return Object.fromEntries(scores);
}

/** Training and selection per training set and seed, shared by the test splits that use that set. */
const selections = new Map<string, Promise<{ out: string; selection: Selection } | null>>();
function trainedAndSelected(trainingSet: string, seed: number) {
  const key = `${trainingSet}/${seed}`;
  if (!selections.has(key)) {
    selections.set(
      key,
      trained(trainingSet, seed).then(async (out) =>
        out ? { out, selection: await select(trainingSet, out, seed) } : null,
      ),
    );
  }
  return selections.get(key)!;
}

async function oursOnSplit(split: string, seed: number): Promise<SeedResult | null> {
  const picked = await trainedAndSelected(TRAINING_SET[split]!, seed);
  if (!picked) return null;
  const { out, selection } = picked;
  // Named after the pick, so a different pick (other --guidance list, longer run) is scored anew.
  const pick = `${basename(selection.model)}-w${selection.guidanceWeight}`;
  const tests = await testWithSamplers(
    join(out, 'test', `${split}-${pick}`),
    join(REPOSITORY_ROOT, selection.model),
    split,
    (id) => [...SAMPLERS[id].ours, '--guidance', String(selection.guidanceWeight), '--seed', String(seed)],
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

// ---- the released weights through our port ----

type ReleasedScores = Partial<Record<SamplerId, TestScores[]>>;

async function releasedOnSplit(split: string): Promise<ReleasedScores | null> {
  const source = join(releasedDir, `${split}_ema_network`);
  if (!existsSync(source)) return null;
  const model = join(runsDir, 'released', split, 'model');
  if (!existsSync(join(model, 'diffbatt.json'))) {
    await limited(() => diffbatt(['import', source, '--out', model], `${model}.log`));
  }
  const perSeed = await Promise.all(
    seeds.map((seed) =>
      testWithSamplers(join(runsDir, 'released', split, `seed${seed}`), model, split, (id) => [
        ...SAMPLERS[id].released,
        '--guidance',
        '0',
        '--seed',
        String(seed),
      ]),
    ),
  );
  return Object.fromEntries(samplers.map((id) => [id, perSeed.map((tests) => tests[id]!)]));
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

function writeSplitResult(split: string, ours: SeedResult[], released: ReleasedScores | null): void {
  const published = PUBLISHED[split]!;
  const rows: string[][] = [
    ['DiffBatt, paper', 'DDPM 1000 (w and reps unpublished)', published.paper, '—', '—', '10'],
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
  const ws = [...new Set(ours.map((r) => r.selection.guidanceWeight))].join('/');
  if (ours.length > 0) {
    for (const id of samplers) {
      const label = `${SAMPLERS[id].label}${id === 'ddpm' ? ', x0 clipped' : ''}, w = ${ws}`;
      rows.push(['ours (trained here)', label, ...scoreCells(ours.map((r) => r.tests[id]!))]);
    }
  } else {
    rows.push(['ours (trained here)', '—', 'not trained yet', '—', '—', '0']);
  }
  const target = Number(published.paper.split(' ')[0]);
  const verdict =
    ours.length === 0
      ? `No model trained by our trainer has been scored on ${split} yet: this row is open.`
      : `Target (at least the paper, RUL RMSE <= ${target}): ` +
        samplers
          .map((id) => {
            const values = ours.map((r) => r.tests[id]!.medianOfSamples.rulRmse);
            return `${mean(values) <= target ? 'met' : 'NOT met'} with ${SAMPLERS[id].label} (median rule, ${spread(values)})`;
          })
          .join('; ') +
        '.';
  const trainingSet = TRAINING_SET[split]!;
  const anyScores = ours[0]?.tests[samplers[0]!] ?? released?.[samplers[0]!]?.[0];
  writeBenchmarkResult({
    id: `accuracy-${split}`,
    title: `Accuracy on ${split}: cycle-life (RUL) RMSE in cycles`,
    summary: [
      (ours.length === 0
        ? 'Not trained here yet (each model takes about an hour of both cores of the development machine, and the MATR models came first); the command below trains them: '
        : '') +
        `Models trained by \`diffbatt train\` on the ${TRAIN_DATA[trainingSet]} split of ../shared/data/diffbatt (${steps} full-batch steps, ` +
        "the original's Adam, condition dropout and EMA 0.999 with warm-up; validation cells carved from the training split), one per seed. " +
        `Per seed, the EMA snapshot (every ${SNAPSHOT_EVERY} steps, plus the lowest-validation-loss one) and the guidance weight w in {${guidanceWeights.join(', ')}} ` +
        "were picked on that run's validation cells with the fast sampler and the median-of-samples rule; the test split was never used for selection " +
        '(the original picks checkpoints on the test loss).',
      'Original protocol: best of the samples per cell by SOH RMSE over cycles 1..100, which peeks at the reference; with one sample per cell it equals the median rule. ' +
        "Median rule: the median predicted life over samples, no peeking. The paper's and BatteryML's numbers are copied from DIFFBATT.md section 5; the released weights are the authors' EMA network imported with `diffbatt import`.",
      verdict,
      ...(EARLIER_ATTEMPTS[split] ? [EARLIER_ATTEMPTS[split]] : []),
    ],
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
              title: 'Our runs, per seed',
              columns: [
                'seed',
                'training',
                'picked on validation',
                'validation RUL RMSE',
                ...samplers.map((id) => `${SAMPLERS[id].label} test (median rule)`),
              ],
              rows: ours.map((r) => [
                String(r.seed),
                `${r.trainingSteps} steps, ${Math.round(r.trainingSeconds / 60)} min on ${r.trainBackend} (\`${r.run}\`)`,
                `${r.selection.label}, w = ${r.selection.guidanceWeight}`,
                r.selection.validationRulRmse.toFixed(1),
                ...samplers.map((id) => r.tests[id]!.medianOfSamples.rulRmse.toFixed(1)),
              ]),
              notes: [
                'Training minutes are wall-clock time of runs that shared the 2-core machine with each other and with other work; ' +
                  'alone, a full-batch step on one core takes about half a second (see the speed benchmark).',
                'Run directories are not committed (checkpoints are large); the command below recreates them, resuming where they stopped.',
              ],
            },
          ]),
    ],
    raw: { steps, seeds, guidanceWeights, samplers, ours, released },
    ...benchmarkProvenance(
      `pnpm bench:accuracy --splits ${split} --seeds ${seeds.join(',')} --steps ${steps} --samplers ${samplers.join(',')}` +
        (values['no-train'] ? ' --no-train' : ''),
      anyScores?.backend ?? 'wasm',
    ),
  });
  console.log(`wrote benchmarks/results/accuracy-${split}.json`);
}

await Promise.all(
  splits.map(async (split) => {
    const [ours, released] = await Promise.all([
      Promise.all(seeds.map((seed) => oursOnSplit(split, seed))),
      releasedOnSplit(split),
    ]);
    writeSplitResult(
      split,
      ours.filter((r): r is SeedResult => r !== null),
      released,
    );
  }),
);
await import('../lib/write-benchmarks-md.js');
