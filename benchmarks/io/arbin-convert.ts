/**
 * The large-file workload of `pnpm bench:io`: a SYNTHETIC MATR-style Arbin CSV of a given size, written
 * (streamed) to the temp folder, then converted by `diffbatt datasets convert` in a child process, whose
 * own peak RSS is the number issue 20 sets a target for (< 500 MB at 2 GB). The file is deleted after.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, statfs } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetFile } from '../../packages/core/src/index.js';
import { writeSyntheticArbin } from '../../packages/datasets-matr/src/testing/synthetic-arbin.js';
import { fail } from '../lib/args.js';
import { diffbattNodeArgs } from '../lib/cli.js';
import { REPOSITORY_ROOT } from '../lib/results.js';

/** Rows per cycle: a sample every 2 s over a cycle of about 67 minutes. */
export const SAMPLES_PER_CYCLE = 2000;
/** Issue 20's target for the converting process. */
export const PEAK_RSS_TARGET_BYTES = 500e6;

export interface ArbinConversion {
  bytes: number;
  rows: number;
  cycles: number;
  generateSeconds: number;
  convertSeconds: number;
  peakRssBytes: number;
  /** Peak RSS of `diffbatt datasets list` the same way: the CLI's own floor, no data read. */
  floorRssBytes: number;
  /** 1-minute load average when the conversion started (the machine may be shared). */
  loadAverage: number;
  /** The converted sample has a capacity matrix (the featuriser got its Q(V) cycles). */
  withCapacityMatrix: boolean;
}

/** Runs `diffbatt <args>` from the sources with the peak-RSS reporter preloaded; resolves its peak RSS. */
function diffbattPeakRss(args: string[], rssFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, diffbattNodeArgs(args, { peakRss: true }), {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, DIFFBATT_PEAK_RSS_FILE: rssFile },
      // Standard output holds only the plugin list; warnings and the summary go to standard error.
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', async (code) => {
      if (code !== 0) return reject(new Error(`diffbatt ${args.join(' ')} exited with ${code}`));
      resolve(Number(await readFile(rssFile, 'utf8')) * 1024);
    });
  });
}

export async function measureArbinConversion(bytes: number): Promise<ArbinConversion> {
  const { bavail, bsize } = await statfs(tmpdir());
  if (bavail * bsize < bytes * 1.05 + 1e8) {
    fail(
      `${tmpdir()} has ${((bavail * bsize) / 1e9).toFixed(1)} GB free, too little for a ` +
        `${(bytes / 1e9).toFixed(2)} GB file: pass a smaller --arbin-gb`,
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'bench-io-arbin-'));
  // A 2 GB file left in /tmp by an interrupted run would stay there: remove it on Ctrl-C too.
  const interrupted = () => {
    void rm(directory, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    const csv = join(directory, 'SYNTHETIC_FastCharge_CH1.csv');
    const out = join(directory, 'synthetic.dbds');
    let started = performance.now();
    const file = await writeSyntheticArbin(csv, { bytes, samplesPerCycle: SAMPLES_PER_CYCLE });
    const generateSeconds = (performance.now() - started) / 1000;
    const floorRssBytes = await diffbattPeakRss(['datasets', 'list'], join(directory, 'floor-rss'));
    const loadAverage = loadavg()[0]!;
    started = performance.now();
    const peakRssBytes = await diffbattPeakRss(
      ['datasets', 'convert', csv, '--out', out],
      join(directory, 'peak-rss'),
    );
    const convertSeconds = (performance.now() - started) / 1000;
    const { samples } = await readDatasetFile(out);
    return {
      ...file,
      generateSeconds,
      convertSeconds,
      peakRssBytes,
      floorRssBytes,
      loadAverage,
      withCapacityMatrix: samples.length === 1 && samples[0]!.capacityMatrix !== null,
    };
  } finally {
    process.off('SIGINT', interrupted);
    await rm(directory, { recursive: true, force: true });
  }
}
