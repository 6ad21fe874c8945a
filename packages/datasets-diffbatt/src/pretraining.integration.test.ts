import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelSample } from '@diffbatt/core';
import { repositoryRoot, sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NEAR_DUPLICATE_TOLERANCE } from './leakage.js';
import {
  buildLeakageFreeSet,
  cellListOf,
  type DiffBattSplit,
  foundationPlan,
  type LeakageFreePlan,
  loadCellListSamples,
  pretrainingPlan,
  readCellList,
  reconstructedCloTrainingPlan,
  subsampledPlan,
  trainingFractionPlan,
} from './pretraining.js';
import { readDiffBattSplit } from './snapshot.js';

/**
 * The leakage check of issue 19: every pretraining set, rebuilt from ../shared and as committed under
 * data/pretraining, holds no curve of a test split it is meant to be evaluated on.
 */
const data = sharedPath('data', 'diffbatt', 'data');
const committed = join(repositoryRoot, 'data', 'pretraining');

const plans: LeakageFreePlan[] = [
  ...(['matr_1', 'matr_2', 'hust', 'clo', 'cruh', 'snl', 'crush'] as const).map((t) => pretrainingPlan(t)),
  ...(['matr_1', 'matr_2', 'snl', 'crush'] as const).map((t) =>
    pretrainingPlan(t, { excludeTargetTraining: true }),
  ),
  foundationPlan(100, ['matr_1', 'matr_2', 'hust', 'clo', 'cruh']),
  foundationPlan(20),
  reconstructedCloTrainingPlan(),
  ...[['matr_1', 'matr_2'], ['hust'], ['cruh']].map((held) =>
    foundationPlan(100, ['matr_1', 'matr_2', 'hust', 'clo', 'cruh'], {
      withoutTrainingOf: held as DiffBattSplit[],
    }),
  ),
  ...(['snl', 'crush'] as const).map((held) => foundationPlan(20, undefined, { withoutTrainingOf: [held] })),
  ...(['matr_1', 'hust', 'cruh', 'snl', 'crush'] as const).map((t) => trainingFractionPlan(t, 0.25)),
  subsampledPlan(
    {
      ...reconstructedCloTrainingPlan(),
      description: 'the RECONSTRUCTED CLO training set (MATR cells; the published clo_train is missing)',
    },
    0.25,
  ),
];

const testCells = new Map<string, ModelSample[]>();
async function readTestPart(part: string): Promise<ModelSample[]> {
  if (!testCells.has(part)) testCells.set(part, await readDiffBattSplit(join(data, `${part}_ds`)));
  return testCells.get(part)!;
}

/** Brute force over raw values, sharing no code with the library's duplicate rules. */
function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function leaks(sample: ModelSample, test: ModelSample): boolean {
  const soh = maxDifference(sample.sohCurve, test.sohCurve);
  if (soh === 0) return true; // the same curve, whatever its matrix
  if (soh > DEFAULT_NEAR_DUPLICATE_TOLERANCE.soh) return false;
  return (
    maxDifference(sample.capacityMatrix!, test.capacityMatrix!) <= DEFAULT_NEAR_DUPLICATE_TOLERANCE.matrix
  );
}

async function expectNoLeak(samples: ModelSample[], plan: LeakageFreePlan) {
  for (const part of plan.excluded) {
    for (const test of await readTestPart(part)) {
      const leaked = samples.filter((s) => leaks(s, test)).map((s) => s.cellId);
      expect(leaked, `${plan.name}: copies of ${test.cellId}`).toEqual([]);
    }
  }
}

describe('pretraining sets from the DiffBatt splits in ../shared', () => {
  for (const plan of plans) {
    it(`${plan.name}: rebuilt and committed lists agree and hold no curve of ${plan.excluded.join(', ')}`, async () => {
      const set = await buildLeakageFreeSet(data, plan);
      const rebuilt = set.kept.map((k) => k.sample);
      expect(rebuilt.every((s) => s.capacityMatrixRows === plan.rows)).toBe(true);
      await expectNoLeak(rebuilt, plan);
      // No curve twice (exact copies; near ones are covered by the rule the same way).
      expect(new Set(set.kept.map((k) => k.hash)).size).toBe(set.kept.length);

      // What training would read: the committed list, loaded and hash-checked against the data.
      const list = await readCellList(join(committed, `${plan.name}.json`));
      expect(list.cells).toEqual(cellListOf(set).cells);
      expect(list.excluded).toEqual(cellListOf(set).excluded);
      await expectNoLeak(await loadCellListSamples(data, list), plan);
    });
  }

  it('checks every committed cell list', async () => {
    const files = (await readdir(committed)).filter((f) => f.endsWith('.json') && f !== 'survey.json');
    expect(files.sort()).toEqual(plans.map((p) => `${p.name}.json`).sort());
  });

  it('does not build a set for MIX, whose test split is absent, and reports absent candidate splits', async () => {
    await expect(buildLeakageFreeSet(data, pretrainingPlan('mix'))).rejects.toThrow(
      /cannot rule out leakage against mix_test: snapshot.metadata names run \d+ but its shard is absent/,
    );
    const set = await buildLeakageFreeSet(data, pretrainingPlan('matr_1'));
    expect(set.parts.filter((p) => p.absent).map((p) => p.part)).toEqual([
      'clo_train',
      'mix_train',
      'mix_test',
    ]);
  });

  it('finds the shared curves the issue names: 21 CRUSH test curves are CRUH training curves', async () => {
    const cruh = new Set((await readTestPart('cruh_train')).map((s) => s.sohCurve.join()));
    const crush = await readTestPart('crush_test');
    expect(crush.filter((s) => cruh.has(s.sohCurve.join())).length).toBe(21);
    // ... as SOH curves only: CRUSH's 20-row matrices cannot equal CRUH's 100-row ones.
    expect([crush[0]!.capacityMatrixRows, (await readTestPart('cruh_train'))[0]!.capacityMatrixRows]).toEqual(
      [20, 100],
    );
  });

  it('holds no CRUSH curve in the 100-row foundation without CRUH, which the CRUSH comparison fine-tunes from', async () => {
    // CRUSH's cells are CRUH and SNL cells with 20-row matrices, so only the SOH curves can be compared.
    const list = await readCellList(join(committed, 'foundation-100x100-without-cruh.json'));
    const foundation = await loadCellListSamples(data, list);
    expect(foundation.length).toBe(81);
    for (const part of ['crush_train', 'crush_test']) {
      for (const crush of await readTestPart(part)) {
        const close = foundation.filter(
          (s) => maxDifference(s.sohCurve, crush.sohCurve) <= DEFAULT_NEAR_DUPLICATE_TOLERANCE.soh,
        );
        expect(
          close.map((s) => s.cellId),
          `copies of ${crush.cellId}`,
        ).toEqual([]);
      }
    }
  });

  it('draws 25 % of a training split, one cell per life stratum, from that split only', async () => {
    for (const split of ['matr_1', 'hust', 'cruh', 'snl', 'crush'] as const) {
      const list = await readCellList(join(committed, `${split}-train-25pct.json`));
      const training = await readTestPart(`${split}_train`);
      expect(list.cells.length, split).toBe(Math.round(training.length / 4));
      expect(list.cells.every((c) => c.id.startsWith(`${split}_train/`))).toBe(true);
      expect(list.rules.subsample).toMatchObject({ fraction: 0.25, seed: 0 });
    }
  });

  it("draws CLO's quarter from its reconstructed training set, one cell per life stratum", async () => {
    const whole = await readCellList(join(committed, 'clo-train-reconstructed.json'));
    const quarter = await readCellList(join(committed, 'clo-train-reconstructed-25pct.json'));
    expect(quarter.cells.length).toBe(Math.round(whole.cells.length / 4));
    const wholeIds = new Set(whole.cells.map((c) => c.id));
    expect(quarter.cells.every((c) => wholeIds.has(c.id))).toBe(true);
    expect(quarter.reconstructed).toBe(true);
  });

  it('reconstructs CLO training from MATR cells only, and refuses a list whose hash does not match', async () => {
    const list = await readCellList(join(committed, 'clo-train-reconstructed.json'));
    expect(list.reconstructed).toBe(true);
    expect(list.cells.every((c) => /^matr_[12]_(train|test)\//.test(c.id))).toBe(true);
    const tampered = { ...list, cells: [{ ...list.cells[0]!, sha256: '0'.repeat(64) }] };
    await expect(loadCellListSamples(data, tampered, 'tampered.json')).rejects.toThrow(
      `tampered.json: ${list.cells[0]!.id}: content hash`,
    );
  });
});
