import { createReadStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { binaryDataError, CsvColumns, fieldCountError } from './csv-columns.js';
import { DatasetError } from './errors.js';
import { fileReadError, inputFileSize } from './input-file.js';
import type { LoadProgress } from './plugin.js';

export interface CsvStreamOptions {
  /** Columns that must be present; missing ones are listed in one error (line 1). */
  requiredColumns?: readonly string[];
  /** Accept a header without data rows; default false: that is an error. */
  allowNoRows?: boolean;
  /** Bytes read of the file's size, after each chunk of about 1 MiB. */
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

/** Receives each data row: its fields as text and the 1-based line it starts on. */
export type CsvRowHandler = (fields: readonly string[], line: number) => void;

export interface CsvStreamSummary {
  /** Data rows handed to the row handler. */
  rows: number;
  bytes: number;
}

/** Bytes per read: large enough that per-chunk work vanishes, small enough to bound memory. */
const CHUNK_BYTES = 2 ** 20;

/**
 * Longest record accepted. Cycler export rows are well under 1 KB; a longer "record" is a binary file or
 * a wrong delimiter, and without a limit the parser would buffer all of it.
 */
const MAX_RECORD_BYTES = 2 ** 20;

/**
 * Streams a CSV file (csv-parse over a file stream) without holding its text: memory stays at a few
 * chunks whatever the file's size. `start` receives the header, checked for `requiredColumns`, and returns
 * the handler of the data rows; whatever the handler keeps is the caller's memory. Same rules and
 * messages as `readCsv`: BOM and CRLF tolerated, trailing empty lines dropped, every row must have the
 * header's number of fields. Every fault (missing file, directory, empty file, header without rows,
 * truncated row, broken quoting, a NUL byte, a handler's own DatasetError) rejects with a DatasetError
 * naming the file and, where there is one, the line; the promise always settles.
 */
export async function streamCsv(
  path: string,
  options: CsvStreamOptions,
  start: (header: CsvColumns) => CsvRowHandler,
): Promise<CsvStreamSummary> {
  const size = await inputFileSize(path);
  let bytes = 0;
  let newlines = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        callback(binaryDataError(path, newlines + countNewlines(chunk, nul) + 1));
        return;
      }
      newlines += countNewlines(chunk, chunk.length);
      bytes += chunk.length;
      try {
        options.onProgress?.({ file: path, done: bytes, total: Math.max(size, bytes), unit: 'bytes' });
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });

  let header: CsvColumns | undefined;
  let onRow: CsvRowHandler | undefined;
  let rows = 0;
  const take = (fields: string[], line: number) => {
    if (!header) {
      header = new CsvColumns(
        path,
        fields.map((name) => name.trim()),
      );
      header.require(options.requiredColumns);
      onRow = start(header);
      return;
    }
    if (fields.length !== header.columns.length) {
      throw fieldCountError(path, line, fields.length, header.columns.length);
    }
    rows++;
    onRow!(fields, line);
  };
  let line = 1;
  // A run of empty lines not yet handed on: dropped at the end of the file, errors (or, in a one-column
  // file, empty cells) when a record follows, as readCsv treats them.
  let blankRun = 0;
  const rowsOut = new Writable({
    objectMode: true,
    write(fields: string[], _encoding, callback) {
      try {
        const at = line;
        line += 1 + newlinesIn(fields);
        if (fields.length === 1 && fields[0] === '') {
          blankRun++;
        } else {
          for (let blank = at - blankRun; blank < at; blank++) take([''], blank);
          blankRun = 0;
          take(fields, at);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });

  try {
    await pipeline(
      createReadStream(path, { highWaterMark: CHUNK_BYTES }),
      guard,
      parse({ bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES }),
      rowsOut,
      { signal: options.signal },
    );
  } catch (error) {
    throw streamError(error, path);
  }
  if (!header) throw new DatasetError('file is empty', { file: path });
  if (rows === 0 && !options.allowNoRows) {
    throw new DatasetError('no data rows after the header', { file: path, line: 1 });
  }
  return { rows, bytes };
}

/** Newlines among the first `end` bytes of `chunk`. */
function countNewlines(chunk: Buffer, end: number): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at >= 0 && at < end; at = chunk.indexOf(10, at + 1)) count++;
  return count;
}

/** Newlines inside the fields of a record (quoted fields may span lines). */
function newlinesIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}

/** The parser's and the file system's errors in the words `readCsv` uses; our own errors pass through. */
function streamError(error: unknown, file: string): unknown {
  if (error instanceof CsvError) {
    // csv-parse counts the line where it stopped; its own messages quote raw bytes, so they are not kept.
    const line = (error as CsvError & { lines?: number }).lines;
    const at = line === undefined ? { file } : { file, line };
    switch (error.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new DatasetError('quoted field not closed by the end of the file (truncated file?)', at);
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new DatasetError('text after a closing quote', at);
      case 'INVALID_OPENING_QUOTE':
        return new DatasetError('quote inside an unquoted field', at);
      case 'CSV_MAX_RECORD_SIZE':
        return new DatasetError(
          `record longer than ${MAX_RECORD_BYTES / 2 ** 20} MiB: not a CSV export (binary file, or another delimiter?)`,
          at,
        );
      default:
        return new DatasetError(`not valid CSV (${error.code})`, at);
    }
  }
  // A system call's refusal (EACCES, EIO, ...) is the user's file; anything else is a bug and keeps its stack.
  const system = error as NodeJS.ErrnoException;
  if (system?.syscall !== undefined) return fileReadError(error, file);
  return error;
}
