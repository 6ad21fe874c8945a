/**
 * U-Net speed benchmark driver: alternates the TensorFlow.js benchmark (bench-tfjs.ts) and the PyTorch
 * reference (torch_reference.py) for several rounds on this machine, records the load average around
 * every measurement, and writes results/<timestamp>.json and results/latest.md.
 *
 *   node --conditions=@diffbatt/source --import tsx benchmarks/unet-speed/run.ts [--rounds 5] [--repeats 5]
 *
 * Targets (issue 4): a training step at batch 41 in at most 2x PyTorch's time, a forward pass at batch 42
 * in at most 1.2x. Ratios are taken per round (the two sides measured minutes apart at most) and their
 * median reported, in wall-clock time and in process CPU time (steadier when the machine is shared).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '5' },
    'torch-threads': { type: 'string', default: '1,2' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const rounds = Number(values.rounds);
const repeats = values.repeats;
const torchThreads = values['torch-threads'].split(',').map(Number);

interface Measurement {
  implementation: string;
  threads: number;
  parameters: number;
  trainStepBatch41MedianMs: number;
  forwardBatch42MedianMs: number;
  trainStepBatch41MedianCpuMs: number;
  forwardBatch42MedianCpuMs: number;
  [key: string]: unknown;
}
interface Run {
  round: number;
  label: string;
  loadBefore: number[];
  loadAfter: number[];
  result: Measurement;
}

function runJson(label: string, command: string, args: string[]): Measurement {
  const child = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = child.stdout
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  if (child.status !== 0 || line === undefined) {
    throw new Error(`${label} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as Measurement;
}

const sides: { label: string; run: () => Measurement }[] = [
  {
    label: 'tfjs-wasm',
    run: () =>
      runJson('tfjs', process.execPath, [
        '--conditions=@diffbatt/source',
        '--import',
        'tsx',
        join(here, 'bench-tfjs.ts'),
        '--repeats',
        repeats,
      ]),
  },
  ...torchThreads.map((threads) => ({
    label: `pytorch-${threads}-thread${threads > 1 ? 's' : ''}`,
    run: () =>
      runJson('pytorch', values.python, [
        join(here, 'torch_reference.py'),
        '--threads',
        String(threads),
        '--repeats',
        repeats,
      ]),
  })),
];

// One results file per invocation, rewritten after every round.
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runs: Run[] = [];

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
type Metric =
  | 'trainStepBatch41MedianMs'
  | 'forwardBatch42MedianMs'
  | 'trainStepBatch41MedianCpuMs'
  | 'forwardBatch42MedianCpuMs';
const METRICS: Metric[] = [
  'trainStepBatch41MedianMs',
  'forwardBatch42MedianMs',
  'trainStepBatch41MedianCpuMs',
  'forwardBatch42MedianCpuMs',
];
const of = (label: string, metric: Metric) =>
  runs.filter((r) => r.label === label).map((r) => r.result[metric]);
/** Writes the results of the rounds completed so far (so a later failure loses nothing). */
function report(completed: number): void {
  const summary = Object.fromEntries(
    sides.map(({ label }) => [label, Object.fromEntries(METRICS.map((m) => [m, median(of(label, m))]))]),
  );
  // PyTorch's best thread count per metric, then the per-round ratio against it.
  const bestTorch = (metric: Metric) =>
    sides
      .filter((s) => s.label.startsWith('pytorch'))
      .map((s) => s.label)
      .reduce((best, label) => (median(of(label, metric)) < median(of(best, metric)) ? label : best));
  const ratios = Object.fromEntries(
    METRICS.map((metric) => {
      const torch = bestTorch(metric);
      const perRound = Array.from({ length: completed }, (_, round) => {
        const ours = runs.find((r) => r.round === round && r.label === 'tfjs-wasm')!.result[metric];
        const theirs = runs.find((r) => r.round === round && r.label === torch)!.result[metric];
        return ours / theirs;
      });
      return [metric, { against: torch, perRound, median: median(perRound) }];
    }),
  );

  const command =
    `node --conditions=@diffbatt/source --import tsx benchmarks/unet-speed/run.ts ${process.argv.slice(2).join(' ')}`.trim();

  const results = {
    date: new Date().toISOString(),
    command,
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    targets: { trainStepRatio: 2, forwardRatio: 1.2 },
    summary,
    ratios,
    runs,
  };
  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const rawFile = join(resultsDir, `${stamp}.json`);
  writeFileSync(rawFile, `${JSON.stringify(results)}\n`);
  // Leave the raw file as the repository's formatter wants it (biome checks committed JSON).
  spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', rawFile], { cwd: root });

  const verdict = (ratio: number, target: number) =>
    `${ratio.toFixed(2)}x ${ratio <= target ? '(met)' : '(NOT met)'}`;
  const loads = runs.map((r) => r.loadBefore[0]!);
  const lines = [
    `# U-Net speed: TensorFlow.js (wasm) vs PyTorch CPU`,
    '',
    `${results.date}, ${results.machine.cpu} x ${results.machine.cores}, Node ${results.machine.node}.`,
    '',
    `Command (from the repository root): \`${command}\``,
    '',
    `${completed} rounds, each side ${repeats} timed repeats per round after 2 warm-ups; the machine is shared, so`,
    `1-minute load averages before the measurements ranged ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (2 cores).`,
    '',
    '| implementation | train step B=41 (ms) | forward B=42 (ms) | train step CPU (ms) | forward CPU (ms) |',
    '|---|---|---|---|---|',
    ...sides.map(({ label }) => {
      const s = summary[label] as Record<Metric, number>;
      return `| ${label} | ${s.trainStepBatch41MedianMs.toFixed(0)} | ${s.forwardBatch42MedianMs.toFixed(0)} | ${s.trainStepBatch41MedianCpuMs.toFixed(0)} | ${s.forwardBatch42MedianCpuMs.toFixed(0)} |`;
    }),
    '',
    'Medians over rounds of per-round medians. Ratios tfjs / PyTorch (PyTorch at its faster thread count), median of',
    'per-round ratios:',
    '',
    `| | target | wall clock | process CPU time |`,
    '|---|---|---|---|',
    `| training step, batch 41 | <= 2x | ${verdict(ratios.trainStepBatch41MedianMs!.median, 2)} | ${verdict(ratios.trainStepBatch41MedianCpuMs!.median, 2)} |`,
    `| forward, batch 42 | <= 1.2x | ${verdict(ratios.forwardBatch42MedianMs!.median, 1.2)} | ${verdict(ratios.forwardBatch42MedianCpuMs!.median, 1.2)} |`,
    '',
    `Raw numbers: results/${stamp}.json.`,
    '',
  ];
  writeFileSync(join(resultsDir, 'latest.md'), lines.join('\n'));
  if (completed === rounds) console.log(lines.join('\n'));
}

for (let round = 0; round < rounds; round++) {
  // Alternate the order so neither side always runs first.
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const side of order) {
    const loadBefore = loadavg();
    const result = side.run();
    runs.push({ round, label: side.label, loadBefore, loadAfter: loadavg(), result });
    console.log(
      `round ${round} ${side.label}: step ${result.trainStepBatch41MedianMs.toFixed(0)} ms ` +
        `(cpu ${result.trainStepBatch41MedianCpuMs.toFixed(0)}), forward ${result.forwardBatch42MedianMs.toFixed(0)} ms ` +
        `(cpu ${result.forwardBatch42MedianCpuMs.toFixed(0)}), load ${loadBefore[0]!.toFixed(1)}`,
    );
  }
  report(round + 1);
}
