/**
 * Memory of a data-parallel training run (issue 15: peak RSS of a 2-worker run <= 1.5 GB and flat over
 * 2,000 steps). Runs `diffbatt train` as a child process (the main thread and its worker threads are one
 * process) on the bundled MATR-1 training split into a temporary run directory, reads its resident set
 * size from /proc every second beside the step it reports, and its peak from the process itself at exit
 * (benchmarks/io/peak-rss.mjs). Linux only. `--from built` (default; `pnpm build` first) runs the CLI a
 * user installs; `--from sources` runs it through tsx, which every thread then also carries.
 *
 *   pnpm bench:training-memory [--steps 2000] [--workers 2] [--preset original] [--from built|sources]
 *
 * Writes benchmarks/results/speed-training-memory.json (rendered by `pnpm bench:report`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../lib/args.js';
import { BUILT_CLI, diffbattNodeArgs } from '../lib/cli.js';
import { benchmarkProvenance, REPOSITORY_ROOT, writeBenchmarkResult } from '../lib/results.js';

const args = process.argv.slice(2);
const { values } = parseArgs({
  args,
  options: {
    steps: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    preset: { type: 'string', default: 'original' },
    from: { type: 'string', default: 'built' },
  },
});
const built = values.from === 'built';
if (!built && values.from !== 'sources') fail('--from: built or sources');
if (built && !existsSync(BUILT_CLI))
  fail(`${BUILT_CLI} is missing: run \`pnpm build\` first (or --from sources)`);
const steps = Number(values.steps);
const workers = Number(values.workers);
if (!(Number.isInteger(steps) && steps >= 10)) fail('--steps: an integer >= 10');
if (!(Number.isInteger(workers) && workers >= 1)) fail('--workers: an integer >= 1');
if (!existsSync('/proc/self/status')) fail('bench:training-memory reads /proc: Linux only');

/** Issue 15's ceiling on the peak resident set size of a 2-worker training run. */
const PEAK_TARGET_BYTES = 1.5e9;
/** "Flat": the last quarter's mean RSS within this share of the second quarter's. */
const FLAT_TOLERANCE = 0.05;

const rssOf = async (pid: number): Promise<number | null> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null; // the process has just exited
  }
};

const directory = await mkdtemp(join(tmpdir(), 'bench-training-memory-'));
const interrupted = () => {
  void rm(directory, { recursive: true, force: true }).finally(() => process.exit(130));
};
process.once('SIGINT', interrupted);
const loadAverage = loadavg()[0]!;
const trace: { seconds: number; step: number; rssBytes: number }[] = [];
let peakBytes = Number.NaN;
let failure: string | null = null;
const started = performance.now();
try {
  const rssFile = join(directory, 'peak-rss');
  const child = spawn(
    process.execPath,
    diffbattNodeArgs(
      [
        'train',
        '--preset',
        values.preset,
        '--data',
        join(REPOSITORY_ROOT, 'data', 'matr1', 'train.dbds'),
        '--out',
        join(directory, 'run'),
        '--steps',
        String(steps),
        '--checkpoint-every',
        '500',
        '--workers',
        String(workers),
      ],
      { peakRss: true, built },
    ),
    {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, DIFFBATT_PEAK_RSS_FILE: rssFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let step = 0;
  let lastLine = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    for (const line of chunk.split(/[\r\n]+/)) {
      const done = /^train (\d+)\//.exec(line);
      if (done) step = Number(done[1]);
      if (line.trim() !== '') lastLine = line.trim();
    }
  });
  const timer = setInterval(async () => {
    const rssBytes = await rssOf(child.pid!);
    if (rssBytes !== null) trace.push({ seconds: (performance.now() - started) / 1000, step, rssBytes });
  }, 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  clearInterval(timer);
  if (code === 0) peakBytes = Number(await readFile(rssFile, 'utf8')) * 1024;
  else failure = `diffbatt train exited with ${code}: ${lastLine}`;
} finally {
  await rm(directory, { recursive: true, force: true });
}
if (failure !== null) fail(failure);
if (trace.length === 0) fail('no RSS reading was taken: the run ended within a second');

const meanRss = (from: number, to: number) => {
  const part = trace.filter((t) => t.step > from * steps && t.step <= to * steps);
  return part.reduce((sum, t) => sum + t.rssBytes, 0) / Math.max(1, part.length);
};
const secondQuarter = meanRss(0.25, 0.5);
const lastQuarter = meanRss(0.75, 1);
const growth = lastQuarter / secondQuarter - 1;
const peakMet = peakBytes <= PEAK_TARGET_BYTES;
const flat = Math.abs(growth) <= FLAT_TOLERANCE;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const minutes = (performance.now() - started) / 60000;
const at = (share: number) => {
  const target = share * steps;
  const nearest = trace.reduce((best, t) =>
    Math.abs(t.step - target) < Math.abs(best.step - target) ? t : best,
  );
  return nearest;
};

writeBenchmarkResult({
  id: 'speed-training-memory',
  title: `Memory of a ${workers}-worker training run over ${steps} steps`,
  summary: [
    `\`diffbatt train --preset ${values.preset} --workers ${workers}\` (${built ? 'the built CLI, apps/cli/dist, as a user installs it' : 'from the sources through tsx'}) on the bundled MATR-1 training split (41 cells, full batch), ${steps} steps with a checkpoint every 500, run as one child process (the main thread and its ${workers} worker threads); its resident set size read from /proc every second, its peak (maxRSS) reported by the process at exit. ${minutes.toFixed(1)} minutes; 1-minute load average ${loadAverage.toFixed(1)} at the start.`,
    `Peak RSS ${mb(peakBytes)}: ${peakMet ? 'within' : 'ABOVE'} issue 15's 1.5 GB (target ${peakMet ? 'met' : 'missed'}). Mean RSS over the last quarter of the steps ${mb(lastQuarter)} against ${mb(secondQuarter)} over the second quarter (${(growth * 100).toFixed(1)} %): ${flat ? 'flat' : 'NOT flat'} by the rule of at most ${FLAT_TOLERANCE * 100} %.`,
  ],
  tables: [
    {
      title: 'Resident set size during the run',
      columns: ['step', 'seconds', 'RSS'],
      rows: [0.1, 0.25, 0.5, 0.75, 1].map((share) => {
        const t = at(share);
        return [String(t.step), t.seconds.toFixed(0), mb(t.rssBytes)];
      }),
      notes: [
        `Peak (maxRSS at exit): ${mb(peakBytes)}. The full trace, one reading a second, is in raw.trace.`,
      ],
    },
  ],
  raw: {
    steps,
    workers,
    preset: values.preset,
    from: values.from,
    peakBytes,
    secondQuarter,
    lastQuarter,
    trace,
  },
  ...benchmarkProvenance(`pnpm bench:training-memory ${args.join(' ')}`, 'wasm'),
});
console.log(`peak ${mb(peakBytes)}; second quarter ${mb(secondQuarter)}, last quarter ${mb(lastQuarter)}`);
