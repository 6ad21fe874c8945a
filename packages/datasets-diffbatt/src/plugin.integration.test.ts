import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readDiffBattSplit } from './snapshot.js';

const data = (split: string) => sharedPath('data', 'diffbatt', 'data', `${split}_ds`);

describe('DiffBatt splits in ../shared', () => {
  it('reads every published split with its cell count and matrix rows', async () => {
    const expected: Record<string, [number, number]> = {
      matr_1_train: [41, 100],
      matr_1_test: [42, 100],
      matr_2_train: [41, 100],
      matr_2_test: [40, 100],
      hust_train: [55, 100],
      hust_test: [22, 100],
      cruh_train: [51, 100],
      cruh_test: [34, 100],
      crush_train: [91, 20],
      crush_test: [59, 20],
      snl_train: [40, 20],
      snl_test: [25, 20],
      clo_test: [70, 100],
    };
    for (const [split, [cells, rows]] of Object.entries(expected)) {
      const samples = await readDiffBattSplit(data(split));
      expect([split, samples.length, samples[0]!.capacityMatrixRows]).toEqual([split, cells, rows]);
      // DiffBatt's curves start at SOH 1 (encoded 1) and are padded with exactly -1.
      expect(samples.every((s) => s.sohCurve[0] === 1)).toBe(true);
    }
  });

  it('names the missing shard of clo_train, mix_train and mix_test', async () => {
    for (const split of ['clo_train', 'mix_train', 'mix_test']) {
      await expect(readDiffBattSplit(data(split))).rejects.toThrow(
        /00000000\.shard\/00000000\.snapshot: missing shard/,
      );
    }
  });

  const copies = mkdtemp(join(tmpdir(), 'diffbatt-corrupt-'));
  afterAll(async () => rm(await copies, { recursive: true, force: true }));

  it('refuses a copy of matr_1_test with one flipped byte, naming the shard', async () => {
    const copy = join(await copies, 'matr_1_test_ds');
    await cp(data('matr_1_test'), copy, { recursive: true });
    const runId = '12707456702768718607';
    const shard = join(copy, runId, '00000000.shard', '00000000.snapshot');
    const bytes = new Uint8Array(await readFile(shard));
    bytes[100_000]! ^= 0x04;
    await rm(shard, { force: true });
    await writeFile(shard, bytes);
    await expect(readDiffBattSplit(copy)).rejects.toThrow(`${shard}: CRC32C mismatch in the data of record`);
  });
});
