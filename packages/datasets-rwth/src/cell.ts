import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CELL_SCHEMA_VERSION, type Cell, type Cycle, DatasetError } from '@diffbatt/core';
import { readMatFile, toPlain, validatePlain } from '@diffbatt/matfile';
import { type } from 'arktype';
import type { RwthCellMetadata } from './metadata.js';

export const RWTH_REFERENCE =
  'Li et al. (2021), ISEA, RWTH Aachen University: Sanyo/Panasonic UR18650E ageing data, doi:10.18154/RWTH-2021-04545 ' +
  '(processed data from github.com/isea-rwth-aachen/battery-degradation-trajectory-prediction)';

/** The fields of a test's `lean_data.mat` this plugin reads; the rest (Digatron summaries) is ignored. */
const leanDataSchema = type({
  DigaProgrammName: 'string',
  'StartDate?': 'number.safe',
  /** Cycling tests: the number of (partial-depth) cycles run. */
  'subcycles?': 'number.integer >= 0',
  /** Ah discharged during the test. */
  'AhEla?': 'number.safe >= 0',
  /** Check-ups: discharge capacity of the capacity test, Ah. */
  'CapDCH1?': 'number.safe > 0',
});
type LeanData = typeof leanDataSchema.infer;

export interface RwthTest {
  folder: string;
  data: LeanData;
}

/** The test folders of a cell (TS010368, TS010403EIS00001, ...) in name order, which is chronological. */
export async function testFolders(cellFolder: string): Promise<string[]> {
  const entries = await readdir(cellFolder, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(cellFolder, name));
}

export async function readTest(folder: string): Promise<RwthTest> {
  const path = join(folder, 'lean_data.mat');
  const file = await readMatFile(path);
  const plain = Object.fromEntries([...file.variables].map(([name, value]) => [name, toPlain(value)]));
  const data = validatePlain(leanDataSchema, plain, { file: path });
  if (data.subcycles !== undefined && data.CapDCH1 !== undefined) {
    throw new DatasetError(
      'holds both subcycles (cycling) and CapDCH1 (check-up); cannot tell which test it is',
      {
        file: path,
      },
    );
  }
  if (data.subcycles !== undefined && data.AhEla === undefined) {
    throw new DatasetError('cycling test (subcycles present) without AhEla, so no equivalent cycles', {
      file: path,
      field: 'AhEla',
    });
  }
  return { folder, data };
}

/**
 * Capacity per check-up against cycles: the cycle number of a check-up is the sum of `subcycles` of the
 * cycling tests before it, its equivalent full cycles the Ah they discharged (`AhEla`) over the nominal
 * capacity. Check-up Ah and tests of other kinds (EIS, pulse, charge) are not counted. A check-up
 * repeated with no cycling in between keeps the first result; the description names the dropped one.
 */
export function rwthCellFromTests(
  cellFolder: string,
  tests: readonly RwthTest[],
  metadata: RwthCellMetadata,
): Cell {
  const nominal = metadata.manufacturerCapacityInAh;
  const cycles: Cycle[] = [];
  const notes: string[] = [];
  let cycleCount = 0;
  let dischargedAh = 0;
  let previous: RwthTest | undefined;
  for (const test of tests) {
    const { data } = test;
    if (data.StartDate !== undefined && previous?.data.StartDate !== undefined) {
      if (data.StartDate < previous.data.StartDate) {
        throw new DatasetError(
          `starts before ${previous.folder}, which precedes it by name; the test order is unclear`,
          { file: join(test.folder, 'lean_data.mat'), field: 'StartDate' },
        );
      }
    }
    if (data.StartDate !== undefined) previous = test;
    if (data.subcycles !== undefined) {
      cycleCount += data.subcycles;
      dischargedAh += data.AhEla!;
    } else if (data.CapDCH1 !== undefined) {
      const last = cycles.at(-1);
      if (last && last.cycleNumber === cycleCount) {
        notes.push(
          `check-up ${test.folder.replace(/^.*[\\/]/, '')} (${data.CapDCH1.toFixed(4)} Ah) repeats the one at ` +
            `cycle ${cycleCount} with no cycling in between and is left out`,
        );
        continue;
      }
      cycles.push({
        cycleNumber: cycleCount,
        equivalentCycles: dischargedAh / nominal,
        dischargeCapacityInAh: data.CapDCH1,
      });
    }
  }
  if (cycles.length === 0) {
    throw new DatasetError('no check-up (lean_data.mat with CapDCH1) in any test folder', {
      file: cellFolder,
    });
  }
  const cell: Cell = {
    schemaVersion: CELL_SCHEMA_VERSION,
    cellId: metadata.cellName,
    source: 'rwth',
    nominalCapacityInAh: nominal,
    reference: RWTH_REFERENCE,
    description: describe(metadata, cycles.length, notes),
    cycles,
  };
  if (metadata.cellFormat !== undefined) {
    cell.formFactor = metadata.cellFormat === '18650' ? 'cylindrical_18650' : metadata.cellFormat;
  }
  if (metadata.cathode !== undefined) cell.cathodeMaterial = metadata.cathode;
  if (metadata.cycleTemperatureInC !== undefined) cell.temperatureInC = metadata.cycleTemperatureInC;
  return cell;
}

function describe(metadata: RwthCellMetadata, checkUps: number, notes: string[]): string {
  const conditions = [
    metadata.deltaDod === undefined
      ? undefined
      : `depth of discharge ${(100 * metadata.deltaDod).toFixed(1)} %`,
    metadata.meanCycleVoltageInV === undefined
      ? undefined
      : `mean voltage ${metadata.meanCycleVoltageInV.toFixed(2)} V`,
    metadata.chargeCRate === undefined ? undefined : `charge ${metadata.chargeCRate.toFixed(2)}C`,
  ].filter((part) => part !== undefined);
  return (
    `RWTH ISEA cell ${metadata.cellName}: ${checkUps} check-ups. Cycle number = sum of partial cycles ` +
    `(subcycles) before each check-up; equivalentCycles = Ah discharged in cycling / ${metadata.manufacturerCapacityInAh} Ah. ` +
    `Reference capacity ${metadata.referenceCapacityInAh.toFixed(4)} Ah.` +
    (conditions.length > 0 ? ` Cycling: ${conditions.join(', ')}.` : '') +
    (notes.length > 0 ? ` Notes: ${notes.join('; ')}.` : '')
  );
}
