import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDatasetFile } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const split = (name: string) => sharedPath('data', 'diffbatt', 'data', `${name}_ds`);
const inspectJson = async (path: string) => {
  const { code, stdout, stderr } = await runCli(['datasets', 'inspect', path, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as {
    plugin: string;
    cells: { cellId: string; cycleLife: number | null; capacityMatrixShape: number[] | null }[];
  };
};

const root = mkdtemp(join(tmpdir(), 'cli-datasets-int-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

describe('diffbatt datasets on ../shared (issue 5 done-when checks)', () => {
  it('matr_1_test: 42 cells with 100x100 matrices; snl_test: 25 cells with 20x100', async () => {
    const matr = await inspectJson(split('matr_1_test'));
    expect(matr.plugin).toBe('diffbatt');
    expect(matr.cells).toHaveLength(42);
    expect(matr.cells.every((c) => c.capacityMatrixShape?.join('x') === '100x100')).toBe(true);
    const snl = await inspectJson(split('snl_test'));
    expect(snl.cells).toHaveLength(25);
    expect(snl.cells.every((c) => c.capacityMatrixShape?.join('x') === '20x100')).toBe(true);
  });

  it('mix_test: non-zero exit and one line naming the missing shard', async () => {
    const { code, stdout, stderr } = await runCli(['datasets', 'inspect', split('mix_test'), '--json']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^diffbatt: error: .*mix_test_ds\/\d+\/00000000\.shard\/00000000\.snapshot: missing shard/,
    );
  });

  it('a copy with one flipped byte is refused with a CRC message, and convert writes nothing', async () => {
    const copy = join(await root, 'matr_1_test_ds');
    await cp(split('matr_1_test'), copy, { recursive: true });
    const shard = join(copy, '12707456702768718607', '00000000.shard', '00000000.snapshot');
    const bytes = new Uint8Array(await readFile(shard));
    bytes[bytes.length - 5000]! ^= 0x80;
    await rm(shard);
    await writeFile(shard, bytes);
    const inspect = await runCli(['datasets', 'inspect', copy]);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^diffbatt: error: .*00000000\.snapshot: CRC32C mismatch in the data of record 3/,
      ),
    ]);
    const out = join(await root, 'corrupt.dbds');
    expect((await runCli(['datasets', 'convert', copy, '--out', out])).code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('MATR test1: 4 cells, lives equal the published ones, each 100x100; converts to a dataset file', async () => {
    const test1 = sharedPath('data', 'raw', 'MATR', 'data', 'test1');
    const report = await inspectJson(test1);
    expect(report.plugin).toBe('matr');
    expect(report.cells.map((c) => [c.cycleLife, c.capacityMatrixShape])).toEqual([
      [1852, [100, 100]],
      [2237, [100, 100]],
      [1709, [100, 100]],
      [636, [100, 100]],
    ]);
    const out = join(await root, 'test1.dbds');
    const convert = await runCli(['datasets', 'convert', test1, '--out', out]);
    expect(convert.code).toBe(0);
    expect(convert.stderr).toMatch(/wrote 4 samples \(4 with a capacity matrix\)/);
    const { meta, samples } = await readDatasetFile(out);
    expect(meta).toMatchObject({ plugin: 'matr', featuriserRows: 100 });
    expect(samples.map((s) => s.cellId)).toEqual([
      'EL150800460514',
      'EL150800460623',
      'EL150800464865',
      'EL150800463886',
    ]);
  });

  it('the raw Arbin sample files parse', async () => {
    const report = await inspectJson(sharedPath('data', 'raw', 'MATR', 'raw_arbin_sample'));
    expect(report.cells.map((c) => c.cellId)).toEqual(['EL150800453116']);
  });
});
