import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const models = sharedPath('data', 'diffbatt', 'trained_models');
const golden = sharedPath('reference', 'golden', 'matr_1_ema');
const dir = mkdtempSync(join(tmpdir(), 'diffbatt-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diffbatt import on the released models', () => {
  it('imports matr_1_ema, writes the model format and passes the golden check', async () => {
    const out = join(dir, 'matr_1_ema');
    const { code, stdout, stderr } = await runCli([
      'import',
      join(models, 'matr_1_ema_network'),
      '--out',
      out,
      '--verify',
      golden,
    ]);
    for (const file of ['model.json', 'weights.bin', 'diffbatt.json'])
      expect(existsSync(join(out, file))).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'diffbatt.json'), 'utf8'));
    expect(saved.provenance).toMatchObject({ source: 'keras-savedmodel', parameters: 478_369 });
    expect(stderr).toMatch(/^imported 422 variables \(478369 parameters, 100x100 capacity matrix\) into /m);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [conditional, unconditional] = lines.map((line, i) => {
      const label = ['conditional \\(mask ones\\)', 'unconditional \\(mask zeros\\)'][i];
      const match = new RegExp(`^${label}: max_abs_err=(\\S+)$`).exec(line);
      expect(match, line).not.toBeNull();
      return Number(match![1]);
    });
    expect(conditional).toBeLessThan(1e-5);
    expect(unconditional).toBeLessThan(1e-5);
    expect(code).toBe(0);
  });

  it('exits 1 naming the tolerance when the weights are not the golden ones', async () => {
    // The non-EMA matr_1 network has the same architecture but other weights.
    const { code, stderr } = await runCli([
      'import',
      join(models, 'matr_1_network'),
      '--out',
      join(dir, 'matr_1'),
      '--verify',
      golden,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/imported model differs from the golden outputs by .* > 0\.0001/);
  });

  it.each(['snl_ema_network', 'crush_ema_network'])('imports the 20x100 model %s', async (name) => {
    const { code, stderr } = await runCli(['import', join(models, name), '--out', join(dir, name)]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^imported 422 variables \(478369 parameters, 20x100 capacity matrix\) into /m);
  });

  it('refuses a truncated variables.index with one line', async () => {
    const model = join(dir, 'truncated');
    cpSync(join(models, 'matr_1_ema_network'), model, { recursive: true });
    const index = join(model, 'variables', 'variables.index');
    copyFileSync(join(models, 'matr_1_ema_network', 'variables', 'variables.index'), index);
    truncateSync(index, 20_000);
    const { code, stdout, stderr } = await runCli(['import', model, '--out', join(dir, 'never')]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `diffbatt: error: ${index}: bad magic number at the end of the file (truncated, or not a table) (not a valid TensorFlow index table)`,
    ]);
  });
});
