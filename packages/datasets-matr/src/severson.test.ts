import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError, featuriseCell, inspectCell } from '@diffbatt/core';
import { type BadInputFormat, badInputCases, loadFailure, writeBadInput } from '@diffbatt/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMatrCells, matrDatasetPlugin } from './plugin.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const root = mkdtemp(join(tmpdir(), 'severson-'));
afterAll(async () => rm(await root, { recursive: true, force: true }));

/** Synthetic Qdlin (not measured): Q(V) rises from 0 at 3.6 V to ~1.05 Ah at 2.0 V and fades slowly. */
function syntheticQdlin(rows = 1000, columns = 99): string {
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    const depth = row / 999;
    const cells = Array.from({ length: columns }, (_, column) =>
      (1.05 * depth ** 0.5 * (1 - 0.0002 * column)).toFixed(8),
    );
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** A Severson-layout folder in a temp dir with the real cycle lives and SI table 9 (fixtures). */
async function seversonFolder(name: string, cellFiles: Record<string, string>) {
  const top = join(await root, name);
  await mkdir(join(top, 'data', 'test1'), { recursive: true });
  await cp(join(fixtures, 'severson'), top, { recursive: true });
  for (const [file, text] of Object.entries(cellFiles))
    await writeFile(join(top, 'data', 'test1', file), text);
  return join(top, 'data', 'test1');
}

describe('Severson Qdlin split', () => {
  it('reads cells with barcodes, policies and published lives, and featurises them to 100 x 100', async () => {
    const split = await seversonFolder('ok', {
      'cell1.csv': syntheticQdlin(),
      'cell4.csv': syntheticQdlin(),
    });
    expect(await matrDatasetPlugin.detect(split)).toBe(true);
    expect(await matrDatasetPlugin.detect(dirname(split))).toBe(true);
    const cells = await loadMatrCells(split);
    expect(cells.map((c) => [c.cellId, c.publishedCycleLife])).toEqual([
      ['EL150800460514', 1852],
      ['EL150800463886', 636],
    ]);
    expect(cells[0]!.chargeProtocol).toEqual([
      { rateInC: 3.6, startSoc: 0, endSoc: 0.8 },
      { rateInC: 3.6, startSoc: 0.8, endSoc: 1 },
    ]);
    expect(cells[0]!.cycles).toHaveLength(99);
    expect(cells[0]!.cycles[0]!.cycleNumber).toBe(2);
    expect(cells[0]!.cycles[0]!.dischargeCapacityInAh).toBeCloseTo(1.05, 8);
    expect(inspectCell(cells[0]!)).toMatchObject({
      cycleLife: 1852,
      cycleLifeSource: 'published',
      capacityMatrixShape: [100, 100],
    });
    expect(featuriseCell(cells[1]!).capacityMatrixRows).toBe(100);
  });

  it('refuses truncated, NaN, empty and ragged Qdlin files, naming file and line', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'truncated',
        syntheticQdlin(500),
        /cell1\.csv: Qdlin table is 500 x 99, expected 1000 x 99 .*\(truncated file\?\)/,
      ],
      [
        'nan',
        syntheticQdlin().replace(/^([^,]+),/m, 'NaN,'),
        /cell1\.csv, line 1, field "column 1": "NaN" is not a number/,
      ],
      ['empty', '', /cell1\.csv: file is empty/],
      [
        'ragged',
        syntheticQdlin().replace(/,[^,\n]+\n$/, '\n'),
        /cell1\.csv, line 1000: row has 98 fields, expected 99 \(truncated row\?\)/,
      ],
    ];
    for (const [name, text, message] of cases) {
      await expect(loadMatrCells(await seversonFolder(name, { 'cell1.csv': text }))).rejects.toThrow(message);
    }
  });

  it('refuses missing or bad cycle lives and a SI table that disagrees', async () => {
    const split = await seversonFolder('lives', {
      'cell1.csv': syntheticQdlin(),
      'cell50.csv': syntheticQdlin(),
    });
    await expect(loadMatrCells(split)).rejects.toThrow(
      /test1_cycle_lives\.csv: no cycle life for cell50 \(the file has 43 lines\)/,
    );
    await rm(join(split, 'cell50.csv'));
    const lives = join(dirname(split), 'cycle_lives', 'test1_cycle_lives.csv');
    await writeFile(lives, '1852\n22.5\n');
    await expect(loadMatrCells(split)).rejects.toThrow(
      `${lives}, line 2: cycle life 22.5 is not a positive integer`,
    );
    await writeFile(lives, '1900\n');
    await expect(loadMatrCells(split)).rejects.toThrow(
      /severson_et_al_SI_table9\.csv, line 2: cycle life 1852 of EL150800460514 disagrees with 1900/,
    );
    await writeFile(join(dirname(split), '..', 'severson_et_al_SI_table9.csv'), 'Barcode,Life\nx,1\n');
    await expect(loadMatrCells(split)).rejects.toThrow(
      /line 1: header lacks columns "Cell barcode", "Dataset"/,
    );
    await rm(lives);
    await expect(loadMatrCells(split)).rejects.toThrow(`${lives}: missing cycle lives for split "test1"`);
  });

  it('points a user who passes one Qdlin file at its split directory', async () => {
    const split = await seversonFolder('single', { 'cell1.csv': syntheticQdlin() });
    expect(await matrDatasetPlugin.detect(join(split, 'cell1.csv'))).toBe(false);
    await expect(loadMatrCells(join(split, 'cell1.csv'))).rejects.toThrow(
      'a Severson Qdlin file: pass its split directory',
    );
  });
});

describe('Severson split on the SYNTHETIC bad-input corpus', () => {
  // A SYNTHETIC split: one Qdlin file, its cycle lives and an SI table 9 (made-up barcodes), so that each
  // of the three files can be the bad one while the others are valid.
  const split = join('data', 'test1');
  const files: Record<string, string> = {
    [join(split, 'cell1.csv')]: syntheticQdlin(),
    [join('data', 'cycle_lives', 'test1_cycle_lives.csv')]: '1852\n2237\n1709\n',
    'severson_et_al_SI_table9.csv': [
      'Cell barcode,Dataset,Batch date,Cycle life,Charging policy',
      'SYNTHETIC-1,Prim. Test,5/12/17,1852,3.6C(80%)-3.6C',
      'SYNTHETIC-2,Prim. Test,5/12/17,2237,4C(80%)-4C',
      'SYNTHETIC-3,Prim. Test,5/12/17,1709,5.4C(40%)-3.6C',
      '',
    ].join('\n'),
  };
  /** The file at `fileName` as the bad one, the other two beside it. */
  const format = (
    fileName: string,
    columns: Pick<BadInputFormat, 'header' | 'numericColumn' | 'requiredColumn'>,
  ) => {
    const { [fileName]: text, ...companions } = files;
    return { text: text!, fileName, companions, ...columns };
  };
  const formats: [string, BadInputFormat][] = [
    ['Qdlin cellN.csv', format(join(split, 'cell1.csv'), { header: 'none', numericColumn: 5 })],
    [
      'cycle lives',
      format(join('data', 'cycle_lives', 'test1_cycle_lives.csv'), { header: 'none', numericColumn: 0 }),
    ],
    [
      'SI table 9',
      format('severson_et_al_SI_table9.csv', { numericColumn: 'Cycle life', requiredColumn: 'Dataset' }),
    ],
  ];
  it('reads the valid SYNTHETIC split the cases are made from', async () => {
    const scratch = join(await root, 'corpus', 'valid');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(scratch, name)), { recursive: true });
      await writeFile(join(scratch, name), text);
    }
    const [cell] = await loadMatrCells(join(scratch, split));
    expect([cell!.cellId, cell!.publishedCycleLife]).toEqual(['SYNTHETIC-1', 1852]);
  });
  for (const [kind, format] of formats) {
    for (const badCase of badInputCases(format)) {
      it(`refuses ${kind}: ${badCase.name} with a DatasetError naming the file`, async () => {
        const { folder, expected } = await writeBadInput(join(await root, 'corpus', kind), badCase, format);
        const error = await loadFailure(matrDatasetPlugin, join(folder, split));
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).location).toMatchObject(expected);
      });
    }
  }
});
