import { join } from 'node:path';
import { type Cell, DatasetError, endOfLifeCycle, readCsv } from '@diffbatt/core';
import { type } from 'arktype';
import { CLO_CELL, chargePolicy } from './metadata.js';

/** `final_results.csv`: the validation policies (C-rates of the first three steps) and five observed lives. */
const finalResultsHeader = type(['"C1"', '"C2"', '"C3"', '"R1"', '"R2"', '"R3"', '"R4"', '"R5"']);
const REPLICATES = 5;

/**
 * Capacity below which a CLO cell has reached end of life: 80 % of 1.1 Ah, written as the decimal 0.88.
 * `0.8 * 1.1` is 0.8800000000000001 in binary floating point, which would count a cycle of exactly
 * 0.88 Ah (Qn.csv row 30, cycle 777) as below it and miss the published life by one.
 */
const END_OF_LIFE_IN_AH = 0.88;

interface Policy {
  rates: [number, number, number];
  lives: number[];
}

async function readPolicies(file: string): Promise<Policy[]> {
  const table = await readCsv(file);
  const header = finalResultsHeader(table.columns);
  if (header instanceof type.errors) {
    throw new DatasetError(`not a CLO final_results header: ${header.summary}`, { file, line: 1 });
  }
  const policies: Policy[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const lives = [1, 2, 3, 4, 5].map((r) => table.number(row, `R${r}`));
    const bad = lives.findIndex((life) => !Number.isInteger(life) || life <= 0);
    if (bad >= 0) {
      throw new DatasetError(`cycle life ${lives[bad]} is not a positive integer`, {
        file,
        line: table.lineOf(row),
        field: `R${bad + 1}`,
      });
    }
    policies.push({
      rates: [table.number(row, 'C1'), table.number(row, 'C2'), table.number(row, 'C3')],
      lives,
    });
  }
  return policies;
}

/**
 * The 45 validation cells of Attia et al. fig. 4: `Qn.csv` (no header) holds one row per cell with the
 * discharge capacity of cycles 1..1176, zero-padded after the end of test; row r is policy floor(r/5) of
 * `final_results.csv` (beside it), replicate r mod 5, whose observed life becomes `publishedCycleLife`.
 * When the first cycle below 0.88 Ah differs from that life (rows 8 and 17 dip below once, early), the
 * cell's description says so; the data are kept as they are.
 */
export async function readFig4Cells(folder: string): Promise<Cell[]> {
  const qnFile = join(folder, 'Qn.csv');
  const policies = await readPolicies(join(folder, 'final_results.csv'));
  const table = await readCsv(qnFile, { header: 'none' });
  if (table.rowCount !== policies.length * REPLICATES) {
    throw new DatasetError(
      `${table.rowCount} rows, expected ${policies.length * REPLICATES} (${REPLICATES} per policy of final_results.csv)`,
      { file: qnFile },
    );
  }
  const { values, columns } = table.numberMatrix();
  return Array.from({ length: table.rowCount }, (_, row) => {
    const policy = policies[Math.floor(row / REPLICATES)]!;
    const replicate = row % REPLICATES;
    const capacities = values.subarray(row * columns, (row + 1) * columns);
    let length = columns;
    while (length > 0 && capacities[length - 1] === 0) length--;
    const where = { file: qnFile, line: table.lineOf(row) };
    if (length === 0) throw new DatasetError('row holds only zero padding', where);
    const bad = capacities.subarray(0, length).findIndex((q) => !(q > 0));
    if (bad >= 0) {
      throw new DatasetError(`capacity ${capacities[bad]} inside the data (padding zeros only at the end)`, {
        ...where,
        field: `column ${bad + 1}`,
      });
    }
    const cycles = Array.from(capacities.subarray(0, length), (dischargeCapacityInAh, i) => ({
      cycleNumber: i + 1,
      dischargeCapacityInAh,
    }));
    const publishedCycleLife = policy.lives[replicate]!;
    const dataLife = endOfLifeCycle(cycles, END_OF_LIFE_IN_AH);
    const notes = [`Qn.csv row ${row} = policy ${policy.rates.join('-')}C, replicate ${replicate + 1}`];
    if (dataLife !== publishedCycleLife) {
      notes.push(
        `first cycle below ${END_OF_LIFE_IN_AH.toFixed(2)} Ah is ${dataLife ?? 'never reached'} but ` +
          `final_results.csv gives ${publishedCycleLife}` +
          (dataLife !== null && dataLife < publishedCycleLife ? ' (an early dip that recovers)' : ''),
      );
    }
    return {
      ...CLO_CELL,
      cellId: `CLO_${policy.rates.join('-')}_${replicate + 1}`,
      chargeProtocol: chargePolicy(...policy.rates),
      publishedCycleLife,
      description: notes.join('; '),
      cycles,
    };
  });
}
