/**
 * Synthesis quality on MATR-1 (issue 10): how close are DiffBatt's synthetic SOH curves to held-out measured
 * cells, against what measured cells themselves reach? For each seed, `diffbatt synth-report` draws K curves
 * per real training cell from the bundled model (conditioned on its capacity matrix, per guidance weight w)
 * and K per training cell unconditionally, and scores every set against the measured test cells by Frechet
 * distance and k-NN precision/recall (k = 3) in @diffbatt/eval's `soh-thresholds-v1` feature space; the
 * floor is the measured training cells against the same test cells. Writes
 * benchmarks/results/synthesis-quality-matr_1.json.
 *
 *   pnpm bench:synthesis [--seeds 0,1,2] [--k 4] [--guidance 0,1,3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type {
  SynthesisQualityReport,
  SynthesisQualityRow,
} from '../../apps/cli/src/commands/synth-report.js';
import type { CurveSetQuality } from '../../packages/eval/src/index.js';
import { fail, isCount, numberList } from '../lib/args.js';
import { MODEL, runBundledModel, SAMPLER, TEST, TRAIN } from '../lib/bundled-matr1.js';
import { benchmarkProvenance, meanAndSpread, writeBenchmarkResult } from '../lib/results.js';

/** The HTML report of the first seed, for looking at the curve bands (out/ is not committed). */
const REPORT = 'out/synthesis-quality/report.html';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    k: { type: 'string', default: '4' },
    guidance: { type: 'string', default: '0,1,3' },
  },
});
const seeds = numberList('seeds', args.seeds, isCount, 'integers >= 0');
const k = Number(args.k);
if (!(Number.isInteger(k) && k >= 1)) fail(`--k must be an integer >= 1: ${args.k}`);

function synthReport(seed: number, json: string): SynthesisQualityReport {
  const stdout = runBundledModel('synth-report', [
    '--train',
    TRAIN,
    '--test',
    TEST,
    '--n',
    String(k),
    '--guidance',
    args.guidance,
    '--seed',
    String(seed),
    '--json',
    json,
    ...(seed === seeds[0] ? ['--report', REPORT] : []),
  ]);
  console.log(stdout.trim());
  return JSON.parse(readFileSync(json, 'utf8')) as SynthesisQualityReport;
}

const reports: { seed: number; report: SynthesisQualityReport }[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'diffbatt-synthesis-quality-'));
try {
  for (const seed of seeds) {
    console.log(`seed ${seed}:`);
    reports.push({ seed, report: synthReport(seed, join(scratch, `seed${seed}.json`)) });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const first = reports[0]!.report;
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
/** A set's rows over seeds: the floor, each w's conditional set, the unconditional set. */
const sets: { name: string; rows: SynthesisQualityRow[] }[] = [
  { name: 'measured train vs measured test (floor)', rows: reports.map((r) => r.report.floor) },
  ...first.guidanceWeights.map((w, index) => ({
    name: `synthetic, conditioned on training cells, w = ${w}`,
    rows: reports.map((r) => r.report.conditional[index]!),
  })),
  { name: 'synthetic, unconditional (any w)', rows: reports.map((r) => r.report.unconditional) },
];
const percent = (values: readonly number[]) =>
  meanAndSpread(
    values.map((v) => v * 100),
    1,
  );
const tableRows = (scoresOf: (row: SynthesisQualityRow) => CurveSetQuality) =>
  sets.map(({ name, rows }) => {
    const scores = rows.map(scoresOf);
    return [
      name,
      String(scores[0]!.curves + scores[0]!.nonFiniteCurves),
      meanAndSpread(
        scores.map((r) => r.frechetDistance),
        2,
      ),
      percent(scores.map((r) => r.precision)),
      percent(scores.map((r) => r.recall)),
    ];
  });
const columns = ['set', 'curves', 'Frechet distance', 'precision (%)', 'recall (%)'];

// Plain-language comparison with the floor: the closest synthetic set by mean Frechet distance, and how far
// every synthetic set stays from the floor on each metric.
const floor = sets[0]!;
const floorFd = mean(floor.rows.map((r) => r.frechetDistance));
const floorPrecision = mean(floor.rows.map((r) => r.precision));
const floorRecall = mean(floor.rows.map((r) => r.recall));
const meansOf = (scoresOf: (row: SynthesisQualityRow) => CurveSetQuality) =>
  sets.slice(1).map(({ name, rows }) => {
    const scores = rows.map(scoresOf);
    return {
      name,
      fd: mean(scores.map((r) => r.frechetDistance)),
      precision: mean(scores.map((r) => r.precision)),
      recall: mean(scores.map((r) => r.recall)),
      nonFinite: scores.reduce((sum, r) => sum + r.nonFiniteCurves, 0),
    };
  });
const synthetic = meansOf((row) => row);
const sizeMatched = meansOf((row) => row.sizeMatched ?? row);
const bestMatched = sizeMatched.reduce((a, b) => (b.fd < a.fd ? b : a));
const best = synthetic.reduce((a, b) => (b.fd < a.fd ? b : a));
const worst = synthetic.reduce((a, b) => (b.fd > a.fd ? b : a));
const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
const range = (values: readonly number[]) => `${pct(Math.min(...values))} to ${pct(Math.max(...values))}`;
const reachesFloor = synthetic.filter(
  (s) => s.fd <= floorFd && s.precision >= floorPrecision && s.recall >= floorRecall,
);
const nonFinite = synthetic.reduce((sum, s) => sum + s.nonFinite, 0);
const summary = [
  `How close are the bundled model's (\`${MODEL}\`) synthetic SOH curves to the ${first.testCells} held-out ` +
    `measured MATR-1 test cells? \`diffbatt synth-report\` draws ${k} curves per training cell ` +
    `(${first.trainCells} cells, ${first.trainCells * k} curves per set) with ${SAMPLER.sampler} ` +
    `${SAMPLER.steps} steps (x0 clipped), conditioned on each training cell's capacity matrix at guidance ` +
    `w = ${first.guidanceWeights.join(', ')}, and as many unconditional curves (guidance has no effect ` +
    `without a condition, so one unconditional set per seed). Every set is scored against the test cells ` +
    `by Frechet distance (lower is better) and k-NN precision (fidelity) and recall (diversity), k = ` +
    `${first.k}, in feature space ${first.featureSpace}. The floor is what measured cells reach: the ` +
    `measured training cells against the same test cells (it does not depend on the seed, hence ± 0). ` +
    `Mean ± sd over seeds ${seeds.join(', ')}.`,
  reachesFloor.length === 0
    ? `No synthetic set reaches the floor. The closest, ${best.name}, has a Frechet distance of ` +
      `${best.fd.toFixed(2)} against ${floorFd.toFixed(2)} for measured cells (${(best.fd / floorFd).toFixed(1)}x ` +
      `the floor); the farthest, ${worst.name}, has ${worst.fd.toFixed(2)}.`
    : `${reachesFloor.map((s) => s.name).join('; ')} reach the floor on all three metrics ` +
      `(Frechet ${floorFd.toFixed(2)}, precision ${pct(floorPrecision)}, recall ${pct(floorRecall)}).`,
  `Precision of the synthetic sets: ${range(synthetic.map((s) => s.precision))} against ` +
    `${pct(floorPrecision)} for measured cells; recall: ${range(synthetic.map((s) => s.recall))} against ` +
    `${pct(floorRecall)}.` +
    (Math.max(...synthetic.map((s) => s.precision)) < floorPrecision - 0.2
      ? ' Every synthetic set has many curves where no measured test cell lies (precision far below the ' +
        "floor's): the bundled model spreads its curves wider than real cells fade."
      : '') +
    (Math.min(...synthetic.map((s) => s.recall)) >= floorRecall - 0.1
      ? ' Recall stays within 10 points of the floor: the synthetic curves do cover the measured test cells.'
      : ''),
  `Matched to the floor's size (one curve per training cell, ${first.trainCells} curves): the closest ` +
    `set is ${bestMatched.name} with a Frechet distance of ${bestMatched.fd.toFixed(2)} ` +
    `(${(bestMatched.fd / floorFd).toFixed(1)}x the floor); precision ${range(sizeMatched.map((s) => s.precision))}, ` +
    `recall ${range(sizeMatched.map((s) => s.recall))}` +
    (sizeMatched.some((s) => s.fd <= floorFd && s.precision >= floorPrecision && s.recall >= floorRecall)
      ? '; at this size a synthetic set does reach the floor.'
      : '; at this size too no synthetic set reaches the floor.'),
  `Guidance: ${synthetic
    .slice(0, -1)
    .map(
      (s) =>
        `${s.name.replace('synthetic, conditioned on training cells, ', '')}: Frechet ${s.fd.toFixed(2)}`,
    )
    .join('; ')}; unconditional: ${synthetic[synthetic.length - 1]!.fd.toFixed(2)}.` +
    (nonFinite > 0 ? ` ${nonFinite} non-finite synthetic curve(s) were left out.` : '') +
    ` The curve bands of seed ${seeds[0]} are drawn in \`${REPORT}\` (not committed; rerun to see them).`,
];

const file = writeBenchmarkResult({
  ...benchmarkProvenance(
    `pnpm bench:synthesis --seeds ${args.seeds} --k ${k} --guidance ${args.guidance}`,
    first.backend,
  ),
  id: 'synthesis-quality-matr_1',
  title: 'Synthesis quality: synthetic vs measured MATR-1 curves',
  summary,
  tables: [
    {
      title: `Synthetic and measured sets against the ${first.testCells} measured test cells (mean ± sd over ${seeds.length} seeds)`,
      columns,
      rows: tableRows((row) => row),
      notes: [
        `Feature space ${first.featureMap}; k-NN precision/recall with k = ${first.k}. Synthetic sets hold ` +
          `${k} curves per training cell, the floor one per cell; the next table matches the sizes.`,
      ],
    },
    {
      title: `Same size as the floor: each set's first curve per training cell (${first.trainCells} curves; mean ± sd over ${seeds.length} seeds)`,
      columns,
      rows: tableRows((row) => row.sizeMatched ?? row),
      notes: [
        'The unconditional set takes its first curves. Neither metric is blind to set size, so this is the ' +
          'like-for-like comparison with the floor.',
      ],
    },
  ],
  raw: reports,
});
console.log(`wrote ${file}`);
