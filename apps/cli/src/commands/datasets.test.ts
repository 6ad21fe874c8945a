import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDatasetFile } from '@diffbatt/core';
import { repositoryRoot } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const arbinSample = join(
  repositoryRoot,
  'packages',
  'datasets-matr',
  'fixtures',
  'raw_arbin_sample',
  'FastCharge_000025_CH8.csv',
);
const root = mkdtemp(join(tmpdir(), 'cli-datasets-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

describe('diffbatt datasets inspect / convert', () => {
  it('inspects a raw Arbin file as stable JSON', () => {
    const { code, stdout } = runCli(['datasets', 'inspect', arbinSample, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      plugin: 'matr',
      cells: [
        {
          cellId: 'EL150800453116',
          cycles: 1,
          cycleLife: null,
          cycleLifeSource: null,
          publishedCycleLife: null,
          capacityMatrixShape: null,
          warnings: ['no capacity matrix: only 0 cycles with Q(V) data from cycle 2; the base row is 9'],
        },
      ],
    });
  });

  it('inspects its own dataset files, as a table by default', async () => {
    const path = join(await root, 'two.dbds');
    const curve = new Float32Array(256).fill(-1).fill(0.9, 0, 50);
    await writeDatasetFile(path, [
      {
        cellId: 'a',
        source: 't',
        sohCurve: curve,
        capacityMatrix: new Float32Array(2000),
        capacityMatrixRows: 20,
        synthetic: false,
      },
      {
        cellId: 'b',
        source: 't',
        sohCurve: curve,
        capacityMatrix: null,
        capacityMatrixRows: null,
        synthetic: true,
      },
    ]);
    const { code, stdout } = runCli(['datasets', 'inspect', path]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 4)).toEqual([
      `${path}: 2 cell(s) read by "dataset-file"`,
      'cell  cycles  life  life from  published  capacity matrix',
      'a        500   500       data          -           20x100',
      'b        500   500       data          -             none',
    ]);
    expect(stdout).toContain('b: synthetic sample');
  });

  it('writes nothing when a cell cannot be converted, and says why in one line', async () => {
    const out = join(await root, 'never.dbds');
    const { code, stderr } = runCli(['datasets', 'convert', arbinSample, '--out', out]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'diffbatt: error: EL150800453116: no cycle with a valid discharge capacity: cannot build a SOH curve',
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('validates options and names unreadable input', async () => {
    expect(runCli(['datasets', 'convert', arbinSample, '--out', 'x.npy']).stderr).toBe(
      'diffbatt: error: option --out must name a .dbds file, got "x.npy"\n',
    );
    expect(runCli(['datasets', 'convert', arbinSample, '--out', 'x.dbds', '--rows', '50']).stderr).toBe(
      'diffbatt: error: option --rows must be "100" or "20" (was "50")\n',
    );
    const garbage = join(await root, 'garbage.dbds');
    await writeFile(garbage, 'not a dataset');
    const bad = runCli(['datasets', 'inspect', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `diffbatt: error: ${garbage}: not a DiffBatt dataset file (.dbds): wrong magic bytes\n`,
    );
  });
});
