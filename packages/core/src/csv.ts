import { readFile } from 'node:fs/promises';
import { binaryDataError, CsvColumns, fieldCountError, parseCsvNumber } from './csv-columns.js';
import { DatasetError } from './errors.js';
import { fileReadError, inputFileSize } from './input-file.js';

/**
 * A strict whole-file CSV reader for dataset plugins whose files are small (summary tables, Qdlin
 * matrices, metadata) and need random access to columns; large cycler exports go through `streamCsv`.
 * RFC 4180 quoting, BOM and CRLF tolerant. Every error is a DatasetError naming the file, the 1-based
 * line and the column, so a user can open the file at the spot.
 */
export interface CsvOptions {
  /** Name used in error messages (usually the path). */
  file: string;
  /** 'first-line' (default): line 1 holds column names. 'none': headerless numeric tables (Severson Qdlin). */
  header?: 'first-line' | 'none';
  /** Columns that must be present (header files only); missing ones are listed in one error. */
  requiredColumns?: readonly string[];
  /** Accept a file with a header (or nothing) and no data rows; default false: that is an error. */
  allowNoRows?: boolean;
}

/** How `numberColumn` treats empty cells. */
export type BlankCells =
  /** An empty cell is an error naming its line (the default: never a silent 0). */
  | 'error'
  /** Empty cells may only pad the end of the column (CLO files pad shorter columns); the prefix is returned. */
  | 'trailing'
  /** Empty cells become NaN; the caller decides what a gap means. */
  | 'nan';

/** A whole CSV file in memory: its header (`CsvColumns`) and its rows as text, parsed on demand. */
export class CsvTable extends CsvColumns {
  private readonly rows: string[][];
  private readonly lines: number[];

  /** @internal use `parseCsv` or `readCsv`. */
  constructor(file: string, columns: string[], rows: string[][], lines: number[]) {
    super(file, columns);
    this.rows = rows;
    this.lines = lines;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** 1-based line in the file where data row `row` (0-based) starts. */
  lineOf(row: number): number {
    return this.lines[row]!;
  }

  /** Raw text of one cell. */
  text(row: number, column: string | number): string {
    return this.rows[row]![this.columnIndex(column)]!;
  }

  /** One cell as a strict number. */
  number(row: number, column: string | number): number {
    return this.numberAt(this.rows[row]!, this.lines[row]!, this.columnIndex(column));
  }

  /** A whole column as float64 numbers, strictly parsed; see BlankCells for empty cells. */
  numberColumn(column: string | number, blanks: BlankCells = 'error'): Float64Array {
    const index = this.columnIndex(column);
    const name = this.columns[index]!;
    const values = new Float64Array(this.rows.length);
    let length = this.rows.length;
    for (let row = 0; row < this.rows.length; row++) {
      const cell = this.rows[row]![index]!;
      if (blanks !== 'error' && cell.trim() === '') {
        if (blanks === 'nan') {
          values[row] = Number.NaN;
          continue;
        }
        length = Math.min(length, row);
        continue;
      }
      if (row > length) {
        throw new DatasetError(`value after blank padding that started on line ${this.lines[length]}`, {
          file: this.file,
          line: this.lines[row]!,
          field: name,
        });
      }
      values[row] = parseCsvNumber(cell, this.file, this.lines[row]!, name);
    }
    return length === values.length ? values : values.slice(0, length);
  }

  /** Every cell as a number, row-major (for numeric tables such as Severson Qdlin); no blanks allowed. */
  numberMatrix(): { values: Float64Array; rows: number; columns: number } {
    const width = this.columns.length;
    const values = new Float64Array(this.rows.length * width);
    for (let row = 0; row < this.rows.length; row++) {
      const cells = this.rows[row]!;
      for (let column = 0; column < width; column++) {
        values[row * width + column] = parseCsvNumber(
          cells[column]!,
          this.file,
          this.lines[row]!,
          this.columns[column]!,
        );
      }
    }
    return { values, rows: this.rows.length, columns: width };
  }
}

/** Largest file `readCsv` holds in memory (as text, then as strings per cell: several times its size). */
const MAX_WHOLE_FILE_BYTES = 256 * 2 ** 20;

/** Reads and parses a CSV file; a missing, unreadable or oversized file is a DatasetError naming it. */
export async function readCsv(path: string, options: Omit<CsvOptions, 'file'> = {}): Promise<CsvTable> {
  const size = await inputFileSize(path);
  if (size > MAX_WHOLE_FILE_BYTES) {
    throw new DatasetError(
      `${(size / 2 ** 20).toFixed(0)} MiB: files of this kind are small and read whole (at most ${MAX_WHOLE_FILE_BYTES / 2 ** 20} MiB); is it the right file?`,
      { file: path },
    );
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileReadError(error, path);
  }
  return parseCsv(text, { ...options, file: path });
}

/** Parses CSV text; all rows must have the header's (or, headerless, the first row's) number of fields. */
export function parseCsv(text: string, options: CsvOptions): CsvTable {
  const { file } = options;
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw binaryDataError(file, lineAt(text, nul));
  const records = splitRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  if (records.fields.length === 0) throw new DatasetError('file is empty', { file });
  const headed = (options.header ?? 'first-line') === 'first-line';
  const columns = headed
    ? records.fields[0]!.map((name) => name.trim())
    : records.fields[0]!.map((_, index) => `column ${index + 1}`);
  const rows = headed ? records.fields.slice(1) : records.fields;
  const lines = headed ? records.lines.slice(1) : records.lines;
  if (headed) new CsvColumns(file, columns).require(options.requiredColumns);
  if (rows.length === 0 && !options.allowNoRows) {
    throw new DatasetError('no data rows after the header', { file, line: 1 });
  }
  for (let row = 0; row < rows.length; row++) {
    if (rows[row]!.length !== columns.length) {
      throw fieldCountError(file, lines[row]!, rows[row]!.length, columns.length);
    }
  }
  return new CsvTable(file, columns, rows, lines);
}

/** 1-based line of character `index`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** Splits text into records of fields; fast path for lines without quotes. Trailing empty lines are dropped. */
function splitRecords(text: string, file: string): { fields: string[][]; lines: number[] } {
  const fields: string[][] = [];
  const lines: number[] = [];
  let position = 0;
  let line = 1;
  while (position < text.length) {
    let end = text.indexOf('\n', position);
    if (end < 0) end = text.length;
    const raw = text.slice(position, end > position && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (raw.includes('"')) {
      const quoted = splitQuotedRecord(text, position, file, line);
      fields.push(quoted.fields);
      lines.push(line);
      line += quoted.newlines + 1;
      position = quoted.next;
      continue;
    }
    fields.push(raw.split(','));
    lines.push(line);
    line++;
    position = end + 1;
  }
  // Drop trailing empty lines (a final newline, or a few blank lines at the end of an export).
  while (
    fields.length > 0 &&
    fields[fields.length - 1]!.length === 1 &&
    fields[fields.length - 1]![0] === ''
  ) {
    fields.pop();
    lines.pop();
  }
  return { fields, lines };
}

/** Parses one record that contains quotes (RFC 4180: "" escapes a quote, quoted fields may span lines). */
function splitQuotedRecord(
  text: string,
  start: number,
  file: string,
  line: number,
): { fields: string[]; next: number; newlines: number } {
  const fields: string[] = [];
  let field = '';
  let position = start;
  let newlines = 0;
  let quoted = false;
  let wasQuoted = false;
  while (position < text.length) {
    const char = text[position]!;
    if (quoted) {
      if (char === '"') {
        if (text[position + 1] === '"') {
          field += '"';
          position += 2;
          continue;
        }
        quoted = false;
      } else {
        if (char === '\n') newlines++;
        field += char;
      }
      position++;
      continue;
    }
    if (char === '"') {
      if (field.trim() !== '' || wasQuoted) {
        throw new DatasetError('quote inside an unquoted field', { file, line: line + newlines });
      }
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (char === ',') {
      fields.push(field);
      field = '';
      wasQuoted = false;
    } else if (char === '\n' || (char === '\r' && text[position + 1] === '\n')) {
      break;
    } else if (!(wasQuoted && (char === ' ' || char === '\t'))) {
      if (wasQuoted) throw new DatasetError('text after a closing quote', { file, line: line + newlines });
      field += char;
    }
    position++;
  }
  if (quoted) throw new DatasetError('unterminated quoted field (truncated file?)', { file, line });
  fields.push(field);
  if (text[position] === '\r') position++;
  return { fields, next: position + 1, newlines };
}
