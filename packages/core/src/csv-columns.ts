import { DatasetError } from './errors.js';

/**
 * What the whole-file CSV reader (`readCsv`) and the streaming one (`streamCsv`) share: strict numbers,
 * the header and its column lookups, and the errors both give for the same faults, worded alike.
 */

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Parses one cell strictly: finite decimal or exponent notation only; empty, NaN, Inf, hex, garbage and
 * values beyond a double's range (`1e999`, which `Number` turns into Infinity) throw.
 */
export function parseCsvNumber(text: string, file: string, line: number, field: string): number {
  const shown = () =>
    text.trim() === '' ? 'empty cell' : `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
  if (!NUMBER.test(text)) throw new DatasetError(`${shown()} is not a number`, { file, line, field });
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new DatasetError(`${shown()} is beyond the range of a double`, { file, line, field });
  }
  return value;
}

/** The header of a CSV file: column names and lookups that name the file when a column is absent. */
export class CsvColumns {
  /** Column names (for headerless files: "column 1", "column 2", ...). */
  readonly columns: readonly string[];
  readonly file: string;

  constructor(file: string, columns: readonly string[]) {
    this.file = file;
    this.columns = columns;
  }

  /** Index of a column by name or by 0-based index; throws naming the file when absent or ambiguous. */
  columnIndex(column: string | number): number {
    if (typeof column === 'number') {
      if (!Number.isInteger(column) || column < 0 || column >= this.columns.length) {
        throw new DatasetError(`no column ${column + 1} (file has ${this.columns.length})`, {
          file: this.file,
        });
      }
      return column;
    }
    const index = this.columns.indexOf(column);
    if (index < 0) throw new DatasetError('missing column', { file: this.file, line: 1, field: column });
    if (this.columns.indexOf(column, index + 1) >= 0) {
      throw new DatasetError('column name appears more than once', {
        file: this.file,
        line: 1,
        field: column,
      });
    }
    return index;
  }

  hasColumn(name: string): boolean {
    return this.columns.includes(name);
  }

  /** Field `column` (0-based) of a row that starts on `line`, as a strict number. */
  numberAt(fields: readonly string[], line: number, column: number): number {
    return parseCsvNumber(fields[column]!, this.file, line, this.columns[column]!);
  }

  /** Throws when any of `required` is absent, listing all missing names with the header found. */
  require(required: readonly string[] | undefined): void {
    const missing = (required ?? []).filter((name) => !this.columns.includes(name));
    if (missing.length > 0) {
      throw new DatasetError(
        `header lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (found: ${this.columns.join(', ')})`,
        { file: this.file, line: 1 },
      );
    }
  }
}

/** A data row whose number of fields differs from the header's. */
export function fieldCountError(file: string, line: number, found: number, expected: number): DatasetError {
  return new DatasetError(
    `row has ${found} field${found === 1 ? '' : 's'}, expected ${expected}` +
      (found < expected ? ' (truncated row?)' : ''),
    { file, line },
  );
}

/** A NUL byte: no CSV text holds one, binary files (and zero-filled partial downloads) do. */
export function binaryDataError(file: string, line: number): DatasetError {
  return new DatasetError('NUL byte: binary data, not a CSV text file', { file, line });
}
