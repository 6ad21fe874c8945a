import { join } from 'node:path';
import { type Cell, DatasetError } from '@diffbatt/core';
import {
  badInputCases,
  collectCells,
  createScratchDirectory,
  loadFailure,
  type ScratchDirectory,
  writeBadInput,
} from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hustDatasetPlugin, tjuDatasetPlugin } from './plugin.js';

const HEADER =
  'voltage mean,voltage std,voltage kurtosis,voltage skewness,CC Q,CC charge time,voltage slope,voltage entropy,' +
  'current mean,current std,current kurtosis,current skewness,CV Q,CV charge time,current slope,current entropy,capacity';

/** SYNTHETIC rows in the PINN4SOH layout: 16 made-up features, then the capacity. */
function featureCsv(capacities: readonly (number | string)[], header = HEADER): string {
  const features = Array.from({ length: 16 }, (_, k) => (0.1 * (k + 1)).toFixed(3)).join(',');
  return [header, ...capacities.map((q) => `${features},${q}`)].join('\n') + '\n';
}

let scratch: ScratchDirectory;
beforeAll(async () => {
  scratch = await createScratchDirectory('hust');
});
afterAll(() => scratch.remove());

const write = (relative: string, text: string) => scratch.write(relative, text);

const cells = collectCells;

describe('hust and tju plugins', () => {
  it('reads a HUST file: row r = cycle r, capacity in Ah, no Q(V)', async () => {
    const file = await write('HUST/1-1.csv', featureCsv([1.17, 1.16, 1.15, 0.87]));
    expect(await hustDatasetPlugin.detect(join(scratch.path, 'HUST'))).toBe(true);
    expect(await tjuDatasetPlugin.detect(join(scratch.path, 'HUST'))).toBe(false);
    const [cell] = await cells(hustDatasetPlugin, file);
    expect(cell).toMatchObject({
      cellId: 'HUST_1-1',
      source: 'hust',
      nominalCapacityInAh: 1.1,
      cathodeMaterial: 'LFP',
    });
    expect(cell!.cycles).toEqual([
      { cycleNumber: 1, dischargeCapacityInAh: 1.17 },
      { cycleNumber: 2, dischargeCapacityInAh: 1.16 },
      { cycleNumber: 3, dischargeCapacityInAh: 1.15 },
      { cycleNumber: 4, dischargeCapacityInAh: 0.87 },
    ]);
    expect(cell!.description).toMatch(/no capacity matrix can be built/);
  });

  it('reads TJU files with chemistry and temperature from the path, and reports progress', async () => {
    await write('TJU/Dataset_1_NCA_battery/CY25-025_1-#1.csv', featureCsv([3.2, 3.1]));
    await write('TJU/Dataset_3_NCM+NCA_battery/CY35-05_1-#2.csv', featureCsv([2.4]));
    expect(await tjuDatasetPlugin.detect(join(scratch.path, 'TJU'))).toBe(true);
    expect(await hustDatasetPlugin.detect(join(scratch.path, 'TJU'))).toBe(false);
    const progress: number[] = [];
    const found: Cell[] = [];
    for await (const record of tjuDatasetPlugin.load(join(scratch.path, 'TJU'), {
      onProgress: (p) => progress.push(p.done),
    })) {
      if (record.kind === 'cell') found.push(record.cell);
    }
    expect(found.map((c) => [c.cellId, c.nominalCapacityInAh, c.cathodeMaterial, c.temperatureInC])).toEqual([
      ['TJU_NCA_CY25-025_1-#1', 3.5, 'NCA', 25],
      ['TJU_NCM+NCA_CY35-05_1-#2', 2.5, 'NCM+NCA', 35],
    ]);
    expect(progress).toEqual([1, 2]);
  });

  it('does not claim other CSVs with the same header but another name, nor missing paths', async () => {
    await write('MATR/2017-05-12_battery-1.csv', featureCsv([1.07]));
    expect(await hustDatasetPlugin.detect(join(scratch.path, 'MATR'))).toBe(false);
    expect(await hustDatasetPlugin.detect(join(scratch.path, 'nowhere'))).toBe(false);
    await expect(cells(hustDatasetPlugin, join(scratch.path, 'MATR'))).rejects.toThrow(
      /no HUST cell files here/,
    );
  });
});

describe('bad input', () => {
  async function loadError(name: string, text: string): Promise<DatasetError> {
    const file = await write(`bad/${name}.csv`, text);
    const error = await cells(hustDatasetPlugin, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }

  it('names file and line of a truncated last row', async () => {
    const text = featureCsv([1.1, 1.09, 1.08]);
    const error = await loadError('10-1', text.slice(0, text.length - 40));
    expect(error.message).toMatch(/10-1\.csv, line 4: row has \d+ fields, expected 17 \(truncated row\?\)/);
  });

  it('refuses a wrong header before reading rows', async () => {
    const error = await loadError('10-2', featureCsv([1.1], HEADER.replace('capacity', 'capacity (mAh)')));
    expect(error.message).toMatch(/10-2\.csv, line 1: not a PINN4SOH feature header: .*capacity/);
  });

  it('names line and column of a NaN or an implausible capacity', async () => {
    expect((await loadError('10-3', featureCsv([1.1, 'NaN']))).message).toMatch(
      /10-3\.csv, line 3, field "capacity": "NaN" is not a number/,
    );
    expect((await loadError('10-4', featureCsv([1.1, 1100]))).message).toMatch(
      /10-4\.csv, line 3, field "capacity": capacity 1100 is outside 0 \.\. 100 Ah/,
    );
  });

  it('refuses an empty file and a header without rows', async () => {
    expect((await loadError('10-5', '')).message).toMatch(/10-5\.csv: file is empty/);
    expect((await loadError('10-6', `${HEADER}\n`)).message).toMatch(/no data rows after the header/);
  });
});

describe('hust and tju plugins on the SYNTHETIC bad-input corpus', () => {
  const formats = [
    { plugin: hustDatasetPlugin, fileName: '1-1.csv' },
    { plugin: tjuDatasetPlugin, fileName: 'Dataset_1_NCA_battery/CY25-025_1-#1.csv' },
  ];
  for (const { plugin, fileName } of formats) {
    const format = {
      text: featureCsv([1.17, 1.16, 1.15, 1.14, 1.13]),
      fileName,
      numericColumn: 'capacity',
      requiredColumn: 'CC Q',
    };
    for (const badCase of badInputCases(format)) {
      it(`${plugin.id} refuses ${badCase.name} with a DatasetError naming the file`, async () => {
        const { path, expected } = await writeBadInput(join(scratch.path, plugin.id), badCase, format);
        const error = await loadFailure(plugin, path);
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).location).toMatchObject(expected);
      });
    }
  }
});
