/**
 * Synthesis quality on MATR-1 (issues 10 and 18): how close are DiffBatt's synthetic SOH curves to held-out
 * measured cells, against what measured cells themselves reach? Per model (the bundled one, and the released
 * DiffBatt weights as the reference of what the architecture can do) and seed, `diffbatt synthesize` draws
 * K curves per real training cell (conditioned on its capacity matrix, per guidance weight w) and K per
 * training cell unconditionally; every set is scored against the measured test cells by Frechet distance
 * and k-NN precision/recall (k = 3) in two feature spaces (@diffbatt/eval's `soh-thresholds-v1`, and
 * `engineer-v1`: knee, cycles to 90/80 %, early and mid-life fade slopes, smoothness, standardised by the
 * test cells), beside the floor (measured training cells against the same test cells); engineer features
 * and monotonicity (largest SOH rise against the measured cells' floor) per set; and held-out conditional
 * synthesis: K curves per TEST cell (conditions no training cell has) against that cell's measured curve.
 * Writes benchmarks/results/synthesis-quality-matr_1.json and re-renders BENCHMARKS.md.
 *
 *   pnpm bench:synthesis [--seeds 0,1,2] [--k 4] [--guidance 0,1,3] [--models bundled,released]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelSample } from '../../packages/core/src/index.js';
import {
  type ConditionalSynthesisErrors,
  type CurveSetQuality,
  conditionalSynthesisErrors,
  curveFeatures,
  curveSetOfSamples,
  curveSetQuality,
  ENGINEER_FEATURE_NAMES,
  ENGINEER_FEATURES_ID,
  type EngineerFeatureName,
  engineerFeatures,
  engineerFeatureVector,
  featureStandardisation,
  frechetDistance,
  groupCurvesByCell,
  isFiniteCurve,
  monotoneProjection,
  quantileOfSorted,
  SOH_CURVE_CYCLES,
  SOH_FEATURE_THRESHOLDS,
  shareAbove,
  sohCurveBand,
  sohThresholdFeatures,
  sortedFinite,
  standardise,
} from '../../packages/eval/src/index.js';
import { renderSynthesisReport } from '../../packages/report/src/index.js';
import { fail, isCount, numberList } from '../lib/args.js';
import {
  readMeasuredSplit,
  SAMPLER,
  SYNTHESIS_MODEL_IDS,
  type SynthesisModelId,
  synthesisModels,
  synthesize,
  TEST,
  TRAIN,
} from '../lib/bundled-matr1.js';
import { benchmarkProvenance, meanAndSpread, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

/** Neighbours for k-NN precision/recall, as `diffbatt score` and `synth-report` use. */
const NEIGHBOURS = 3;
/** Issue 18's targets. */
const TARGET = { frechetTimesFloor: 2, precision: 0.8, recall: 0.8, lifeMape: 0.15 };
/** The HTML report of the first seed, for looking at the curve bands (out/ is not committed). */
const REPORT = 'out/synthesis-quality/report.html';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    k: { type: 'string', default: '4' },
    guidance: { type: 'string', default: '0,1,3' },
    models: { type: 'string', default: SYNTHESIS_MODEL_IDS.join(',') },
  },
});
const seeds = numberList('seeds', args.seeds, isCount, 'integers >= 0');
const guidanceWeights = numberList('guidance', args.guidance, (w) => w >= 0, 'numbers >= 0');
const k = Number(args.k);
if (!(Number.isInteger(k) && k >= 1)) fail(`--k must be an integer >= 1: ${args.k}`);
const { ids: modelIds, models } = synthesisModels(args.models);
const train = await readMeasuredSplit(TRAIN);
const test = await readMeasuredSplit(TEST);
const trainSet = curveSetOfSamples(train, TRAIN);
const testSet = curveSetOfSamples(test, TEST);

// ---- feature spaces: both compare every set with the measured test cells ----

const testEngineer = testSet.curves.map(engineerFeatureVector);
if (!testEngineer.every((v) => v.every(Number.isFinite))) fail(`${TEST}: a test cell has undefined features`);
const engineerScaling = featureStandardisation(testEngineer);
const SPACES = [
  {
    key: 'thresholds',
    id: sohThresholdFeatures.id,
    featuresOf: curveFeatures,
    description:
      `${sohThresholdFeatures.id}: the first cycle, in hundreds, at which SOH is at or below ` +
      `${SOH_FEATURE_THRESHOLDS.join(', ')} % (25.6 = never within 2560 cycles)`,
  },
  {
    key: 'engineer',
    id: ENGINEER_FEATURES_ID,
    featuresOf: (curve: ArrayLike<number>) => standardise(engineerScaling, engineerFeatureVector(curve)),
    description:
      `${ENGINEER_FEATURES_ID}: knee cycle (maximum distance above the chord, Kneedle), cycles to 90 % and ` +
      `80 % SOH, fade slope over cycles 1-100 and from 90 % SOH to end of life (least squares, % per 100 ` +
      `cycles), smoothness (mean |second difference| of SOH % per 10-cycle point), each standardised by the ` +
      `mean and sd of the ${test.length} measured test cells`,
  },
] as const;
type SpaceKey = (typeof SPACES)[number]['key'];
const referenceFeatures = SPACES.map((space) => testSet.curves.map(space.featuresOf));

type Quality = Record<SpaceKey, CurveSetQuality>;
const engineerSpace = SPACES[1];
const referenceEngineer = referenceFeatures[1]!;
const qualityOf = (name: string, curves: readonly ArrayLike<number>[]): Quality =>
  Object.fromEntries(
    SPACES.map((space, s) => [
      space.key,
      curveSetQuality(name, curves, referenceFeatures[s]!, NEIGHBOURS, space.featuresOf),
    ]),
  ) as Quality;

/** One-dimensional Frechet distance of each standardised engineer feature: which features make the gap. */
function featureFrechet(curves: readonly ArrayLike<number>[]): Record<EngineerFeatureName, number> {
  const vectors = curves
    .filter(isFiniteCurve)
    .map(engineerSpace.featuresOf)
    .filter((v) => v.every(Number.isFinite));
  return Object.fromEntries(
    ENGINEER_FEATURE_NAMES.map((name, j) => [
      name,
      frechetDistance(
        referenceEngineer.map((v) => [v[j]!]),
        vectors.map((v) => [v[j]!]),
      ),
    ]),
  ) as Record<EngineerFeatureName, number>;
}

/** Median over curves of each engineer feature, and the largest-rise statistics against the floor. */
const median = (values: readonly number[]) => quantileOfSorted(sortedFinite(values), 0.5);
function shapeOf(curves: readonly ArrayLike<number>[], riseFloor: number) {
  const features = curves.map(engineerFeatures);
  const rises = features.map((f) => f.largestRise);
  return {
    featureMedians: Object.fromEntries(
      ENGINEER_FEATURE_NAMES.map((name) => [name, median(features.map((f) => f[name]))]),
    ) as Record<EngineerFeatureName, number>,
    rise: {
      median: median(rises),
      p95: quantileOfSorted(sortedFinite(rises), 0.95),
      max: Math.max(...rises),
      shareAboveFloor: shareAbove(rises, riseFloor),
    },
  };
}

// The floor of monotonicity: the largest rise any measured test cell's curve holds (its early capacity
// recovery and whatever noise processing left), the noise real curves show.
const riseFloor = Math.max(...test.map((cell) => engineerFeatures(cell.sohCurve).largestRise));
const floor = {
  quality: qualityOf('measured training cells', trainSet.curves),
  featureFrechet: featureFrechet(trainSet.curves),
  test: shapeOf(testSet.curves, riseFloor),
  train: shapeOf(trainSet.curves, riseFloor),
  /** A generator that ignores the condition: every test cell given the training cells' curves. */
  noSkill: conditionalSynthesisErrors(
    testSet.curves,
    test.map(() => trainSet.curves),
  ),
};

// ---- synthesis per model and seed ----

interface SetRow {
  set: string;
  /** Null for unconditional curves. */
  guidance: number | null;
  /** The curves projected onto never-rising ones (`monotoneProjection`), from the same samples. */
  monotone: boolean;
  curves: number;
  quality: Quality;
  /** One curve per training cell (the first), as many as the floor. */
  sizeMatched: Quality;
  shape: ReturnType<typeof shapeOf>;
  featureFrechet: Record<EngineerFeatureName, number>;
  /** Conditional sets: each curve against its own (training) source cell's measured curve. */
  sourceErrors: Omit<ConditionalSynthesisErrors, 'perCell'> | null;
  seconds: number;
}
interface HeldOutRow {
  guidance: number;
  monotone: boolean;
  errors: Omit<ConditionalSynthesisErrors, 'perCell'>;
  perCell: ConditionalSynthesisErrors['perCell'];
  seconds: number;
}
interface SeedRun {
  model: SynthesisModelId;
  seed: number;
  sets: SetRow[];
  heldOut: HeldOutRow[];
}

const byCell = (cells: readonly ModelSample[], file: string, samples: readonly ModelSample[]) =>
  groupCurvesByCell(curveSetOfSamples(cells, file), curveSetOfSamples(samples, 'synthetic'));

/** What a set is called: its conditions, and the post-processing when projected. */
const PROJECTED = 'monotone-projected';
const setName = (set: string, monotone: boolean) => (monotone ? `${set}, ${PROJECTED}` : set);

function setRow(
  set: string,
  guidance: number | null,
  perCell: ArrayLike<number>[][],
  seconds: number,
  monotone: boolean,
): SetRow {
  const curves = perCell.flat();
  return {
    set: setName(set, monotone),
    guidance,
    monotone,
    curves: curves.length,
    quality: qualityOf(set, curves),
    sizeMatched: qualityOf(
      `${set} (size-matched)`,
      perCell.map((group) => group[0]!),
    ),
    shape: shapeOf(curves, riseFloor),
    featureFrechet: featureFrechet(curves),
    sourceErrors:
      guidance === null ? null : withoutCells(conditionalSynthesisErrors(trainSet.curves, perCell)),
    seconds,
  };
}

/** The aggregate errors, without the per-cell list (kept for held-out cells only). */
function withoutCells(errors: ConditionalSynthesisErrors): Omit<ConditionalSynthesisErrors, 'perCell'> {
  const { perCell: _, ...rest } = errors;
  return rest;
}

const runs: SeedRun[] = [];
let backend = 'unknown';
/** Both variants of a set of curves: as sampled, and projected onto never-rising curves (no new sampling). */
const VARIANTS = [false, true] as const;
const variantOf = (perCell: ArrayLike<number>[][], monotone: boolean) =>
  monotone ? perCell.map((group) => group.map(monotoneProjection)) : perCell;

/** The first seed's sets of every model, for the HTML report. */
const reportPanels: { title: string; curves: ArrayLike<number>[] }[] = [];
for (const model of models) {
  for (const seed of seeds) {
    console.log(`${model.id}, seed ${seed}:`);
    const sets: SetRow[] = [];
    const heldOut: HeldOutRow[] = [];
    for (const guidance of guidanceWeights) {
      const drawn = await synthesize(model, { condition: TRAIN, n: k, guidance, seed });
      backend = drawn.backend === 'unknown' ? backend : drawn.backend;
      const perCell = byCell(train, TRAIN, drawn.samples);
      const held = await synthesize(model, { condition: TEST, n: k, guidance, seed });
      const heldPerCell = byCell(test, TEST, held.samples);
      for (const monotone of VARIANTS) {
        sets.push(
          setRow(
            `conditioned on training cells, w = ${guidance}`,
            guidance,
            variantOf(perCell, monotone),
            drawn.seconds,
            monotone,
          ),
        );
        const { perCell: cells, ...errors } = conditionalSynthesisErrors(
          testSet.curves,
          variantOf(heldPerCell, monotone),
        );
        heldOut.push({ guidance, monotone, errors, perCell: cells, seconds: held.seconds });
        console.log(
          `  w ${guidance}${monotone ? ` (${PROJECTED})` : ''}: Frechet ` +
            `${sets.at(-1)!.quality.engineer.frechetDistance.toFixed(2)} (engineer), held-out life MAPE ` +
            `${(100 * errors.lifeMape).toFixed(1)} %${drawn.cached && held.cached ? ' (cached)' : ''}`,
        );
      }
      if (seed === seeds[0])
        reportPanels.push({ title: `${model.id}, ${sets.at(-2)!.set}`, curves: perCell.flat() });
    }
    // Guidance has no effect without a condition, so one unconditional set serves every w.
    const unconditional = await synthesize(model, {
      condition: null,
      n: k * train.length,
      guidance: 0,
      seed,
    });
    const curves = unconditional.samples.map((s) => s.sohCurve);
    // Size-matched: the first curves, as many as training cells.
    const groups = train.map((_, cell) => curves.slice(cell * k, (cell + 1) * k));
    for (const monotone of VARIANTS) {
      sets.push(
        setRow('unconditional (any w)', null, variantOf(groups, monotone), unconditional.seconds, monotone),
      );
    }
    if (seed === seeds[0]) reportPanels.push({ title: `${model.id}, unconditional`, curves });
    // Every set as sampled first, then every set projected.
    const ordered = (rows: readonly SetRow[]) =>
      VARIANTS.flatMap((m) => rows.filter((r) => r.monotone === m));
    runs.push({
      model: model.id,
      seed,
      sets: ordered(sets),
      heldOut: VARIANTS.flatMap((m) => heldOut.filter((h) => h.monotone === m)),
    });
  }
}

// ---- tables: mean ± sd over seeds ----

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const pct = (value: number) => `${(100 * value).toFixed(1)} %`;
const spread = (values: readonly number[], digits: number) => meanAndSpread(values, digits);
const percentSpread = (values: readonly number[]) =>
  meanAndSpread(
    values.map((v) => 100 * v),
    1,
  );
const floorFd = (space: SpaceKey) => floor.quality[space].frechetDistance;
/** Every (model, set) with its rows over seeds, in run order. */
const setsOverSeeds = models.flatMap((model) => {
  const perSeed = runs.filter((r) => r.model === model.id);
  return perSeed[0]!.sets.map((row, index) => ({
    model: model.id,
    set: row.set,
    guidance: row.guidance,
    monotone: row.monotone,
    rows: perSeed.map((r) => r.sets[index]!),
  }));
});

const qualityColumns = [
  'model',
  'set',
  'curves',
  ...SPACES.flatMap((space) => [
    `Frechet (${space.id})`,
    'x floor',
    `precision (${space.id}, %)`,
    `recall (${space.id}, %)`,
  ]),
];
const qualityCells = (scores: readonly Quality[]) =>
  SPACES.flatMap(({ key }) => {
    const fd = scores.map((q) => q[key].frechetDistance);
    return [
      spread(fd, 2),
      (mean(fd) / floorFd(key)).toFixed(1),
      percentSpread(scores.map((q) => q[key].precision)),
      percentSpread(scores.map((q) => q[key].recall)),
    ];
  });
const floorQualityRow = [
  '-',
  'measured training cells (floor)',
  String(train.length),
  ...qualityCells([floor.quality]),
];
const qualityTable = (pick: (row: SetRow) => Quality, curvesOf: (row: SetRow) => number) => [
  floorQualityRow,
  ...setsOverSeeds.map(({ model, set, rows }) => [
    model,
    set,
    String(curvesOf(rows[0]!)),
    ...qualityCells(rows.map(pick)),
  ]),
];

const FEATURE_UNITS: Record<EngineerFeatureName, string> = {
  kneeCycle: 'knee (cycle)',
  cyclesTo90: 'cycles to 90 %',
  cyclesTo80: 'cycles to 80 %',
  earlyFadeSlope: 'early fade (% / 100 cycles)',
  midFadeSlope: 'mid-life fade (% / 100 cycles)',
  smoothness: 'smoothness (pp)',
};
const FEATURE_DIGITS: Record<EngineerFeatureName, number> = {
  kneeCycle: 0,
  cyclesTo90: 0,
  cyclesTo80: 0,
  earlyFadeSlope: 2,
  midFadeSlope: 2,
  smoothness: 3,
};
type Shape = ReturnType<typeof shapeOf>;
const featureCells = (shapes: readonly Shape[]) =>
  ENGINEER_FEATURE_NAMES.map((name) =>
    spread(
      shapes.map((s) => s.featureMedians[name]),
      FEATURE_DIGITS[name],
    ),
  );
const frechetCells = (values: readonly Record<EngineerFeatureName, number>[]) =>
  ENGINEER_FEATURE_NAMES.map((name) =>
    spread(
      values.map((v) => v[name]),
      2,
    ),
  );
const riseCells = (shapes: readonly Shape[]) => [
  spread(
    shapes.map((s) => s.rise.median),
    3,
  ),
  spread(
    shapes.map((s) => s.rise.p95),
    3,
  ),
  spread(
    shapes.map((s) => s.rise.max),
    3,
  ),
  percentSpread(shapes.map((s) => s.rise.shareAboveFloor)),
];

const errorColumns = [
  'curves',
  'life MAPE, every curve (%)',
  'median-life MAPE (%)',
  'cells within 15 % (%)',
  'life bias (%)',
  ...ENGINEER_FEATURE_NAMES.map((name) => `MAE ${FEATURE_UNITS[name]}`),
];
type Errors = HeldOutRow['errors'];
const errorCells = (errors: readonly Errors[]) => [
  String(errors[0]!.curves),
  percentSpread(errors.map((e) => e.lifeMape)),
  percentSpread(errors.map((e) => e.medianLifeMape)),
  percentSpread(errors.map((e) => e.cellsWithin15)),
  percentSpread(errors.map((e) => e.lifeBias)),
  ...ENGINEER_FEATURE_NAMES.map((name) =>
    spread(
      errors.map((e) => e.featureMae[name]),
      FEATURE_DIGITS[name],
    ),
  ),
];
const heldOutOverSeeds = models.flatMap((model) =>
  VARIANTS.flatMap((monotone) =>
    guidanceWeights.map((guidance) => ({
      model: model.id,
      guidance,
      monotone,
      errors: runs
        .filter((r) => r.model === model.id)
        .map((r) => r.heldOut.find((h) => h.guidance === guidance && h.monotone === monotone)!.errors),
    })),
  ),
);
/** A model's sets (or held-out rows) of one variant: as sampled, or monotone-projected. */
const ofVariant = <T extends { model: SynthesisModelId; monotone: boolean }>(
  rows: readonly T[],
  model: SynthesisModelId,
  monotone: boolean,
) => rows.filter((row) => row.model === model && row.monotone === monotone);
const meanOf = (rows: readonly SetRow[], pick: (row: SetRow) => number) => mean(rows.map(pick));

// ---- the issue's targets, judged from the numbers ----

const verdict = (met: boolean) => (met ? '**met**' : '**missed**');
/** The best conditional set per feature space, best held-out MAPE and least-rising set of a model's variant. */
function bestOf(model: SynthesisModelId, monotone: boolean) {
  const conditional = ofVariant(setsOverSeeds, model, monotone).filter((s) => s.guidance !== null);
  const spaces = SPACES.map(({ key }) => {
    const means = conditional.map((s) => ({
      set: s.set,
      fd: meanOf(s.rows, (r) => r.quality[key].frechetDistance),
      precision: meanOf(s.rows, (r) => r.quality[key].precision),
      recall: meanOf(s.rows, (r) => r.quality[key].recall),
    }));
    const best = means.reduce((a, b) => (b.fd < a.fd ? b : a));
    const met =
      best.fd <= TARGET.frechetTimesFloor * floorFd(key) &&
      best.precision >= TARGET.precision &&
      best.recall >= TARGET.recall;
    return { ...best, met };
  });
  const held = ofVariant(heldOutOverSeeds, model, monotone).map((h) => ({
    ...h,
    mape: mean(h.errors.map((e) => e.lifeMape)),
  }));
  const bestHeld = held.reduce((a, b) => (b.mape < a.mape ? b : a));
  const rises = ofVariant(setsOverSeeds, model, monotone).map((s) => ({
    set: s.set,
    share: meanOf(s.rows, (r) => r.shape.rise.shareAboveFloor),
  }));
  const leastRising = rises.reduce((a, b) => (b.share < a.share ? b : a));
  const smoothness = ofVariant(setsOverSeeds, model, monotone).map(
    (s) => meanOf(s.rows, (r) => r.shape.featureMedians.smoothness) / smoothMeasured,
  );
  return {
    spaces,
    held,
    bestHeld,
    rises,
    leastRising,
    monotone: leastRising.share <= floor.train.rise.shareAboveFloor,
    smoothness: { min: Math.min(...smoothness), max: Math.max(...smoothness) },
  };
}
const smoothMeasured = floor.test.featureMedians.smoothness;
const targetLines = models.flatMap((model) =>
  VARIANTS.map((projected) => {
    const best = bestOf(model.id, projected);
    const spaces = SPACES.map(
      ({ key, id }, s) =>
        `in ${id} the best set (${best.spaces[s]!.set}) has Frechet ${best.spaces[s]!.fd.toFixed(2)} = ` +
        `${(best.spaces[s]!.fd / floorFd(key)).toFixed(1)}x the floor ${floorFd(key).toFixed(2)}, precision ` +
        `${pct(best.spaces[s]!.precision)}, recall ${pct(best.spaces[s]!.recall)}: ${verdict(best.spaces[s]!.met)}`,
    );
    return (
      `**${model.name}, ${projected ? PROJECTED : 'as sampled'}.** Distribution target (Frechet <= ` +
      `${TARGET.frechetTimesFloor}x the floor, precision and recall >= ${pct(TARGET.precision)}): ` +
      `${spaces.join('; ')}. Held-out conditions (life MAPE <= ${pct(TARGET.lifeMape)}, every synthetic curve ` +
      `against its test cell's measured life): best at w = ${best.bestHeld.guidance} with ` +
      `${pct(best.bestHeld.mape)} (median-life MAPE ` +
      `${pct(mean(best.bestHeld.errors.map((e) => e.medianLifeMape)))}): ` +
      `${verdict(best.bestHeld.mape <= TARGET.lifeMape)}. Monotonicity (no more curves rising above the floor ` +
      `than measured cells): the fewest in ${best.leastRising.set}, ${pct(best.leastRising.share)} of curves, ` +
      `against ${pct(floor.train.rise.shareAboveFloor)} of the measured training cells: ${verdict(best.monotone)}.`
    );
  }),
);

/** What the projection changes, model by model: every figure from the tables, as sampled -> projected. */
const range = (values: readonly number[], format: (v: number) => string) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return format(low) === format(high) ? format(low) : `${format(low)} to ${format(high)}`;
};
const projectionEffects = models.map((model) => {
  const [before, after] = VARIANTS.map((monotone) => bestOf(model.id, monotone)) as [
    ReturnType<typeof bestOf>,
    ReturnType<typeof bestOf>,
  ];
  const x = (v: number) => `${v.toFixed(1)}x`;
  const lifeChange = before.held.map((h, i) => after.held[i]!.mape - h.mape);
  const spaces = SPACES.map(
    ({ id, key }, s) =>
      `best ${id} Frechet ${before.spaces[s]!.fd.toFixed(2)} -> ${after.spaces[s]!.fd.toFixed(2)} ` +
      `(${x(after.spaces[s]!.fd / floorFd(key))} the floor; precision ${pct(after.spaces[s]!.precision)}, ` +
      `recall ${pct(after.spaces[s]!.recall)}; target ${after.spaces[s]!.met ? 'met' : 'missed'})`,
  );
  return {
    model: model.id,
    before,
    after,
    lifeChange,
    text:
      `${model.id}: curves rising above the floor ${range(
        before.rises.map((r) => r.share),
        pct,
      )} -> ${range(
        after.rises.map((r) => r.share),
        pct,
      )} of each set; smoothness ${range([before.smoothness.min, before.smoothness.max], x)} -> ` +
      `${range([after.smoothness.min, after.smoothness.max], x)} the measured cells'; ${spaces.join('; ')}; ` +
      `held-out life MAPE ${range(
        before.held.map((h) => h.mape),
        pct,
      )} -> ${range(
        after.held.map((h) => h.mape),
        pct,
      )}`,
  };
});
const effectsAll = {
  monotone: projectionEffects.every((e) => e.after.monotone),
  stillRough: Math.min(...projectionEffects.map((e) => e.after.smoothness.min)),
  roughest: Math.max(...projectionEffects.map((e) => e.after.smoothness.max)),
  engineerMissed: projectionEffects.filter((e) => !e.after.spaces[1]!.met).map((e) => e.model),
  lifeShift: Math.max(...projectionEffects.flatMap((e) => e.lifeChange.map(Math.abs))),
};
const projectionText =
  `What the monotone projection (\`diffbatt synthesize --monotone\`, \`monotoneProjection\` of @diffbatt/eval) ` +
  `does to the same sampled curves (no new sampling): it replaces each curve, up to its end of data (the ` +
  `first point at or below 60 % SOH; the padding after it is kept), by the nearest curve in least squares ` +
  `that never rises: every rise is pooled with the points before it into their mean, so a noisy fade ` +
  `becomes a staircase of flat steps. As sampled -> projected (means over seeds; ranges over the sets of ` +
  `a model): ${projectionEffects.map((e) => e.text).join('; ')}. ` +
  (effectsAll.monotone
    ? 'It fixes monotonicity: no projected curve rises above the floor, so that target is met for every model. '
    : 'Monotonicity is still missed for some model after it. ') +
  (effectsAll.stillRough > 1.5
    ? `It does not fix roughness: projected curves are still ${effectsAll.stillRough.toFixed(1)}x to ` +
      `${effectsAll.roughest.toFixed(1)}x the measured cells' median smoothness (the steps between flat ` +
      'runs are second differences too), '
    : `Projected curves are ${effectsAll.stillRough.toFixed(1)}x to ${effectsAll.roughest.toFixed(1)}x the ` +
      "measured cells' median smoothness, ") +
  (effectsAll.engineerMissed.length > 0
    ? `and the ${ENGINEER_FEATURES_ID} distribution target stays missed for ${effectsAll.engineerMissed.join(' and ')}. `
    : `and the ${ENGINEER_FEATURES_ID} distribution target is met for every model. `) +
  `Held-out life MAPE changes by at most ${(100 * effectsAll.lifeShift).toFixed(1)} percentage points ` +
  '(a dip below 80 % SOH that the curve climbs back from is pooled with it, which can move its first ' +
  "crossing). The projection hides the sampler's noise; it does not make the model learn smooth curves.";

const dominant = models.map((model) => {
  const sets = ofVariant(setsOverSeeds, model.id, false).filter((s) => s.guidance !== null);
  const best = sets.reduce((a, b) =>
    mean(b.rows.map((r) => r.quality.engineer.frechetDistance)) <
    mean(a.rows.map((r) => r.quality.engineer.frechetDistance))
      ? b
      : a,
  );
  const perFeature = ENGINEER_FEATURE_NAMES.map((name) => ({
    name,
    fd: mean(best.rows.map((r) => r.featureFrechet[name])),
  })).sort((a, b) => b.fd - a.fd);
  return (
    `${model.id} (${best.set}): ` +
    perFeature
      .map(
        (f) =>
          `${FEATURE_UNITS[f.name]} ${f.fd.toFixed(2)} (floor ${floor.featureFrechet[f.name].toFixed(2)})`,
      )
      .join(', ')
  );
});
const memorisation = models.map((model) => {
  const seen = ofVariant(setsOverSeeds, model.id, false).filter((set) => set.guidance !== null);
  const seenMape = seen.map((set) => mean(set.rows.map((r) => r.sourceErrors!.lifeMape)));
  const heldMape = ofVariant(heldOutOverSeeds, model.id, false).map((h) =>
    mean(h.errors.map((e) => e.lifeMape)),
  );
  return {
    // Copies: the worst training-condition error is under half the best held-out one.
    copies: Math.max(...seenMape) < Math.min(...heldMape) / 2,
    text:
      `${model.id}: life MAPE ${pct(Math.min(...seenMape))} to ${pct(Math.max(...seenMape))} on training ` +
      `conditions against ${pct(Math.min(...heldMape))} to ${pct(Math.max(...heldMape))} on held-out ones`,
  };
});
const memorisationText =
  (memorisation.every((m) => m.copies)
    ? "Conditioned on a training cell, every model returns close to that cell's own curve"
    : 'Training and held-out conditions compared') +
  ` (${memorisation.map((m) => m.text).join('; ')})` +
  (memorisation.every((m) => m.copies)
    ? ': the training-conditioned sets sit near the floor partly because they copy training cells, so the ' +
      'held-out rows are the test of synthesis for new conditions.'
    : '.');
const roughest = setsOverSeeds
  .filter((s) => !s.monotone)
  .map((s) => ({
    name: `${s.model}, ${s.set}`,
    ratio: mean(s.rows.map((r) => r.shape.featureMedians.smoothness)) / smoothMeasured,
  }));
const summary = [
  `How close are synthetic MATR-1 SOH curves to measured ones? For each model (${models
    .map((m) => `${m.id}: ${m.name}`)
    .join('; ')}) and seed, \`diffbatt synthesize\` draws ${k} curves per training cell (${train.length} ` +
    `cells, ${train.length * k} curves per set) with ${SAMPLER.sampler} ${SAMPLER.steps} steps (x0 clipped), ` +
    `conditioned on each training cell's capacity matrix at guidance w = ${guidanceWeights.join(', ')}, ` +
    `and as many unconditional curves. Every set is compared with the ${test.length} held-out measured test ` +
    `cells by Frechet distance (lower is better) and k-NN precision (fidelity) and recall (diversity), ` +
    `k = ${NEIGHBOURS}, in two feature spaces: ${SPACES.map((s) => s.description).join('; and ')}. The floor ` +
    `is what measured cells reach: the ${train.length} measured training cells against the same test cells ` +
    `(no seed). Mean ± sd over seeds ${seeds.join(', ')}. The released weights are the reference for what ` +
    `the architecture can do. Every set appears twice: as sampled, and ${PROJECTED} (the same curves ` +
    `projected onto the nearest never-rising curves, \`--monotone\`; see below).`,
  `Issue 18's targets, judged on the means over seeds. ${targetLines.join(' ')}`,
  `Monotonicity: the largest rise of a curve above its running minimum (SOH percentage points, over its ` +
    `life window: up to the first point at or below 80 % SOH or the end of its data). The floor is the ` +
    `largest rise of any measured test cell, ${riseFloor.toFixed(3)} points (their early capacity recovery; ` +
    `the processed measured curves carry little noise beyond it); ${pct(floor.train.rise.shareAboveFloor)} of ` +
    `the measured training cells exceed it.`,
  `Smoothness (mean |second difference| of SOH %, median over curves): measured test cells ` +
    `${smoothMeasured.toFixed(3)} points per 10-cycle point; synthetic sets as sampled ` +
    `${Math.min(...roughest.map((r) => r.ratio)).toFixed(1)}x to ${Math.max(...roughest.map((r) => r.ratio)).toFixed(1)}x ` +
    `that: synthetic curves are rougher than measured ones, which the engineer feature space sees and ` +
    `soh-thresholds-v1 does not. One feature at a time (1-D Frechet distance in test-cell sd units, largest ` +
    `first, best conditional set by ${ENGINEER_FEATURES_ID} distance, as sampled): ${dominant.join('; ')}.`,
  projectionText,
  `Held-out conditional synthesis: ${k} curves for each test cell's capacity matrix (conditions no ` +
    `training cell has) against that cell's measured curve; life by the original protocol (first cycle at ` +
    `or below 80 %). The no-skill reference gives every test cell the ${train.length} measured training ` +
    `curves (a generator that ignores the condition): life MAPE ${pct(floor.noSkill.lifeMape)}. ` +
    `${memorisationText} The curve ` +
    `bands of seed ${seeds[0]} are drawn in \`${REPORT}\` (not committed; rerun to see them).`,
];

const tables = [
  {
    title: `Synthetic and measured sets against the ${test.length} measured test cells (mean ± sd over ${seeds.length} seeds)`,
    columns: qualityColumns,
    rows: qualityTable(
      (row) => row.quality,
      (row) => row.curves,
    ),
    notes: [
      `x floor: the mean Frechet distance over the floor's (${SPACES.map((s) => `${floorFd(s.key).toFixed(2)} in ${s.id}`).join(', ')}); ` +
        `the floor row shows the measured training cells' precision and recall. Synthetic sets hold ${k} curves ` +
        'per training cell, the floor one per cell; the next table matches the sizes.',
    ],
  },
  {
    title: `Same size as the floor: each set's first curve per training cell (${train.length} curves; mean ± sd over ${seeds.length} seeds)`,
    columns: qualityColumns,
    rows: qualityTable(
      (row) => row.sizeMatched,
      () => train.length,
    ),
    notes: [
      'The unconditional set takes its first curves. Neither metric is blind to set size, so this is the ' +
        'like-for-like comparison with the floor.',
    ],
  },
  {
    title: `Frechet distance per engineer feature, one dimension each, standardised by the test cells (mean ± sd over ${seeds.length} seeds)`,
    columns: ['model', 'set', ...ENGINEER_FEATURE_NAMES.map((name) => FEATURE_UNITS[name])],
    rows: [
      ['-', 'measured training cells (floor)', ...frechetCells([floor.featureFrechet])],
      ...setsOverSeeds.map(({ model, set, rows }) => [
        model,
        set,
        ...frechetCells(rows.map((r) => r.featureFrechet)),
      ]),
    ],
    notes: [
      `(mean difference)^2 + (sd difference)^2 in units of the test cells' sd per feature: which features ` +
        `make the ${ENGINEER_FEATURES_ID} distance of the first table (the full distance also counts correlations).`,
    ],
  },
  {
    title: `Engineer features: median over each set's curves (mean ± sd over ${seeds.length} seeds)`,
    columns: ['model', 'set', ...ENGINEER_FEATURE_NAMES.map((name) => FEATURE_UNITS[name])],
    rows: [
      ['-', `measured test cells (${test.length})`, ...featureCells([floor.test])],
      ['-', `measured training cells (${train.length})`, ...featureCells([floor.train])],
      ...setsOverSeeds.map(({ model, set, rows }) => [model, set, ...featureCells(rows.map((r) => r.shape))]),
    ],
    notes: [
      "Cycles are a curve point's last cycle (10-cycle resolution; 2560 = never). Slopes are negative for " +
        'fade. Knee: the point of the life window farthest above the chord from its first to its last point ' +
        '(Kneedle without smoothing). Mid-life fade: least squares from the first point at or below 90 % SOH to ' +
        'the end of the life window (at least 5 points). Smoothness: mean |second difference| of SOH % in ' +
        'percentage points (pp) per 10-cycle point.',
    ],
  },
  {
    title: `Monotonicity: largest SOH rise above the running minimum, in SOH percentage points (floor ${riseFloor.toFixed(3)}; mean ± sd over ${seeds.length} seeds)`,
    columns: ['model', 'set', 'median', '95th percentile', 'largest', 'curves above the floor (%)'],
    rows: [
      ['-', `measured test cells (${test.length}; define the floor)`, ...riseCells([floor.test])],
      ['-', `measured training cells (${train.length})`, ...riseCells([floor.train])],
      ...setsOverSeeds.map(({ model, set, rows }) => [model, set, ...riseCells(rows.map((r) => r.shape))]),
    ],
    notes: [
      `The floor is the largest rise among the measured test cells' curves; a synthetic set is as monotone as ` +
        `measured cells when no larger share of its curves rises above it than of the measured training cells.`,
    ],
  },
  {
    title: `Held-out conditions: ${k} curves per MATR-1 test cell against its measured curve (mean ± sd over ${seeds.length} seeds)`,
    columns: ['model', 'conditions', 'w', ...errorColumns],
    rows: [
      [
        'no-skill reference: the measured training curves for every test cell',
        'test cells',
        '-',
        ...errorCells([floor.noSkill]),
      ],
      ...heldOutOverSeeds.map(({ model, guidance, monotone, errors }) => [
        model,
        setName('test cells (held out)', monotone),
        String(guidance),
        ...errorCells(errors),
      ]),
      ...setsOverSeeds
        .filter((set) => set.guidance !== null)
        .map(({ model, guidance, monotone, rows }) => [
          model,
          setName('training cells (seen in training)', monotone),
          String(guidance),
          ...errorCells(rows.map((r) => r.sourceErrors!)),
        ]),
    ],
    notes: [
      `Life: first cycle at or below 80 % SOH by the original protocol. Life MAPE over every curve (each ` +
        `against its cell's measured life; the issue's target: <= ${pct(TARGET.lifeMape)}) and over each ` +
        `cell's median life; bias: mean signed relative error of the curves. Feature MAE: mean absolute ` +
        `difference between a curve's engineer feature and its cell's measured one, in the feature's units. ` +
        `Training-cell rows score the training-conditioned sets of the first tables against their source ` +
        `cells: how closely the models reproduce cells they were trained on.`,
    ],
  },
];

const file = writeBenchmarkResult({
  ...benchmarkProvenance(
    `pnpm bench:synthesis --seeds ${seeds.join(',')} --k ${k} --guidance ${guidanceWeights.join(',')} ` +
      `--models ${modelIds.join(',')}`,
    backend,
  ),
  id: 'synthesis-quality-matr_1',
  title: 'Synthesis quality: synthetic vs measured MATR-1 curves',
  summary,
  tables,
  raw: {
    models,
    sampler: SAMPLER,
    seeds,
    k,
    guidanceWeights,
    neighbours: NEIGHBOURS,
    featureSpaces: SPACES.map(({ id, description }) => ({ id, description })),
    engineerStandardisation: {
      features: ENGINEER_FEATURE_NAMES,
      means: Array.from(engineerScaling.means),
      scales: Array.from(engineerScaling.scales),
    },
    data: { train: TRAIN, test: TEST, trainCells: train.length, testCells: test.length },
    riseFloor,
    floor,
    runs,
  },
});
console.log(`wrote ${file}`);

// The first seed's curve bands, every model's sets against the measured test cells.
const BAND_LEVEL = 0.8;
const band = (curves: readonly ArrayLike<number>[]) => sohCurveBand(curves, BAND_LEVEL);
const html = renderSynthesisReport({
  title: 'DiffBatt synthesis quality (bench:synthesis)',
  facts: [
    ['models', models.map((m) => `${m.id}: ${m.directory}`).join('; ')],
    ['sampler', `${SAMPLER.sampler} ${SAMPLER.steps} steps, ${k} curves per training cell, seed ${seeds[0]}`],
  ],
  tables: tables.slice(0, 1).map((t) => ({ caption: t.title, header: t.columns, rows: t.rows })),
  notes: summary.slice(0, 1),
  cycles: SOH_CURVE_CYCLES,
  reference: { label: `measured test cells (${test.length})`, band: band(testSet.curves) },
  panels: [
    { title: `measured training cells (${train.length})`, synthetic: false, band: band(trainSet.curves) },
    ...reportPanels.map(({ title, curves }) => ({
      title: `SYNTHETIC, ${title} (${curves.length})`,
      synthetic: true,
      band: band(curves.filter(isFiniteCurve)),
    })),
  ],
  bandLabel: '10-90 % of curves per cycle',
  endOfLifeSoh: 80,
});
mkdirSync(dirname(join(REPOSITORY_ROOT, REPORT)), { recursive: true });
writeFileSync(join(REPOSITORY_ROOT, REPORT), html);
console.log(`wrote ${REPORT}`);
await import('../lib/write-benchmarks-md.js');
