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
 * Every set is scored three ways from the same samples: as sampled, monotone-projected, and smoothed
 * (`whittakerSmoothing`, its penalty chosen per model on the training cells alone) then projected.
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
  whittakerSmoothing,
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
  /** What was done to the samples before scoring (`VARIANTS`); the same samples for each. */
  variant: Variant;
  /** The curves projected onto never-rising ones (`monotoneProjection`). */
  monotone: boolean;
  /** The Whittaker smoothing penalty applied before the projection (`whittakerSmoothing`; 0 = none). */
  smoothing: number;
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
  variant: Variant;
  monotone: boolean;
  smoothing: number;
  errors: Omit<ConditionalSynthesisErrors, 'perCell'>;
  perCell: ConditionalSynthesisErrors['perCell'];
  seconds: number;
}
interface SeedRun {
  model: SynthesisModelId;
  seed: number;
  /** The model's smoothing penalty (`smoothingPenaltyOf`), the same for every seed. */
  smoothingPenalty: number;
  sets: SetRow[];
  heldOut: HeldOutRow[];
}

const byCell = (cells: readonly ModelSample[], file: string, samples: readonly ModelSample[]) =>
  groupCurvesByCell(curveSetOfSamples(cells, file), curveSetOfSamples(samples, 'synthetic'));

/** What a set is called: its conditions, and the post-processing when projected. */
const PROJECTED = 'monotone-projected';
/**
 * The post-processings every set is scored with, from the same samples: as sampled; projected onto
 * never-rising curves (`--monotone`); smoothed with the model's penalty and then projected (`--smooth`).
 */
const VARIANTS = ['sampled', 'projected', 'smoothed'] as const;
type Variant = (typeof VARIANTS)[number];
const SMOOTHED = (penalty: number) => `smoothed (penalty ${penalty}) and ${PROJECTED}`;
const variantName = (variant: Variant, penalty: number) =>
  variant === 'sampled' ? 'as sampled' : variant === 'projected' ? PROJECTED : SMOOTHED(penalty);
const setName = (set: string, variant: Variant, penalty: number) =>
  variant === 'sampled' ? set : `${set}, ${variantName(variant, penalty)}`;

function setRow(
  set: string,
  guidance: number | null,
  drawn: ArrayLike<number>[][],
  seconds: number,
  variant: Variant,
  penalty: number,
): SetRow {
  const perCell = variantOf(drawn, variant, penalty);
  const curves = perCell.flat();
  return {
    set: setName(set, variant, penalty),
    guidance,
    variant,
    ...postProcessing(variant, penalty),
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
/** A variant's settings, as `generateCurves({ smoothing, monotone })` takes them. */
const postProcessing = (variant: Variant, penalty: number) => ({
  monotone: variant !== 'sampled',
  smoothing: variant === 'smoothed' ? penalty : 0,
});
/** A variant of a set of curves, from the same samples (no new sampling). */
function variantOf(perCell: ArrayLike<number>[][], variant: Variant, penalty: number): ArrayLike<number>[][] {
  if (variant === 'sampled') return perCell;
  const smooth = (curve: ArrayLike<number>) =>
    variant === 'smoothed' ? whittakerSmoothing(curve, penalty) : curve;
  return perCell.map((group) => group.map((curve) => monotoneProjection(smooth(curve))));
}

/**
 * The smoothing penalty of a model, chosen on the training cells alone (the test cells judge it): the
 * penalty of `SMOOTHING_PENALTIES` whose smoothed and projected training-conditioned sets come nearest the
 * measured training cells (engineer-v1 Frechet distance, standardised by the training cells), mean over the
 * run's guidance weights and seeds.
 */
const SMOOTHING_PENALTIES = [0.5, 1, 2, 3, 5, 10];
const trainEngineerScaling = featureStandardisation(trainSet.curves.map(engineerFeatureVector));
const trainEngineerOf = (curve: ArrayLike<number>) =>
  standardise(trainEngineerScaling, engineerFeatureVector(curve));
const trainEngineerReference = trainSet.curves.map(trainEngineerOf);
function smoothingPenaltyOf(trainingConditioned: readonly ArrayLike<number>[][][]) {
  const scores = SMOOTHING_PENALTIES.map((penalty) => {
    const distances = trainingConditioned.map(
      (perCell) =>
        curveSetQuality(
          'training-conditioned',
          variantOf(perCell, 'smoothed', penalty).flat(),
          trainEngineerReference,
          NEIGHBOURS,
          trainEngineerOf,
        ).frechetDistance,
    );
    return { penalty, frechetDistance: distances.reduce((a, b) => a + b, 0) / distances.length };
  });
  const best = scores.reduce((a, b) => (b.frechetDistance < a.frechetDistance ? b : a));
  return { penalty: best.penalty, scores };
}

/** The first seed's sets of every model, for the HTML report. */
const reportPanels: { title: string; curves: ArrayLike<number>[] }[] = [];
/** Each model's smoothing penalty and the training-cell scores it was chosen by. */
const smoothing = new Map<SynthesisModelId, ReturnType<typeof smoothingPenaltyOf>>();
for (const model of models) {
  // The penalty first, from the training-conditioned sets of every seed and w (drawn once: cached).
  const trainingConditioned: ArrayLike<number>[][][] = [];
  for (const seed of seeds) {
    for (const guidance of guidanceWeights) {
      const drawn = await synthesize(model, { condition: TRAIN, n: k, guidance, seed });
      trainingConditioned.push(byCell(train, TRAIN, drawn.samples));
    }
  }
  const chosen = smoothingPenaltyOf(trainingConditioned);
  smoothing.set(model.id, chosen);
  const penalty = chosen.penalty;
  console.log(
    `${model.id}: smoothing penalty ${penalty} (training-cell engineer Frechet ` +
      `${chosen.scores.map((s) => `${s.penalty}: ${s.frechetDistance.toFixed(2)}`).join(', ')})`,
  );
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
      for (const variant of VARIANTS) {
        sets.push(
          setRow(
            `conditioned on training cells, w = ${guidance}`,
            guidance,
            perCell,
            drawn.seconds,
            variant,
            penalty,
          ),
        );
        const { perCell: cells, ...errors } = conditionalSynthesisErrors(
          testSet.curves,
          variantOf(heldPerCell, variant, penalty),
        );
        heldOut.push({
          guidance,
          variant,
          ...postProcessing(variant, penalty),
          errors,
          perCell: cells,
          seconds: held.seconds,
        });
        console.log(
          `  w ${guidance}${variant === 'sampled' ? '' : ` (${variantName(variant, penalty)})`}: Frechet ` +
            `${sets.at(-1)!.quality.engineer.frechetDistance.toFixed(2)} (engineer), held-out life MAPE ` +
            `${(100 * errors.lifeMape).toFixed(1)} %${drawn.cached && held.cached ? ' (cached)' : ''}`,
        );
      }
      if (seed === seeds[0])
        reportPanels.push({
          title: `${model.id}, ${sets.at(-VARIANTS.length)!.set}`,
          curves: perCell.flat(),
        });
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
    for (const variant of VARIANTS) {
      sets.push(setRow('unconditional (any w)', null, groups, unconditional.seconds, variant, penalty));
    }
    if (seed === seeds[0]) reportPanels.push({ title: `${model.id}, unconditional`, curves });
    // Every set as sampled first, then every set projected, then smoothed.
    const ordered = <T extends { variant: Variant }>(rows: readonly T[]) =>
      VARIANTS.flatMap((v) => rows.filter((r) => r.variant === v));
    runs.push({
      model: model.id,
      seed,
      smoothingPenalty: penalty,
      sets: ordered(sets),
      heldOut: ordered(heldOut),
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
    variant: row.variant,
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
  VARIANTS.flatMap((variant) =>
    guidanceWeights.map((guidance) => ({
      model: model.id,
      guidance,
      variant,
      errors: runs
        .filter((r) => r.model === model.id)
        .map((r) => r.heldOut.find((h) => h.guidance === guidance && h.variant === variant)!.errors),
    })),
  ),
);
/** A model's sets (or held-out rows) of one variant. */
const ofVariant = <T extends { model: SynthesisModelId; variant: Variant }>(
  rows: readonly T[],
  model: SynthesisModelId,
  variant: Variant,
) => rows.filter((row) => row.model === model && row.variant === variant);
const penaltyOf = (model: SynthesisModelId) => smoothing.get(model)!.penalty;
const meanOf = (rows: readonly SetRow[], pick: (row: SetRow) => number) => mean(rows.map(pick));

// ---- the issue's targets, judged from the numbers ----

const verdict = (met: boolean) => (met ? '**met**' : '**missed**');
/** The best conditional set per feature space, best held-out MAPE and least-rising set of a model's variant. */
function bestOf(model: SynthesisModelId, variant: Variant) {
  const conditional = ofVariant(setsOverSeeds, model, variant).filter((s) => s.guidance !== null);
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
  const held = ofVariant(heldOutOverSeeds, model, variant).map((h) => ({
    ...h,
    mape: mean(h.errors.map((e) => e.lifeMape)),
  }));
  const bestHeld = held.reduce((a, b) => (b.mape < a.mape ? b : a));
  const rises = ofVariant(setsOverSeeds, model, variant).map((s) => ({
    set: s.set,
    share: meanOf(s.rows, (r) => r.shape.rise.shareAboveFloor),
  }));
  const leastRising = rises.reduce((a, b) => (b.share < a.share ? b : a));
  const smoothness = ofVariant(setsOverSeeds, model, variant).map(
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
  VARIANTS.map((variant) => {
    const best = bestOf(model.id, variant);
    const spaces = SPACES.map(
      ({ key, id }, s) =>
        `in ${id} the best set (${best.spaces[s]!.set}) has Frechet ${best.spaces[s]!.fd.toFixed(2)} = ` +
        `${(best.spaces[s]!.fd / floorFd(key)).toFixed(1)}x the floor ${floorFd(key).toFixed(2)}, precision ` +
        `${pct(best.spaces[s]!.precision)}, recall ${pct(best.spaces[s]!.recall)}: ${verdict(best.spaces[s]!.met)}`,
    );
    return (
      `**${model.name}, ${variantName(variant, penaltyOf(model.id))}.** Distribution target (Frechet <= ` +
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

/** What a post-processing changes, model by model: every figure from the tables, as sampled -> after it. */
const range = (values: readonly number[], format: (v: number) => string) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return format(low) === format(high) ? format(low) : `${format(low)} to ${format(high)}`;
};
const effectsOf = (variant: Variant) =>
  models.map((model) => {
    const [before, after] = [bestOf(model.id, 'sampled'), bestOf(model.id, variant)];
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
/** The effects of a post-processing over every model. */
const allEffects = (effects: ReturnType<typeof effectsOf>) => ({
  monotone: effects.every((e) => e.after.monotone),
  stillRough: Math.min(...effects.map((e) => e.after.smoothness.min)),
  roughest: Math.max(...effects.map((e) => e.after.smoothness.max)),
  engineerMissed: effects.filter((e) => !e.after.spaces[1]!.met).map((e) => e.model),
  lifeShift: Math.max(...effects.flatMap((e) => e.lifeChange.map(Math.abs))),
});
const projectionEffects = effectsOf('projected');
const effectsAll = allEffects(projectionEffects);
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

const smoothingEffects = effectsOf('smoothed');
const smoothedAll = allEffects(smoothingEffects);
const smoothingText =
  `What smoothing before the projection (\`diffbatt synthesize --smooth <penalty> --monotone\`, ` +
  `\`whittakerSmoothing\` of @diffbatt/eval) does to the same sampled curves: each curve's observed points are ` +
  'replaced by the Whittaker-Henderson fit (least squares plus the penalty times the squared second ' +
  'differences; a straight fade is left as it is), then projected as above. The penalty is chosen per model on ' +
  `the training cells alone, before any test cell is scored: of ${SMOOTHING_PENALTIES.join(', ')}, the one whose ` +
  `smoothed training-conditioned sets come nearest the measured training cells (${ENGINEER_FEATURES_ID} ` +
  'Frechet distance standardised by the training cells, mean over guidance weights and seeds): ' +
  models
    .map((model) => {
      const chosen = smoothing.get(model.id)!;
      return (
        `${model.id} ${chosen.penalty} (` +
        chosen.scores.map((s) => `${s.penalty}: ${s.frechetDistance.toFixed(2)}`).join(', ') +
        ')'
      );
    })
    .join('; ') +
  `. As sampled -> smoothed and projected: ${smoothingEffects.map((e) => e.text).join('; ')}. ` +
  `Smoothed curves are ${smoothedAll.stillRough.toFixed(1)}x to ${smoothedAll.roughest.toFixed(1)}x the ` +
  "measured cells' median smoothness" +
  (smoothedAll.monotone ? ' and none rises above the floor; ' : '; some model still has curves rising; ') +
  (smoothedAll.engineerMissed.length > 0
    ? `the ${ENGINEER_FEATURES_ID} distribution target stays missed for ${smoothedAll.engineerMissed.join(' and ')}` +
      (smoothedAll.engineerMissed.length < models.length ? ' and is met for the others' : '')
    : `the ${ENGINEER_FEATURES_ID} distribution target is met for every model`) +
  `. Held-out life MAPE changes by at most ${(100 * smoothedAll.lifeShift).toFixed(1)} percentage points. ` +
  `What keeps the smoothed sets from the floor, one feature at a time (as above): ` +
  `${dominantFeatures('smoothed').join('; ')}. ` +
  "Like the projection, smoothing treats the sampler's noise after the fact; the network still draws rough curves.";

/** Per model, the 1-D Frechet distance of each engineer feature in its best conditional set of a variant. */
function dominantFeatures(variant: Variant) {
  return models.map((model) => {
    const sets = ofVariant(setsOverSeeds, model.id, variant).filter((s) => s.guidance !== null);
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
}
const memorisation = models.map((model) => {
  const seen = ofVariant(setsOverSeeds, model.id, 'sampled').filter((set) => set.guidance !== null);
  const seenMape = seen.map((set) => mean(set.rows.map((r) => r.sourceErrors!.lifeMape)));
  const heldMape = ofVariant(heldOutOverSeeds, model.id, 'sampled').map((h) =>
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
  .filter((s) => s.variant === 'sampled')
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
    `the architecture can do. Every set appears three times, from the same samples: as sampled; ${PROJECTED} ` +
    `(projected onto the nearest never-rising curves, \`--monotone\`); and smoothed with the model's penalty ` +
    `before the projection (\`--smooth\`; the penalty chosen on the training cells, see below).`,
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
    `first, best conditional set by ${ENGINEER_FEATURES_ID} distance, as sampled): ${dominantFeatures('sampled').join('; ')}.`,
  projectionText,
  smoothingText,
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
      ...heldOutOverSeeds.map(({ model, guidance, variant, errors }) => [
        model,
        setName('test cells (held out)', variant, penaltyOf(model)),
        String(guidance),
        ...errorCells(errors),
      ]),
      ...setsOverSeeds
        .filter((set) => set.guidance !== null)
        .map(({ model, guidance, variant, rows }) => [
          model,
          setName('training cells (seen in training)', variant, penaltyOf(model)),
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
    smoothing: Object.fromEntries(smoothing),
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
