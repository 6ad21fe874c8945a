import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, runCli } from '../testing/run-cli.js';
import { SMALL_UNET_CONFIG, writeSyntheticDataset } from '../testing/synthetic-data.js';

// A small network so a step takes well under a second: this tests the mechanics, not the accuracy.
const SMALL_CONFIG = SMALL_UNET_CONFIG;

let dir: string;
let data: string;
let config: string;
/** The default is one worker per core; tests name the count so they do not depend on the machine. */
const trainArgs = (out: string, workers = 2) => [
  'train',
  '--data',
  data,
  '--out',
  out,
  '--config',
  config,
  '--steps',
  '6',
  '--checkpoint-every',
  '2',
  '--snapshot-every',
  '3',
  '--seed',
  '3',
  '--workers',
  String(workers),
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-train-'));
  data = join(dir, 'synthetic.dbds');
  config = join(dir, 'small.json');
  await writeSyntheticDataset(data, 8, 1);
  await writeFile(config, JSON.stringify(SMALL_CONFIG));
});

/** The error lines (informational lines such as the backend report are allowed around them). */
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('error'));

/** Starts training and SIGKILLs it as soon as a checkpoint before the last step exists. */
async function trainAndKill(out: string, workers: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=@diffbatt/source', '--import', 'tsx', binPath, ...trainArgs(out, workers)],
    {
      stdio: 'ignore',
    },
  );
  const pointer = join(out, 'checkpoint.json');
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (!existsSync(pointer)) return;
      const latest = JSON.parse(readFileSync(pointer, 'utf8')).latest as string;
      const step = Number(latest.replace('step-', ''));
      clearInterval(timer);
      child.kill('SIGKILL');
      resolve(step);
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) reject(new Error('training finished before it could be killed'));
    });
  });
}

describe('diffbatt train', () => {
  it.each([1, 2])(
    'resumes a killed run with %i worker(s) to exactly the weights of an unkilled one',
    async (workers) => {
      const straightOut = join(dir, `straight-${workers}`);
      const straight = await runCli(trainArgs(straightOut, workers));
      expect(straight.stderr).not.toMatch(/error/);
      expect(straight.code).toBe(0);
      expect(straight.stderr).toContain(`${workers} worker${workers === 1 ? '' : 's'}`);

      const resumedOut = join(dir, `resumed-${workers}`);
      const killedAt = await trainAndKill(resumedOut, workers);
      expect(killedAt).toBeLessThan(6);
      // What a kill during a checkpoint write leaves: a staging folder of a step the resumed run never
      // saves again, and a temporary file of a process that is gone.
      const leftover = join(resumedOut, 'checkpoints', '.step-0000099.partial');
      await mkdir(leftover, { recursive: true });
      await writeFile(join(leftover, 'weights.bin'), 'partial');
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
      const staleTemporary = join(resumedOut, `.checkpoint.json.${deadPid}-0123456789ab.tmp`);
      await writeFile(staleTemporary, 'partial');
      const resumed = await runCli([...trainArgs(resumedOut, workers), '--resume']);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toContain(`resuming at step ${killedAt}`);

      for (const file of [
        'model/weights.bin',
        'checkpoints/step-0000006/weights.bin',
        'checkpoints/step-0000006/ema.bin',
        'snapshots/step-3/weights.bin',
        'snapshots/step-6/weights.bin',
      ]) {
        const a = await readFile(join(straightOut, file));
        const b = await readFile(join(resumedOut, file));
        expect(b.equals(a), file).toBe(true);
      }
      const provenance = JSON.parse(
        await readFile(join(resumedOut, 'model', 'diffbatt.json'), 'utf8'),
      ).provenance;
      expect(provenance).toMatchObject({ trainedBy: 'diffbatt train', seed: 3, steps: 6, workers });
      const snapshot = JSON.parse(
        await readFile(join(resumedOut, 'snapshots', 'step-3', 'diffbatt.json'), 'utf8'),
      ).provenance;
      expect(snapshot).toMatchObject({ weights: 'EMA at step 3', steps: 3, seed: 3 });
      expect(existsSync(join(resumedOut, 'snapshots', 'step-2'))).toBe(false);
      expect(await readdir(join(resumedOut, 'checkpoints'))).toEqual(['step-0000006']);
      expect(existsSync(staleTemporary)).toBe(false);

      // Resuming a finished run re-delivers its model and still reports the last training loss.
      const again = await runCli([...trainArgs(resumedOut, workers), '--resume']);
      expect(again.code).toBe(0);
      const redelivered = JSON.parse(
        await readFile(join(resumedOut, 'model', 'diffbatt.json'), 'utf8'),
      ).provenance;
      expect(redelivered.finalTrainingLoss).toBe(provenance.finalTrainingLoss);
      expect(Number.isFinite(redelivered.finalTrainingLoss)).toBe(true);

      // Extending the budget continues from the last step and the run record says the new budget.
      const extended = await runCli([...trainArgs(resumedOut, workers), '--steps', '7', '--resume']);
      expect(extended.code).toBe(0);
      expect(extended.stderr).toContain('resuming at step 6');
      const record = JSON.parse(await readFile(join(resumedOut, 'run.json'), 'utf8'));
      expect(record.settings.steps).toBe(7);
    },
    240_000,
  );

  it('fine-tunes a saved model on new cells, keeping its config and recording where it came from', async () => {
    const from = join(dir, 'straight-2', 'model');
    const newCells = join(dir, 'new-cells.dbds');
    await writeSyntheticDataset(newCells, 4, 9);
    const out = join(dir, 'finetuned');
    const run = await runCli([
      'finetune',
      '--from',
      from,
      '--data',
      newCells,
      '--out',
      out,
      '--steps',
      '2',
      '--checkpoint-every',
      '1',
    ]);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const saved = JSON.parse(await readFile(join(out, 'model', 'diffbatt.json'), 'utf8'));
    expect(saved.provenance).toMatchObject({ trainedBy: 'diffbatt finetune', finetunedFrom: from, steps: 2 });
    expect(saved.config).toMatchObject(SMALL_CONFIG);
    const before = await readFile(join(from, 'weights.bin'));
    expect((await readFile(join(out, 'model', 'weights.bin'))).equals(before)).toBe(false);
  }, 120_000);

  it('fine-tunes a 20-row network on 100-row cells and says so', async () => {
    const from = join(dir, 'straight-2', 'model');
    const wideCells = join(dir, 'wide-cells.dbds');
    await writeSyntheticDataset(wideCells, 3, 11, 100);
    const out = join(dir, 'finetuned-wide');
    const run = await runCli(['finetune', '--from', from, '--data', wideCells, '--out', out, '--steps', '1']);
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'the pretrained network read 20-row capacity matrices; it now reads the data',
    );
    const saved = JSON.parse(await readFile(join(out, 'model', 'diffbatt.json'), 'utf8'));
    expect(saved.config).toEqual({ ...saved.config, ...SMALL_CONFIG, capacityMatrixRows: 100 });
    expect(saved.provenance).toMatchObject({ finetunedFrom: from, pretrainedCapacityMatrixRows: 20 });
  }, 120_000);

  it('trains the fast preset, records its whole recipe, and replays it from run.json to the same weights', async () => {
    const presetArgs = (out: string) => [
      ...trainArgs(out).filter(
        (_, i, all) => all[i] !== '--snapshot-every' && all[i - 1] !== '--snapshot-every',
      ),
      '--preset',
      'fast',
      '--normalise-capacity-matrix',
      '--lr-warmup',
      '2',
      '--lr-decay',
      'cosine',
      '--prediction-type',
      'v',
      '--min-snr-gamma',
      '5',
    ];
    const out = join(dir, 'fast');
    const run = await runCli(presetArgs(out));
    expect(errorLines(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const record = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(record.preset).toBe('fast');
    expect(record.settings).toMatchObject({
      validationFraction: 0,
      emaWarmup: true,
      normaliseCapacityMatrix: true,
      learningRateWarmup: 2,
      learningRateDecay: 'cosine',
      minSnrGamma: 5,
      steps: 6,
    });
    expect(record.validationCellIds).toEqual([]);
    // The synthetic cells' matrices are far from unit scale, so the scale is not the default 1.
    expect(record.unetConfig).toMatchObject({ ...SMALL_CONFIG, curveOffsetHead: true, predictionType: 'v' });
    expect(record.unetConfig.capacityMatrixScale).not.toBe(1);
    const saved = JSON.parse(await readFile(join(out, 'model', 'diffbatt.json'), 'utf8'));
    expect(saved.config).toEqual(record.unetConfig);
    expect(saved.provenance).toMatchObject({ preset: 'fast', weights: 'EMA at the last step' });

    const replayOut = join(dir, 'replayed');
    const replay = await runCli([
      'train',
      '--data',
      data,
      '--out',
      replayOut,
      '--config',
      join(out, 'run.json'),
    ]);
    expect(errorLines(replay.stderr)).toEqual([]);
    expect(replay.code).toBe(0);
    const replayed = JSON.parse(await readFile(join(replayOut, 'run.json'), 'utf8'));
    expect(replayed.settings).toEqual(record.settings);
    expect(replayed.unetConfig).toEqual(record.unetConfig);
    const weights = await readFile(join(out, 'model', 'weights.bin'));
    expect((await readFile(join(replayOut, 'model', 'weights.bin'))).equals(weights)).toBe(true);

    // A typed option overrides the recorded one; --preset beside a run record is refused in one line.
    const longer = await runCli([
      'train',
      '--data',
      data,
      '--out',
      join(dir, 'longer'),
      '--config',
      join(out, 'run.json'),
      '--steps',
      '1',
    ]);
    expect(longer.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'longer', 'run.json'), 'utf8')).settings.steps).toBe(1);
    const both = await runCli([
      'train',
      '--data',
      data,
      '--out',
      join(dir, 'both'),
      '--config',
      join(out, 'run.json'),
      '--preset',
      'original',
    ]);
    expect(both.code).toBe(1);
    expect(errorLines(both.stderr)).toEqual([expect.stringMatching(/--preset and a run record/)]);
    // A cosine decay is tied to its budget: extending the run is refused rather than silently changed.
    const extended = await runCli([...presetArgs(out), '--steps', '8', '--resume']);
    expect(extended.code).toBe(1);
    expect(errorLines(extended.stderr)).toEqual([
      expect.stringMatching(/cosine learning-rate decay is fixed/),
    ]);
  }, 240_000);

  it('refuses - (standard output) as a run directory instead of creating a directory named -', async () => {
    const scratch = await mkdtemp(join(dir, 'dash-'));
    const dash = await runCli(trainArgs('-'), {}, scratch);
    expect(dash.code).toBe(1);
    expect(errorLines(dash.stderr)).toEqual([
      expect.stringMatching(
        /^diffbatt: error: option --out must be a directory path \(- means standard output/,
      ),
    ]);
    expect(await readdir(scratch)).toEqual([]);
  }, 60_000);

  it('refuses to overwrite a run without --resume, and bad options, in one line', async () => {
    const again = await runCli(trainArgs(join(dir, 'straight-2')));
    expect(again.code).toBe(1);
    expect(errorLines(again.stderr)).toEqual([
      expect.stringMatching(/already holds a training run; resume it or choose another output directory/),
    ]);
    const zeroSteps = await runCli([...trainArgs(join(dir, 'zero')), '--steps', '0']);
    expect(zeroSteps.code).toBe(1);
    expect(errorLines(zeroSteps.stderr)).toEqual([
      expect.stringMatching(/^diffbatt: error: option --steps must be at least 1/),
    ]);
    const missing = await runCli([
      ...trainArgs(join(dir, 'missing')).slice(0, 1),
      '--data',
      join(dir, 'nope.dbds'),
      '--out',
      join(dir, 'm'),
    ]);
    expect(missing.code).toBe(1);
    expect(errorLines(missing.stderr)).toEqual([expect.stringMatching(/nope.dbds/)]);
    expect(missing.stderr).not.toMatch(/\s+at /);
    expect(existsSync(join(dir, 'zero'))).toBe(false);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "widths": [');
    const badConfig = await runCli([...trainArgs(join(dir, 'bad-config')), '--config', broken]);
    expect(badConfig.code).toBe(1);
    expect(errorLines(badConfig.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^diffbatt: error: ${broken}: not valid JSON: `)),
    ]);
    const hugeSeed = await runCli([...trainArgs(join(dir, 'seed')), '--seed', '99999999999999999999']);
    expect(errorLines(hugeSeed.stderr)).toEqual([
      expect.stringMatching(/option --seed must be an integer of at most 9007199254740991/),
    ]);
    if (process.platform === 'linux') {
      // Node's recursive mkdir spins for ever under /proc; the run must end with one line instead.
      const proc = await runCli(trainArgs('/proc/diffbatt-never'));
      expect(proc.code).toBe(1);
      expect(errorLines(proc.stderr)).toEqual([
        'diffbatt: error: /proc/diffbatt-never: cannot create output directory: ENOENT',
      ]);
    }
  }, 120_000);
});
