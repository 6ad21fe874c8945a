import { basename } from 'node:path';
import { type Cell, type CsvTable, DatasetError, readCsv } from '@diffbatt/core';
import { type } from 'arktype';
import { CLO_CELL, qdlinVoltageGrid } from './metadata.js';

/** Per-cell files of the CLO SI (`EL<barcode>.csv`): capacity per cycle and Qdlin of cycles 100 and 10. */
export const cellFileHeader = type(['"Qvsn"', '"Q(V)_100"', '"Q(V)_10"']);
export const CELL_FILE = /^EL\d+\.csv$/;
const QDLIN_POINTS = 1000;

function qdlin(table: CsvTable, column: string): number[] {
  const values = table.numberColumn(column, 'trailing');
  if (values.length !== QDLIN_POINTS) {
    throw new DatasetError(`${values.length} Q(V) points, expected ${QDLIN_POINTS}`, {
      file: table.file,
      field: column,
    });
  }
  return Array.from(values);
}

/**
 * One validation cell: `Qvsn` = discharge capacity of cycles 1..n (blank-padded), `Q(V)_100`/`Q(V)_10`
 * = Severson-style Qdlin of cycles 100 and 10 on 3.6 -> 2.0 V (the grid is not stored in the file; it is
 * assumed to be the 1000-point linspace of Severson's code).
 */
export async function readCellFile(file: string): Promise<Cell> {
  const table = await readCsv(file);
  const header = cellFileHeader(table.columns);
  if (header instanceof type.errors) {
    throw new DatasetError(`not a CLO cell file header: ${header.summary}`, { file, line: 1 });
  }
  const capacities = table.numberColumn('Qvsn', 'trailing');
  const bad = capacities.findIndex((q) => !(q > 0));
  if (bad >= 0) {
    throw new DatasetError(`capacity ${capacities[bad]} is not positive`, {
      file,
      line: table.lineOf(bad),
      field: 'Qvsn',
    });
  }
  const voltageInV = qdlinVoltageGrid(QDLIN_POINTS);
  const curves = new Map([
    [10, qdlin(table, 'Q(V)_10')],
    [100, qdlin(table, 'Q(V)_100')],
  ]);
  const cycles = Array.from(capacities, (dischargeCapacityInAh, i) => {
    const curve = curves.get(i + 1);
    return {
      cycleNumber: i + 1,
      dischargeCapacityInAh,
      ...(curve ? { dischargeCurve: { voltageInV, dischargeCapacityInAh: curve } } : {}),
    };
  });
  return {
    ...CLO_CELL,
    cellId: basename(file, '.csv'),
    description:
      'CLO validation cell (SI file): capacity for every cycle, Q(V) only for cycles 10 and 100, so no ' +
      '100-row capacity matrix can be built; charging policy not stated in the file',
    cycles,
  };
}
