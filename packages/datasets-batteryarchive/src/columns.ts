import { type CsvColumns, DatasetError } from '@diffbatt/core';
import { type ArkErrors, type } from 'arktype';

/**
 * BatteryArchive's download columns (units are part of the names). Checked with arktype on the header,
 * as a map from column name to position, before any row is read: a file with `Current (mA)` is refused.
 */
export const cycleDataHeader = type({
  Cycle_Index: 'number',
  'Charge_Capacity (Ah)': 'number',
  'Discharge_Capacity (Ah)': 'number',
});

export const timeseriesHeader = type({
  'Test_Time (s)': 'number',
  Cycle_Index: 'number',
  'Current (A)': 'number',
  'Voltage (V)': 'number',
  'Charge_Capacity (Ah)': 'number',
  'Discharge_Capacity (Ah)': 'number',
  /** Optional: often blank in real downloads; kept only when every row has a value. */
  'Cell_Temperature (C)?': 'number',
});

/** Validates `header` against `schema` and returns the position of each named column. */
export function columnPositions<T extends Record<string, number>>(
  header: CsvColumns,
  schema: (input: unknown) => T | ArkErrors,
  kind: string,
): T {
  const positions = schema(Object.fromEntries(header.columns.map((name, index) => [name, index])));
  if (positions instanceof type.errors) {
    throw new DatasetError(
      `not a BatteryArchive ${kind} header: ${positions.summary} (found: ${header.columns.join(', ')})`,
      { file: header.file, line: 1 },
    );
  }
  return positions;
}

/** A Cycle_Index field: an integer >= 0, else an error naming line and column. */
export function cycleIndexAt(
  header: CsvColumns,
  fields: readonly string[],
  line: number,
  column: number,
): number {
  const value = header.numberAt(fields, line, column);
  if (!Number.isInteger(value) || value < 0) {
    throw new DatasetError(`cycle index ${value} is not an integer >= 0`, {
      file: header.file,
      line,
      field: 'Cycle_Index',
    });
  }
  return value;
}
