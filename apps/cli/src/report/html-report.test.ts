import { describe, expect, it } from 'vitest';
import { type ReportCurveCell, renderReport } from './html-report.js';

const cycles = Array.from({ length: 256 }, (_, i) => (i + 1) * 10);
const cell = (cellId: string, lifeTrue: number | null): ReportCurveCell => ({
  cellId,
  cycles,
  referenceSoh: cycles.map((c) => (c <= 1500 ? 100 - c / 75 : Number.NaN)),
  predictedMedian: cycles.map((c) => 100 - c / 70),
  predictedLow: cycles.map((c) => 99 - c / 70),
  predictedHigh: cycles.map((c) => 101 - c / 70),
  lifeTrue,
  lifePredicted: 1400,
  lifeLow: 1300,
  lifeHigh: 1500,
});

describe('renderReport', () => {
  const html = renderReport({
    title: 'synthetic report',
    facts: [['model', 'm<1>']],
    tables: [{ caption: 'RUL', header: ['metric', 'value'], rows: [['rmse', '12.0']] }],
    cells: [cell('cell<a>', 1500), cell('cell-b', null)],
    intervalLabel: '5-95 %',
    endOfLifeSoh: 80,
  });

  it('draws one curve plot per cell plus the life scatter, escaping names', () => {
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('cell&lt;a&gt;');
    expect(html).not.toContain('cell<a>');
    expect(html).toContain('m&lt;1&gt;');
  });

  it('breaks the measured curve at the end of data instead of drawing NaN', () => {
    expect(html).not.toMatch(/NaN/);
    expect(html.match(/class="reference"/g)).toHaveLength(2);
  });

  it('puts only cells with a known life in the scatter', () => {
    expect(html.match(/<circle /g)).toHaveLength(1);
  });
});
