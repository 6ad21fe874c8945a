import { SeededRandom } from '@diffbatt/core';
import { describe, expect, it } from 'vitest';
import {
  foundationPlan,
  lifeStratifiedSubsample,
  reconstructedCloTrainingPlan,
  subsampledPlan,
  trainingFractionPlan,
} from './pretraining.js';

describe('lifeStratifiedSubsample', () => {
  // Synthetic lives: 41 cells (MATR-1's training count) with distinct lives in shuffled order.
  const lives = new SeededRandom(7).shuffled(Array.from({ length: 41 }, (_, i) => 300 + 50 * i));
  const cells = lives.map((life, index) => ({ index, life }));

  it('keeps round(fraction * n) cells, one per life stratum, in their original order', () => {
    const chosen = lifeStratifiedSubsample(cells, (c) => c.life, 0.25, 0);
    expect(chosen).toHaveLength(10);
    expect(chosen.map((c) => c.index)).toEqual([...chosen.map((c) => c.index)].sort((a, b) => a - b));
    const ranked = [...lives].sort((a, b) => a - b);
    for (let stratum = 0; stratum < 10; stratum++) {
      const [low, high] = [
        ranked[Math.floor((stratum * 41) / 10)]!,
        ranked[Math.floor(((stratum + 1) * 41) / 10) - 1]!,
      ];
      expect(
        chosen.filter((c) => c.life >= low && c.life <= high),
        `stratum ${stratum}`,
      ).toHaveLength(1);
    }
  });

  it('is reproducible per seed and differs between seeds', () => {
    const pick = (seed: number) =>
      lifeStratifiedSubsample(cells, (c) => c.life, 0.25, seed).map((c) => c.index);
    expect(pick(3)).toEqual(pick(3));
    expect(pick(3)).not.toEqual(pick(4));
  });

  it('keeps at least one cell and never more than there are', () => {
    expect(lifeStratifiedSubsample(cells.slice(0, 3), (c) => c.life, 0.01, 0)).toHaveLength(1);
    expect(lifeStratifiedSubsample(cells.slice(0, 3), (c) => c.life, 0.99, 0)).toHaveLength(3);
  });
});

describe('foundation and training-fraction plans', () => {
  it('keeps the held-out splits out as candidates and excludes their training curves', () => {
    const plan = foundationPlan(100, ['matr_1', 'matr_2', 'hust', 'clo', 'cruh'], {
      withoutTrainingOf: ['matr_1', 'matr_2'],
    });
    expect(plan.name).toBe('foundation-100x100-without-matr_1-matr_2');
    expect(plan.candidates).toEqual(['hust_train', 'clo_train', 'cruh_train']);
    expect(plan.excluded).toEqual([
      'matr_1_test',
      'matr_2_test',
      'hust_test',
      'clo_test',
      'cruh_test',
      'matr_1_train',
      'matr_2_train',
    ]);
    expect(foundationPlan(100).name).toBe('foundation-100x100');
  });

  it('refuses a held-out split that is not one of the foundation splits', () => {
    expect(() => foundationPlan(20, ['snl', 'crush'], { withoutTrainingOf: ['hust'] })).toThrow(
      "hust is not one of the foundation's splits (snl, crush)",
    );
  });

  it('names the share of a training split and refuses a fraction outside (0, 1)', () => {
    const plan = trainingFractionPlan('matr_1', 0.25);
    expect(plan).toMatchObject({
      name: 'matr_1-train-25pct',
      candidates: ['matr_1_train'],
      excluded: ['matr_1_test'],
      subsample: { fraction: 0.25, seed: 0 },
    });
    expect(trainingFractionPlan('snl', 0.5, 2).name).toBe('snl-train-50pct-seed2');
    expect(() => trainingFractionPlan('snl', 1)).toThrow('fraction must be in (0, 1), got 1');
  });

  it('cuts any set to a share, keeping what it draws from and excludes', () => {
    const plan = subsampledPlan(reconstructedCloTrainingPlan(), 0.25, 1);
    expect(plan).toMatchObject({
      name: 'clo-train-reconstructed-25pct-seed1',
      candidates: reconstructedCloTrainingPlan().candidates,
      excluded: ['clo_test'],
      reconstructed: true,
      subsample: { fraction: 0.25, seed: 1 },
    });
    expect(() => subsampledPlan(reconstructedCloTrainingPlan(), 0)).toThrow(
      'fraction must be in (0, 1), got 0',
    );
  });
});
