import { syntheticSamples } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import {
  formatProvenanceSummary,
  markedCellId,
  summariseProvenance,
  syntheticBanner,
  syntheticJsonFields,
} from './synthetic.js';

describe('synthetic marking helpers', () => {
  it('mark synthetic ids and say how many cells are synthetic, or nothing when none is', () => {
    expect(markedCellId('a', true)).toBe('a [synthetic]');
    expect(markedCellId('a', false)).toBe('a');
    expect(syntheticBanner([false, true, true])).toBe(
      'SYNTHETIC DATA: 2 of 3 cells are synthetic (generated or made up), not measured',
    );
    expect(syntheticBanner([false, false])).toBeNull();
    expect(syntheticJsonFields([false, false])).toEqual({ cellSynthetic: [false, false] });
    expect(syntheticJsonFields([true])).toEqual({
      cellSynthetic: [true],
      syntheticWarning:
        'SYNTHETIC DATA: 1 of 1 reference cells are synthetic (generated or made up), not measured',
    });
  });

  it('summarise provenance field by field and by source cell, ignoring measured cells', () => {
    const [a, b, c, d, measured] = syntheticSamples(5, 1);
    const samples = [
      { ...a!, provenance: { model: 'm', guidanceWeight: 1, sourceCellId: 'x' } },
      { ...b!, provenance: { model: 'm', guidanceWeight: 3, sourceCellId: 'x' } },
      { ...c!, provenance: { model: 'm', guidanceWeight: 1, sourceCellId: 'unconditional' } },
      d!,
      { ...measured!, synthetic: false, provenance: { model: 'other', sourceCellId: 'y' } },
    ];
    const summary = summariseProvenance(samples);
    expect(summary).toEqual({
      samples: 4,
      fields: { model: ['m'], guidanceWeight: [1, 3] },
      conditionCells: 1,
      conditionedCurves: 2,
      unconditionalCurves: 1,
      withoutProvenance: 1,
    });
    expect(formatProvenanceSummary(summary)).toBe(
      'model m; guidanceWeight 1, 3; 2 conditioned on 1 cell(s); 1 unconditional; 1 without provenance',
    );
  });
});
