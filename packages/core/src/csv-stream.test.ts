import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from './csv.js';
import type { CsvColumns } from './csv-columns.js';
import { streamCsv } from './csv-stream.js';
import { DatasetError } from './errors.js';
import type { LoadProgress } from './plugin.js';
import { badInputCases, createScratchDirectory, type ScratchDirectory, writeBadInput } from './testing.js';

let scratch: ScratchDirectory;
beforeAll(async () => {
  scratch = await createScratchDirectory('csv-stream');
});
afterAll(() => scratch.remove());

/** Every data row of a file as [line, ...fields], with the header first. */
async function rowsOf(path: string, options: Parameters<typeof streamCsv>[1] = {}) {
  const rows: (string | number)[][] = [];
  let header: CsvColumns | undefined;
  const summary = await streamCsv(path, options, (found) => {
    header = found;
    return (fields, line) => rows.push([line, ...fields]);
  });
  return { header: header!.columns, rows, summary };
}

/** The DatasetError a stream of `path` rejects with. */
async function failure(path: string, options: Parameters<typeof streamCsv>[1] = {}): Promise<DatasetError> {
  const error = await streamCsv(path, options, () => () => {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('streamCsv', () => {
  it('hands on rows with the line they start on: BOM, CRLF, multi-line quotes, trailing blank lines', async () => {
    const path = await scratch.write('ok.csv', '\ufeffa, b\r\n1,2\r\n"x\r\ny",3\r\n4,"5"\r\n\r\n\r\n');
    const { header, rows, summary } = await rowsOf(path);
    expect(header).toEqual(['a', 'b']);
    expect(rows).toEqual([
      [2, '1', '2'],
      [3, 'x\r\ny', '3'],
      [5, '4', '5'],
    ]);
    expect(summary.rows).toBe(3);
  });

  it('keeps blank lines inside a one-column file as empty cells, as readCsv does', async () => {
    const path = await scratch.write('gap.csv', 'p\n1\n\n2\n\n');
    expect((await rowsOf(path)).rows).toEqual([
      [2, '1'],
      [3, ''],
      [4, '2'],
    ]);
  });

  it('reports progress in bytes up to the file size', async () => {
    const line = '1.000000,2.000000,3.000000\n';
    const text = `a,b,c\n${line.repeat(Math.ceil((3 * 2 ** 20) / line.length))}`;
    const path = await scratch.write('big.csv', text);
    const progress: LoadProgress[] = [];
    const { summary } = await rowsOf(path, { onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.every((p) => p.unit === 'bytes' && p.total === text.length && p.file === path)).toBe(
      true,
    );
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((x, y) => x - y));
    expect(progress.at(-1)!.done).toBe(text.length);
    expect(summary.bytes).toBe(text.length);
  });

  it('names the line of a NUL byte beyond the first chunk', async () => {
    const line = '1.000000,2.000000\n';
    const rows = Math.ceil((1.5 * 2 ** 20) / line.length);
    const path = await scratch.write('nul.csv', `a,b\n${line.repeat(rows)}3,\u0000\n`);
    expect((await failure(path)).location).toEqual({ file: path, line: rows + 2 });
  });

  it('refuses a missing file, a directory, an empty file and a header without rows', async () => {
    const missing = `${scratch.path}/missing.csv`;
    expect((await failure(missing)).message).toBe(`${missing}: file not found`);
    expect((await failure(scratch.path)).message).toBe(`${scratch.path}: is a directory, expected a file`);
    expect((await failure(await scratch.write('empty.csv', '\n\n'))).message).toMatch(
      /empty\.csv: file is empty/,
    );
    const headerOnly = await scratch.write('header.csv', 'a,b\n');
    expect((await failure(headerOnly)).message).toMatch(/header\.csv, line 1: no data rows after the header/);
    expect((await rowsOf(headerOnly, { allowNoRows: true })).rows).toEqual([]);
  });

  it('lists every missing required column with the header found', async () => {
    const path = await scratch.write('columns.csv', 'Cycle_Index,Voltag\n1,2\n');
    expect((await failure(path, { requiredColumns: ['Cycle_Index', 'Voltage', 'Current'] })).message).toMatch(
      /columns\.csv, line 1: header lacks columns "Voltage", "Current" \(found: Cycle_Index, Voltag\)/,
    );
  });

  it('names the line of a truncated row, broken quoting and an overlong record', async () => {
    const cases: [string, string, RegExp][] = [
      ['cut.csv', 'a,b,c\n1,2,3\n4,5', /cut\.csv, line 3: row has 2 fields, expected 3 \(truncated row\?\)/],
      ['long.csv', 'a,b\n1,2,3\n', /long\.csv, line 2: row has 3 fields, expected 2$/],
      [
        'open.csv',
        'a,b\n1,2\n"open,1\n',
        /open\.csv, line 3: quoted field not closed .*\(truncated file\?\)/,
      ],
      ['after.csv', 'a,b\n1,2\n"x"y,1\n', /after\.csv, line 3: text after a closing quote/],
      ['stray.csv', 'a,b\n1,2\nx"y,1\n', /stray\.csv, line 3: quote inside an unquoted field/],
      ['huge.csv', `a,b\n1,2\n${'9'.repeat(2 ** 20 + 10)}\n`, /huge\.csv, line 3: record longer than 1 MiB/],
    ];
    for (const [name, text, message] of cases) {
      expect((await failure(await scratch.write(name, text))).message).toMatch(message);
    }
  });

  it("settles with the row handler's own error, naming its line and field", async () => {
    const path = await scratch.write('nan.csv', 'a,b\n1,2\n3,NaN\n5,6\n');
    const error = await streamCsv(
      path,
      {},
      (header) => (fields, line) => header.numberAt(fields, line, 1),
    ).catch((e: unknown) => e);
    expect((error as DatasetError).message).toBe(`${path}, line 3, field "b": "NaN" is not a number`);
  });

  it('stops when aborted', async () => {
    const path = await scratch.write('abort.csv', 'a\n1\n');
    const error = await streamCsv(path, { signal: AbortSignal.abort() }, () => () => {}).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('AbortError');
  });

  it('never echoes control characters of a binary file', async () => {
    const path = await scratch.write('ctrl.csv', 'a\u001b[2J,b\n1,2\n');
    const message = (await failure(path, { requiredColumns: ['x'] })).message;
    expect(message).toContain('(found: a\\x1b[2J, b)');
    expect(message).not.toMatch(/\p{Cc}/u);
  });
});

describe('the SYNTHETIC bad-input corpus through both CSV readers', () => {
  const format = {
    text: 'Cycle_Index,Voltage,Current\n1,3.5,1.0\n1,3.4,-1.0\n2,3.5,1.0\n2,3.3,-1.0\n',
    fileName: 'synthetic.csv',
    numericColumn: 'Voltage',
    requiredColumn: 'Current',
  };
  const cases = badInputCases(format);
  /** What a plugin does with each reader: require the columns, parse the numeric one. */
  const readers = {
    streamCsv: (path: string) =>
      streamCsv(path, { requiredColumns: ['Cycle_Index', 'Voltage', 'Current'] }, (header) => {
        const voltage = header.columnIndex('Voltage');
        return (fields, line) => header.numberAt(fields, line, voltage);
      }),
    readCsv: async (path: string) =>
      (await readCsv(path, { requiredColumns: ['Cycle_Index', 'Voltage', 'Current'] })).numberColumn(
        'Voltage',
      ),
  };

  it('holds every kind of fault the corpus promises', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'empty file',
      'header only',
      'truncated at 0 % (inside line 1)',
      'truncated at 50 % (inside line 2)',
      'truncated at 75 % (inside line 4)',
      'truncated at 100 % (inside line 5)',
      'missing column "Current"',
      'renamed column "Current"',
      'NaN in "Voltage"',
      'Inf in "Voltage"',
      '-Infinity in "Voltage"',
      '1e999 in "Voltage"',
      'n/a in "Voltage"',
      'binary garbage',
      'binary garbage without NUL bytes',
      'zero-filled tail (a preallocated partial download)',
      'a directory where the file should be',
    ]);
  });

  for (const [reader, read] of Object.entries(readers)) {
    it(`${reader} refuses every case with a DatasetError naming file, line and field`, async () => {
      for (const badCase of cases) {
        const { path, expected } = await writeBadInput(join(scratch.path, reader), badCase, format);
        const error = await read(path).catch((e: unknown) => e);
        expect(error, badCase.name).toBeInstanceOf(DatasetError);
        expect((error as DatasetError).location, badCase.name).toMatchObject(expected);
        expect((error as DatasetError).message, badCase.name).not.toMatch(/\p{Cc}/u);
      }
    });
  }
});
