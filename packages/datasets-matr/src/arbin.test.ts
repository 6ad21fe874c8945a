import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cycle, DatasetError, featuriseCell, inspectCell } from '@diffbatt/core';
import { badInputCases, loadFailure, writeBadInput } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ARBIN_TIME_SERIES_CYCLES, readArbinCycles } from './arbin.js';
import { matrCell } from './matr-cell.js';
import { loadMatrCells, matrDatasetPlugin } from './plugin.js';

const sample = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'raw_arbin_sample',
  'FastCharge_000025_CH8.csv',
);
const root = mkdtemp(join(tmpdir(), 'arbin-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

const HEADER =
  'Data_Point,Test_Time,DateTime,Step_Time,Step_Index,Cycle_Index,Current,Voltage,Charge_Capacity,Discharge_Capacity';

/** Synthetic Arbin rows (not measured): per cycle a 1 A charge then a 4 A discharge with cumulative counters. */
function syntheticArbin(cycles: number): string {
  const lines = [HEADER];
  let charge = 0;
  let discharge = 0;
  let point = 0;
  for (let cycle = 1; cycle <= cycles; cycle++) {
    for (let i = 0; i < 10; i++) {
      charge += 0.1;
      lines.push(
        `${point},${point},0,0,1,${cycle},1.0,${(3.0 + i * 0.06).toFixed(3)},${charge.toFixed(4)},${discharge.toFixed(4)}`,
      );
      point++;
    }
    for (let i = 0; i < 10; i++) {
      discharge += 0.1 - 0.001 * cycle;
      lines.push(
        `${point},${point},0,0,2,${cycle},-4.0,${(3.5 - i * 0.15).toFixed(3)},${charge.toFixed(4)},${discharge.toFixed(4)}`,
      );
      point++;
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const withoutSamples = ({ timeSeries: _, ...cycle }: Cycle) => cycle;

async function file(name: string, text: string): Promise<string> {
  const path = join(await root, name);
  await writeFile(path, text);
  return path;
}

describe('raw Arbin CSV', () => {
  it('parses the real MATR sample with its metadata (barcode, schedule): one rest cycle, no life yet', async () => {
    expect(await matrDatasetPlugin.detect(sample)).toBe(true);
    expect(await matrDatasetPlugin.detect(dirname(sample))).toBe(true);
    const [cell] = await loadMatrCells(sample);
    expect(cell!.cellId).toBe('EL150800453116');
    expect(cell!.description).toContain('20170512-4_4C-80PER_4_4C.SDU');
    expect(cell!.cycles).toHaveLength(1);
    expect(cell!.cycles[0]!.timeSeries!.voltageInV).toHaveLength(248);
    expect(cell!.cycles[0]!.timeSeries!.temperatureInC![0]).toBeCloseTo(30.109268, 6);
    expect(inspectCell(cell!)).toMatchObject({
      cycles: 1,
      cycleLife: null,
      cycleLifeSource: null,
      capacityMatrixShape: null,
    });
  });

  it('splits cycles and makes cumulative capacity counters per cycle', async () => {
    const [cell] = await loadMatrCells(await file('cells.csv', syntheticArbin(3)));
    expect(cell!.cellId).toBe('cells');
    expect(cell!.cycles.map((c) => c.cycleNumber)).toEqual([1, 2, 3]);
    // The cycle starts with its charge, so all 10 discharge steps count: 10 x (0.1 - 0.001 x cycle).
    expect(cell!.cycles.map((c) => Number(c.dischargeCapacityInAh!.toFixed(4)))).toEqual([0.99, 0.98, 0.97]);
    expect(cell!.cycles[1]!.timeSeries!.dischargeCapacityInAh![0]).toBeCloseTo(0, 9);
  });

  it('joins the rows of a cycle index that comes back, as the whole-file reader grouped them', async () => {
    const lines = syntheticArbin(2).trim().split('\r\n');
    // Cycle 1's discharge half after cycle 2: the rows of cycle 1 stay in file order.
    const moved = [lines[0]!, ...lines.slice(1, 11), ...lines.slice(21), ...lines.slice(11, 21)];
    const [cell] = await loadMatrCells(await file('back.csv', `${moved.join('\n')}\n`));
    const [original] = await loadMatrCells(await file('inorder.csv', syntheticArbin(2)));
    expect(cell!.cycles).toEqual(original!.cycles);
  });

  it('keeps the samples of the first cycles only; capacities and features are those of every sample', async () => {
    const path = await file('long.csv', syntheticArbin(ARBIN_TIME_SERIES_CYCLES + 20));
    const every = await readArbinCycles(path, { timeSeriesCycles: Number.POSITIVE_INFINITY });
    const bounded = await readArbinCycles(path);
    expect(bounded.filter((c) => c.timeSeries).map((c) => c.cycleNumber)).toEqual(
      every.slice(0, ARBIN_TIME_SERIES_CYCLES).map((c) => c.cycleNumber),
    );
    expect(bounded.slice(0, ARBIN_TIME_SERIES_CYCLES)).toEqual(every.slice(0, ARBIN_TIME_SERIES_CYCLES));
    expect(bounded.map(withoutSamples)).toEqual(every.map(withoutSamples));
    const cell = (cycles: Cycle[]) => matrCell({ cellId: 'synthetic', cycles });
    expect(featuriseCell(cell(bounded))).toEqual(featuriseCell(cell(every)));
  });

  it('gives a cycle that arrives late its place among those that keep samples', async () => {
    const lines = syntheticArbin(6).trim().split('\r\n');
    const rows = (cycle: number) => lines.slice(1 + (cycle - 1) * 20, 1 + cycle * 20);
    // Cycle 2 has no discharge (no Q(V) curve, so it does not count); cycle 3 comes last. With 3 curves
    // kept, cycle 5 keeps its samples until cycle 3 arrives below it.
    const late = [
      lines[0]!,
      ...rows(1),
      ...rows(2).slice(0, 10),
      ...rows(4),
      ...rows(5),
      ...rows(6),
      ...rows(3),
    ];
    const path = await file('late.csv', `${late.join('\n')}\n`);
    const cycles = await readArbinCycles(path, { timeSeriesCycles: 3 });
    expect(cycles.filter((c) => c.timeSeries).map((c) => c.cycleNumber)).toEqual([1, 2, 3, 4]);
    const every = await readArbinCycles(path, { timeSeriesCycles: Number.POSITIVE_INFINITY });
    expect(cycles.slice(0, 4)).toEqual(every.slice(0, 4));
    expect(cycles.map(withoutSamples)).toEqual(every.map(withoutSamples));
    const none = await readArbinCycles(path, { timeSeriesCycles: 0 });
    expect(none).toEqual(every.map(withoutSamples));
  });

  it('bounds the samples it holds when no cycle has a discharge curve, keeping every capacity', async () => {
    // A charge-only export (a formation test): no cycle ever reaches the cycles that keep samples, so
    // without a bound every sample of the file would stay in memory.
    const lines = syntheticArbin(40)
      .trim()
      .split('\r\n')
      .filter((line, i) => i === 0 || !line.includes(',-4.0,'));
    const path = await file('charge-only.csv', `${lines.join('\n')}\n`);
    const warnings: string[] = [];
    const cycles = await readArbinCycles(path, {
      maxHeldSamples: 50,
      onWarning: (message) => warnings.push(message),
    });
    expect(cycles).toHaveLength(40);
    expect(cycles.every((cycle) => cycle.chargeCapacityInAh! > 0.85)).toBe(true);
    const held = cycles.reduce((n, cycle) => n + (cycle.timeSeries?.timeInS.length ?? 0), 0);
    expect(held).toBeLessThanOrEqual(50);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /charge-only\.csv: \d+ cycle\(s\) without a discharge curve kept only their capacities/,
    );
    // One run larger than the budget keeps none of its samples either.
    const one = await readArbinCycles(path, { maxHeldSamples: 5 });
    expect(one.every((cycle) => cycle.timeSeries === undefined)).toBe(true);
  });

  it('keeps the samples of cycles with a discharge curve whatever the budget', async () => {
    const path = await file('budget.csv', syntheticArbin(6));
    const warnings: string[] = [];
    const cycles = await readArbinCycles(path, { maxHeldSamples: 30, onWarning: (m) => warnings.push(m) });
    expect(cycles.every((cycle) => cycle.timeSeries?.timeInS.length === 20)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('refuses wrong headers, NaN, truncated rows, bad cycle indices and empty files', async () => {
    const good = syntheticArbin(2);
    const cases: [string, string, RegExp][] = [
      [
        'header.csv',
        good.replace('Voltage', 'Volts'),
        /header\.csv, line 1: header lacks column "Voltage" \(found: .*Volts/,
      ],
      [
        'nan.csv',
        good.replace(/(\r\n[^\r]*?),-4\.0,/, '$1,NaN,'),
        /nan\.csv, line 12, field "Current": "NaN" is not a number/,
      ],
      [
        'cut.csv',
        good.slice(0, good.lastIndexOf(',')),
        /cut\.csv, line 41: row has 9 fields, expected 10 \(truncated row\?\)/,
      ],
      [
        'index.csv',
        good.replace(/,0,1,1,1\.0,/, ',0,1,1.5,1.0,'),
        /index\.csv, line 2, field "Cycle_Index": cycle index 1\.5 is not a non-negative integer/,
      ],
      ['empty.csv', '', /empty\.csv: file is empty/],
      ['onlyheader.csv', `${HEADER}\n`, /onlyheader\.csv, line 1: no data rows after the header/],
    ];
    for (const [name, text, message] of cases) {
      const path = await file(name, text);
      await expect(loadMatrCells(path)).rejects.toThrow(message);
    }
    expect(await matrDatasetPlugin.detect(await file('empty2.csv', ''))).toBe(false);
  });

  it('refuses a metadata file without item_id, naming it', async () => {
    const path = await file('meta.csv', syntheticArbin(1));
    await writeFile(path.replace('.csv', '_Metadata.csv'), 'a,b\n1,2\n');
    await expect(loadMatrCells(path)).rejects.toThrow(
      /meta_Metadata\.csv, line 1: header lacks column "item_id"/,
    );
  });
});

describe('raw Arbin CSV on the SYNTHETIC bad-input corpus', () => {
  const format = {
    text: syntheticArbin(3),
    fileName: 'SYNTHETIC_FastCharge_CH1.csv',
    numericColumn: 'Voltage',
    requiredColumn: 'Current',
  };
  for (const badCase of badInputCases(format)) {
    it(`refuses ${badCase.name} with a DatasetError naming the file`, async () => {
      const { path, expected } = await writeBadInput(await root, badCase, format);
      const error = await loadFailure(matrDatasetPlugin, path);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).location).toMatchObject(expected);
    });
  }
});
