import { featuriseCell, inspectCell } from '@diffbatt/core';
import { sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { loadMatrCells } from './plugin.js';

describe('MATR files in ../shared', () => {
  it('test1: 4 cells whose lives equal the published ones, each with a 100 x 100 capacity matrix', async () => {
    const cells = await loadMatrCells(sharedPath('data', 'raw', 'MATR', 'data', 'test1'));
    const inspected = cells.map((cell) => inspectCell(cell));
    expect(inspected.map((c) => [c.cellId, c.cycleLife, c.cycleLifeSource, c.capacityMatrixShape])).toEqual([
      ['EL150800460514', 1852, 'published', [100, 100]],
      ['EL150800460623', 2237, 'published', [100, 100]],
      ['EL150800464865', 1709, 'published', [100, 100]],
      ['EL150800463886', 636, 'published', [100, 100]],
    ]);
    for (const cell of cells) expect(featuriseCell(cell).capacityMatrix).toHaveLength(10_000);
  });

  it('reads the whole data/ folder (train, test1, test2 copies)', async () => {
    const cells = await loadMatrCells(sharedPath('data', 'raw', 'MATR', 'data'));
    expect(cells.map((c) => c.publishedCycleLife)).toEqual([1852, 2237, 1709, 636, 1009, 1063, 2160, 1434]);
  });

  it('parses the raw Arbin sample (MATR) and the full-size CLO GITT export', async () => {
    const [sample] = await loadMatrCells(
      sharedPath('data', 'raw', 'MATR', 'raw_arbin_sample', 'FastCharge_000025_CH8.csv'),
    );
    expect(sample!.cellId).toBe('EL150800453116');
    expect(sample!.cycles[0]!.timeSeries!.timeInS).toHaveLength(248);
    const gitt = sharedPath(
      'data',
      'raw',
      'CLO',
      'figures',
      'SI',
      'cell_char',
      '2019-04-19-GITT_aged_CH34.csv',
    );
    const [aged] = await loadMatrCells(gitt);
    expect(aged!.cycles.reduce((n, c) => n + c.timeSeries!.timeInS.length, 0)).toBe(18_996);
  });
});
