import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetFile } from '@diffbatt/core';
import { lifeStratifiedFolds } from '@diffbatt/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { syntheticSamples, writeSyntheticDataset } from '../testing/synthetic-data.js';

// SYNTHETIC cells: the command's mechanics and files.
let dir: string;
let data: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-folds-'));
  data = join(dir, 'train.dbds');
  await writeSyntheticDataset(data, 9, 4);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('diffbatt datasets folds', () => {
  it('writes each fold network its training set (every cell outside the fold) and the fold list', async () => {
    const out = join(dir, 'folds');
    const run = await runCli(['datasets', 'folds', data, '--folds', '3', '--out-dir', out]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^fold +cells +lives +training set/m);
    const expected = lifeStratifiedFolds(syntheticSamples(9, 4), 3);
    const list = JSON.parse(await readFile(join(out, 'folds.json'), 'utf8'));
    expect(list).toMatchObject({ format: 'diffbatt-cv-folds', data, eolSoh: 80 });
    expect(list.folds.map((f: { cellIds: string[] }) => f.cellIds)).toEqual(expected.map((f) => f.cellIds));
    const all = syntheticSamples(9, 4).map((s) => s.cellId);
    for (const [index, fold] of expected.entries()) {
      const file = join(out, `without-fold-${index + 1}.dbds`);
      expect(list.folds[index].trainingData).toBe(file);
      const { samples } = await readDatasetFile(file);
      expect(samples.map((s) => s.cellId)).toEqual(all.filter((id) => !fold.cellIds.includes(id)));
    }
  }, 180_000);

  it('refuses a fold count the cells cannot fill in one line, writing nothing', async () => {
    const out = join(dir, 'too-many');
    const run = await runCli(['datasets', 'folds', data, '--folds', '10', '--out-dir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/from 2 to the cell count \(9\), got 10/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const one = await runCli(['datasets', 'folds', data, '--folds', '1', '--out-dir', out]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/--folds/);
  }, 180_000);
});
