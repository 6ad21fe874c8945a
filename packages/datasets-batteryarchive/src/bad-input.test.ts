import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '@diffbatt/core';
import {
  type BadInputFormat,
  badInputCases,
  createScratchDirectory,
  loadFailure,
  type ScratchDirectory,
  writeBadInput,
} from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batteryArchiveDatasetPlugin } from './plugin.js';

/** The SYNTHETIC bad-input corpus (core's testing module), made from the committed SYNTHETIC fixture. */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const CELL = 'SYNTHETIC_18650_LFP_25C_0-100_1-1C_a';
const formats: Record<string, BadInputFormat> = {
  timeseries: {
    text: readFileSync(join(fixtures, `${CELL}_timeseries.csv`), 'utf8'),
    fileName: `${CELL}_timeseries.csv`,
    numericColumn: 'Voltage (V)',
    requiredColumn: 'Current (A)',
  },
  cycle_data: {
    text: readFileSync(join(fixtures, `${CELL}_cycle_data.csv`), 'utf8'),
    fileName: `${CELL}_cycle_data.csv`,
    numericColumn: 'Discharge_Capacity (Ah)',
    requiredColumn: 'Charge_Capacity (Ah)',
  },
};

let scratch: ScratchDirectory;
beforeAll(async () => {
  scratch = await createScratchDirectory('batteryarchive-bad-input');
});
afterAll(() => scratch.remove());

for (const [kind, format] of Object.entries(formats)) {
  describe(`batteryarchive plugin on the bad-input corpus: ${kind}`, () => {
    for (const badCase of badInputCases(format)) {
      it(`refuses ${badCase.name} with a DatasetError naming the file`, async () => {
        const { folder, expected } = await writeBadInput(join(scratch.path, kind), badCase, format);
        const error = await loadFailure(batteryArchiveDatasetPlugin, folder);
        expect(error).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).location).toMatchObject(expected);
      });
    }
  });
}
