import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  it('inspects a raw Arbin file as stable JSON', async () => {
    const { code, stdout } = await runCli(['datasets', 'inspect', arbinSample, '--json']);
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
    const { code, stdout } = await runCli(['datasets', 'inspect', path]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 6)).toEqual([
      `${path}: 2 cell(s) read by "dataset-file"`,
      'SYNTHETIC DATA: 1 of 2 cells are synthetic (generated or made up), not measured',
      'provenance: 1 without provenance',
      'cell  synthetic  cycles  life  life from  published  capacity matrix',
      'a            no     500   500       data          -           20x100',
      'b           yes     500   500       data          -             none',
    ]);
    expect(stdout).toContain('b: synthetic sample');
  });

  it('reads a folder that holds only dataset files as one dataset, in name order', async () => {
    const folder = join(await root, 'parts');
    await mkdir(folder);
    const cell = (cellId: string) => ({
      cellId,
      source: 't',
      sohCurve: new Float32Array(256).fill(-1).fill(0.9, 0, 50),
      capacityMatrix: new Float32Array(2000),
      capacityMatrixRows: 20 as const,
      synthetic: false,
    });
    await writeDatasetFile(join(folder, '2.dbds'), [cell('c')]);
    await writeDatasetFile(join(folder, '1.dbds'), [cell('a'), cell('b')]);
    const inspected = await runCli(['datasets', 'inspect', folder, '--json']);
    expect(inspected.code).toBe(0);
    const json = JSON.parse(inspected.stdout) as { plugin: string; cells: { cellId: string }[] };
    expect([json.plugin, json.cells.map((c) => c.cellId)]).toEqual(['dataset-file', ['a', 'b', 'c']]);
    const merged = join(await root, 'merged.dbds');
    expect((await runCli(['datasets', 'convert', folder, '--out', merged])).code).toBe(0);
    expect((await runCli(['datasets', 'inspect', merged, '--json'])).stdout).toBe(inspected.stdout);

    // One id in two files is one cell twice; a folder with other files is left to the plugins.
    await writeDatasetFile(join(folder, '3.dbds'), [cell('a')]);
    const twice = await runCli(['datasets', 'convert', folder, '--out', join(await root, 'twice.dbds')]);
    expect([twice.code, twice.stderr]).toEqual([
      1,
      expect.stringContaining('cell id "a" appears twice (cells 1 and 4)'),
    ]);
    await writeFile(join(folder, 'notes.txt'), 'not a dataset file');
    const mixed = await runCli(['datasets', 'inspect', folder]);
    expect(mixed.stderr).toContain('no dataset plugin recognises this path');
  });

  it('writes nothing when a cell cannot be converted, and says why in one line', async () => {
    const out = join(await root, 'never.dbds');
    const { code, stderr } = await runCli(['datasets', 'convert', arbinSample, '--out', out]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'diffbatt: error: EL150800453116: no cycle with a valid discharge capacity: cannot build a SOH curve',
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('validates options and names unreadable input', async () => {
    expect((await runCli(['datasets', 'convert', arbinSample, '--out', 'x.npy'])).stderr).toBe(
      'diffbatt: error: option --out must name a .dbds file, got "x.npy"\n',
    );
    expect(
      (await runCli(['datasets', 'convert', arbinSample, '--out', 'x.dbds', '--rows', '50'])).stderr,
    ).toBe('diffbatt: error: option --rows must be "100" or "20" (was "50")\n');
    if (process.platform === 'linux') {
      // Refused before the input is read, with the reason (it said only "cannot write: ENOENT").
      expect((await runCli(['datasets', 'convert', arbinSample, '--out', '/proc/x.dbds'])).stderr).toBe(
        'diffbatt: error: /proc/x.dbds: cannot write --out output: no file can be created in /proc (ENOENT)\n',
      );
    }
    const garbage = join(await root, 'garbage.dbds');
    await writeFile(garbage, 'not a dataset');
    const bad = await runCli(['datasets', 'inspect', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `diffbatt: error: ${garbage}: not a DiffBatt dataset file (.dbds): wrong magic bytes\n`,
    );
  });

  it('never echoes control characters of a cell id to the terminal', async () => {
    const path = join(await root, 'control.dbds');
    await writeDatasetFile(path, [
      {
        cellId: 'evil\u0000\u001b[2J\nnext',
        source: 't',
        sohCurve: new Float32Array(256).fill(-1).fill(0.9, 0, 50),
        capacityMatrix: null,
        capacityMatrixRows: null,
        synthetic: false,
      },
    ]);
    const { code, stdout } = await runCli(['datasets', 'inspect', path]);
    expect(code).toBe(0);
    expect(stdout.includes('\u0000') || stdout.includes('\u001b')).toBe(false);
    expect(stdout).toContain('evil\\x00\\x1b[2J\\x0anext');
  });

  it("gives a damaged file of a known format its plugin's own error without --plugin", async () => {
    // Synthetic damaged inputs, named as each plugin's files are: detection by content fails on all of
    // them, so they used to get "no dataset plugin recognises this path".
    const dir = await root;
    const nasa = join(dir, 'B0025.mat');
    await writeFile(nasa, 'MATLAB 5.0 MAT-file, truncated');
    const matrBatch = join(dir, '2017-05-12_batchdata_updated_struct_errorcorrect.mat');
    await writeFile(matrBatch, '');
    const arbin = join(dir, 'FastCharge_000001_CH1.csv');
    await writeFile(arbin, 'Date_Time,Voltage\n');
    await writeFile(join(dir, 'FastCharge_000001_CH1_Metadata.csv'), 'item_id\nX\n');
    const clo = join(dir, 'EL150800460.csv');
    await writeFile(clo, 'wrong,header\n1,2\n');
    const hust = join(dir, 'hust', '1-1.csv');
    await mkdir(dirname(hust), { recursive: true });
    await writeFile(hust, '');
    const tju = join(dir, 'tju', 'Dataset_1_NCA_battery', 'CY25-025_1-#1.csv');
    await mkdir(dirname(tju), { recursive: true });
    await writeFile(tju, 'a,b\n1,2\n');
    const arbinFolder = join(dir, 'arbin-folder');
    await mkdir(arbinFolder);
    await writeFile(join(arbinFolder, 'FastCharge_000002_CH2.csv'), '');
    await writeFile(join(arbinFolder, 'FastCharge_000002_CH2_Metadata.csv'), 'item_id\nY\n');
    const expected: [string, RegExp][] = [
      [hust, /hust\/1-1\.csv: file is empty/],
      [dirname(hust), /hust\/1-1\.csv: file is empty/],
      [tju, /CY25-025_1-#1\.csv, line 1: not a PINN4SOH feature header/],
      [dirname(dirname(tju)), /CY25-025_1-#1\.csv, line 1: not a PINN4SOH feature header/],
      [arbinFolder, /FastCharge_000002_CH2\.csv: file is empty/],
      [nasa, /B0025\.mat: only 30 bytes: too short for a MAT-file/],
      [matrBatch, /errorcorrect\.mat: no HDF5 signature in its first 520 bytes/],
      [arbin, /FastCharge_000001_CH1\.csv, line 1: header lacks columns/],
      [clo, /EL150800460\.csv, line 1: /],
    ];
    for (const [file, message] of expected) {
      const run = await runCli(['datasets', 'inspect', file]);
      expect(run.code, file).toBe(1);
      expect(run.stderr.trim().split('\n'), file).toEqual([expect.stringMatching(message)]);
    }
  });
});
