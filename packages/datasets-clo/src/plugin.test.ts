import { join } from 'node:path';
import { DatasetError } from '@diffbatt/core';
import {
  type BadInputFormat,
  badInputCases,
  collectCells,
  createScratchDirectory,
  loadFailure,
  type ScratchDirectory,
  writeBadInput,
} from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargePolicy } from './metadata.js';
import { cloDatasetPlugin } from './plugin.js';

let scratch: ScratchDirectory;
beforeAll(async () => {
  scratch = await createScratchDirectory('clo');
});
afterAll(() => scratch.remove());

const write = (relative: string, text: string) => scratch.write(relative, text);

const cells = (path: string) => collectCells(cloDatasetPlugin, path);

/** SYNTHETIC capacity fade first below 0.88 Ah at cycle `life` (linear from 1.05 Ah), then 10 more cycles. */
function fade(life: number): number[] {
  return Array.from({ length: life + 10 }, (_, i) =>
    Number((1.05 - (0.17 * (i + 1)) / (life - 0.5)).toFixed(5)),
  );
}

const FINAL_RESULTS = '\ufeffC1,C2,C3,R1,R2,R3,R4,R5\n3.6,6,5.6,40,41,42,43,44\n8,7,5.2,30,31,32,33,34';
const WIDTH = 60;

/** SYNTHETIC Qn.csv: one row per cell, zero-padded to WIDTH cycles. */
function qn(rows: number[][]): string {
  return rows.map((row) => [...row, ...Array(WIDTH - row.length).fill(0)].join(',')).join('\n') + '\n';
}

const LIVES = [40, 41, 42, 43, 44, 30, 31, 32, 33, 34];

describe('clo plugin: Qn.csv + final_results.csv', () => {
  it('maps row r to policy floor(r/5), replicate r mod 5, strips zero padding, keeps published lives', async () => {
    const rows = LIVES.map(fade);
    rows[7]![9] = 0.87; // a one-cycle dip at cycle 10 in the cell whose published life is 32
    await write('a/figures/fig4/final_results.csv', FINAL_RESULTS);
    await write('a/figures/fig4/Qn.csv', qn(rows));
    expect(await cloDatasetPlugin.detect(join(scratch.path, 'a'))).toBe(true);
    const found = await cells(join(scratch.path, 'a'));
    expect(found.map((c) => c.cellId)).toEqual([
      ...[1, 2, 3, 4, 5].map((r) => `CLO_3.6-6-5.6_${r}`),
      ...[1, 2, 3, 4, 5].map((r) => `CLO_8-7-5.2_${r}`),
    ]);
    expect(found.map((c) => c.publishedCycleLife)).toEqual(LIVES);
    expect(found.map((c) => c.cycles.length)).toEqual(LIVES.map((life) => life + 10));
    expect(found[0]!.cycles[0]).toEqual({ cycleNumber: 1, dischargeCapacityInAh: rows[0]![0] });
    // The dip is kept in the data and said, not hidden.
    expect(found[7]!.cycles[9]!.dischargeCapacityInAh).toBe(0.87);
    expect(found[7]!.description).toMatch(
      /first cycle below 0.88 Ah is 10 but final_results.csv gives 32 \(an early dip/,
    );
    expect(found[6]!.description).not.toMatch(/first cycle below/);
    expect(found[0]!.chargeProtocol).toEqual(chargePolicy(3.6, 6, 5.6));
  });

  it('derives C4 from the 10-minute charge as Attia et al. (policies_all.csv: 3.6,6,5.6 -> 4.755)', () => {
    const steps = chargePolicy(3.6, 6, 5.6);
    expect(steps.map((s) => s.startSoc)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(steps[3]!.rateInC).toBeCloseTo(4.755, 3);
  });
});

describe('clo plugin: EL<barcode>.csv cell files', () => {
  it('reads Qvsn for every cycle and Q(V) of cycles 10 and 100 on the 3.6 -> 2.0 V grid', async () => {
    const capacities = fade(150).slice(0, 150);
    const lines = ['\ufeffQvsn,Q(V)_100,Q(V)_10'];
    for (let i = 0; i < 1000; i++) {
      lines.push(`${capacities[i] ?? ''},${((1.0 * i) / 999).toFixed(6)},${((1.02 * i) / 999).toFixed(6)}`);
    }
    const file = await write('b/EL150800000001.csv', lines.join('\n'));
    expect(await cloDatasetPlugin.detect(join(scratch.path, 'b'))).toBe(true);
    const [cell] = await cells(file);
    expect(cell!.cellId).toBe('EL150800000001');
    expect(cell!.cycles).toHaveLength(150);
    expect(cell!.publishedCycleLife).toBeUndefined();
    const curve = cell!.cycles[99]!.dischargeCurve!;
    expect(curve.voltageInV[0]).toBe(3.6);
    expect(curve.voltageInV[999]).toBeCloseTo(2.0, 12);
    expect(curve.dischargeCapacityInAh[999]).toBe(1);
    expect(cell!.cycles[9]!.dischargeCurve!.dischargeCapacityInAh[999]).toBe(1.02);
    expect(cell!.cycles.filter((c) => c.dischargeCurve)).toHaveLength(2);
  });

  it('does not claim other folders', async () => {
    await write('c/notes.csv', 'a,b\n1,2\n');
    await write('c/EL1.csv', 'a,b\n1,2\n');
    expect(await cloDatasetPlugin.detect(join(scratch.path, 'c'))).toBe(false);
    expect(await cloDatasetPlugin.detect(join(scratch.path, 'nowhere'))).toBe(false);
  });
});

describe('clo plugin on bad input', () => {
  async function loadError(name: string, files: Record<string, string>): Promise<DatasetError> {
    for (const [file, text] of Object.entries(files)) await write(`${name}/${file}`, text);
    const error = await cells(join(scratch.path, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  const good = qn(LIVES.map(fade));

  it('names file and line of a truncated Qn.csv', async () => {
    const error = await loadError('t', {
      'final_results.csv': FINAL_RESULTS,
      'Qn.csv': good.slice(0, good.length - 50),
    });
    expect(error.message).toMatch(/Qn\.csv, line 10: row has \d+ fields, expected 60 \(truncated row\?\)/);
  });

  it('refuses a wrong final_results header and a Qn.csv with the wrong number of rows', async () => {
    const header = await loadError('h', {
      'final_results.csv': FINAL_RESULTS.replace('R5', 'life'),
      'Qn.csv': good,
    });
    expect(header.message).toMatch(/final_results\.csv, line 1: not a CLO final_results header: .*R5/);
    const count = await loadError('n', {
      'final_results.csv': FINAL_RESULTS,
      'Qn.csv': qn(LIVES.slice(0, 9).map(fade)),
    });
    expect(count.message).toMatch(/Qn\.csv: 9 rows, expected 10/);
  });

  it('names line and column of a NaN and of a zero inside the data', async () => {
    const nan = await loadError('x', {
      'final_results.csv': FINAL_RESULTS,
      'Qn.csv': good.replace(/^([^,]+,[^,]+),[^,]+/, '$1,NaN'),
    });
    expect(nan.message).toMatch(/Qn\.csv, line 1, field "column 3": "NaN" is not a number/);
    const rows = LIVES.map(fade);
    rows[2]![5] = 0;
    const zero = await loadError('z', { 'final_results.csv': FINAL_RESULTS, 'Qn.csv': qn(rows) });
    expect(zero.message).toMatch(/Qn\.csv, line 3, field "column 6": capacity 0 inside the data/);
  });

  it('refuses an empty Qn.csv, a missing final_results.csv and a short Q(V) column', async () => {
    expect((await loadError('e', { 'final_results.csv': FINAL_RESULTS, 'Qn.csv': '' })).message).toMatch(
      /Qn\.csv: file is empty/,
    );
    expect((await loadError('m', { 'Qn.csv': good })).message).toMatch(/final_results\.csv: file not found/);
    const short = ['Qvsn,Q(V)_100,Q(V)_10', ...Array.from({ length: 20 }, () => '1.0,0.5,0.5')].join('\n');
    expect((await loadError('q', { 'EL1.csv': short })).message).toMatch(
      /EL1\.csv, field "Q\(V\)_10": 20 Q\(V\) points, expected 1000/,
    );
  });
});

describe('clo plugin on the SYNTHETIC bad-input corpus', () => {
  const cellFile = ['Qvsn,Q(V)_100,Q(V)_10'];
  const capacities = fade(150);
  for (let i = 0; i < 1000; i++)
    cellFile.push(`${capacities[i] ?? ''},${(i / 999).toFixed(6)},${(i / 980).toFixed(6)}`);
  const formats: [string, BadInputFormat, 'file' | 'folder'][] = [
    [
      'EL<barcode>.csv',
      {
        text: `${cellFile.join('\n')}\n`,
        fileName: 'EL150800000002.csv',
        numericColumn: 'Qvsn',
        requiredColumn: 'Q(V)_10',
      },
      'file',
    ],
    [
      'Qn.csv',
      {
        text: qn(LIVES.map(fade)),
        fileName: 'Qn.csv',
        header: 'none',
        numericColumn: 2,
        companions: { 'final_results.csv': FINAL_RESULTS },
      },
      'file',
    ],
    [
      'final_results.csv',
      {
        text: FINAL_RESULTS,
        fileName: 'final_results.csv',
        numericColumn: 'R2',
        requiredColumn: 'C3',
        companions: { 'Qn.csv': qn(LIVES.map(fade)) },
      },
      'folder',
    ],
  ];
  for (const [kind, format, load] of formats) {
    for (const badCase of badInputCases(format)) {
      it(`refuses ${kind}: ${badCase.name} with a DatasetError naming the file`, async () => {
        const { path, folder, expected } = await writeBadInput(join(scratch.path, kind), badCase, format);
        const error = await loadFailure(cloDatasetPlugin, load === 'file' ? path : folder);
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).location).toMatchObject(expected);
      });
    }
  }
});
