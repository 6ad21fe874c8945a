/**
 * The one shape every benchmark writes to benchmarks/results/<id>.json, and the provenance it carries
 * (machine, backend, commit, command), so that BENCHMARKS.md can be regenerated from those files alone
 * (benchmarks/lib/write-benchmarks-md.ts) and every number in it names the command that produced it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(REPOSITORY_ROOT, 'benchmarks', 'results');

export interface BenchmarkTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines printed under the table (what a column means, which rule, ...). */
  notes?: string[];
}

export interface BenchmarkProvenance {
  /** The command, run from the repository root, that regenerates this file. */
  command: string;
  commit: string;
  /** True when tracked files other than generated results had uncommitted changes when the benchmark ran. */
  dirty: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  backend: string;
}

export interface BenchmarkResult extends BenchmarkProvenance {
  format: 'diffbatt-benchmark-result';
  version: 1;
  /** File name stem and sort key in BENCHMARKS.md, e.g. "accuracy-matr_1". */
  id: string;
  title: string;
  /** Markdown paragraphs above the tables: what was run and what the numbers say (misses included). */
  summary: string[];
  tables: BenchmarkTable[];
  /** Every per-seed number behind the tables. */
  raw: unknown;
}

/** Benchmark outputs, which other benchmarks rewrite while one runs: not what makes a tree dirty. */
const GENERATED = [':!benchmarks/results', ':!BENCHMARKS.md'];

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPOSITORY_ROOT, encoding: 'utf8' }).trim();
}

export function benchmarkProvenance(command: string, backend: string): BenchmarkProvenance {
  return {
    command,
    commit: git(['rev-parse', 'HEAD']),
    dirty: git(['status', '--porcelain', '--untracked-files=no', '--', '.', ...GENERATED]).length > 0,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    backend,
  };
}

/**
 * Writes benchmarks/results/<id>.json atomically, indented so that a diff shows what changed; `dir`
 * elsewhere (a smoke run's temporary folder) keeps the file out of BENCHMARKS.md.
 */
export function writeBenchmarkResult(
  result: Omit<BenchmarkResult, 'format' | 'version'>,
  dir = RESULTS_DIR,
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.id}.json`);
  const staging = `${file}.partial`;
  const text = JSON.stringify({ format: 'diffbatt-benchmark-result', version: 1, ...result }, null, 2);
  writeFileSync(staging, `${text}\n`);
  renameSync(staging, file);
  return file;
}

/** Mean and sample standard deviation, as "m ± s" (just "m" for one value). */
export function meanAndSpread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return 'n/a';
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return mean.toFixed(digits);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}
