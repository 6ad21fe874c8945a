import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, readCsv } from './csv.js';
import { parseCsvNumber } from './csv-columns.js';
import { DatasetError } from './errors.js';

describe('parseCsv', () => {
  it('reads a header file with BOM, CRLF, quoted fields and a missing final newline', () => {
    const table = parseCsv('\ufeffa,b,c\r\n1,"x, ""y""",3\r\n4,z,6', { file: 'f.csv' });
    expect(table.columns).toEqual(['a', 'b', 'c']);
    expect(table.rowCount).toBe(2);
    expect(table.text(0, 'b')).toBe('x, "y"');
    expect(Array.from(table.numberColumn('c'))).toEqual([3, 6]);
    expect(table.lineOf(1)).toBe(3);
  });

  it('counts lines inside multi-line quoted fields', () => {
    const table = parseCsv('a,b\n"two\nlines",1\n,oops\n', { file: 'q.csv' });
    expect(table.text(0, 'a')).toBe('two\nlines');
    expect(() => table.numberColumn('b')).toThrow('q.csv, line 4, field "b": "oops" is not a number');
  });

  it('reads headerless numeric tables row-major', () => {
    const table = parseCsv('1,2.5,-3e-2\n.5,+4,1E3\n\n', { file: 'm.csv', header: 'none' });
    expect(table.columns).toEqual(['column 1', 'column 2', 'column 3']);
    const { values, rows, columns } = table.numberMatrix();
    expect([rows, columns]).toEqual([2, 3]);
    expect(Array.from(values)).toEqual([1, 2.5, -0.03, 0.5, 4, 1000]);
  });

  it('refuses empty and header-only files', () => {
    expect(() => parseCsv('', { file: 'e.csv' })).toThrow('e.csv: file is empty');
    expect(() => parseCsv('\n\n', { file: 'e.csv' })).toThrow('e.csv: file is empty');
    expect(() => parseCsv('a,b\n', { file: 'h.csv' })).toThrow(
      'h.csv, line 1: no data rows after the header',
    );
    expect(parseCsv('a,b\n', { file: 'h.csv', allowNoRows: true }).rowCount).toBe(0);
  });

  it('lists every missing required column with the header found', () => {
    expect(() =>
      parseCsv('Cycle_Index,Voltag\n1,2\n', {
        file: 'w.csv',
        requiredColumns: ['Cycle_Index', 'Voltage', 'Current'],
      }),
    ).toThrow('w.csv, line 1: header lacks columns "Voltage", "Current" (found: Cycle_Index, Voltag)');
    const table = parseCsv('a\n1\n', { file: 'w.csv' });
    expect(() => table.numberColumn('b')).toThrow('w.csv, line 1, field "b": missing column');
  });

  it('names the line of a truncated or overlong row', () => {
    expect(() => parseCsv('a,b,c\n1,2,3\n4,5', { file: 't.csv' })).toThrow(
      't.csv, line 3: row has 2 fields, expected 3 (truncated row?)',
    );
    expect(() => parseCsv('1,2\n3,4,5\n', { file: 't.csv', header: 'none' })).toThrow(
      't.csv, line 2: row has 3 fields, expected 2',
    );
    expect(() => parseCsv('a,b\n"open,1\n', { file: 'u.csv' })).toThrow(
      'u.csv, line 2: unterminated quoted field (truncated file?)',
    );
  });

  it('refuses NaN, Inf, blanks, hex and garbage by default, naming line and column', () => {
    const table = parseCsv('v,w\n1,NaN\n2,\n0x10,Infinity\n1.2.3,1e\n', { file: 'n.csv' });
    expect(() => table.numberColumn('w')).toThrow('n.csv, line 2, field "w": "NaN" is not a number');
    expect(() => table.number(1, 'w')).toThrow('n.csv, line 3, field "w": empty cell is not a number');
    expect(() => table.number(2, 'v')).toThrow('"0x10" is not a number');
    expect(() => table.number(2, 'w')).toThrow('"Infinity" is not a number');
    expect(() => table.number(3, 'v')).toThrow('"1.2.3" is not a number');
    expect(() => table.number(3, 'w')).toThrow('"1e" is not a number');
    expect(() => parseCsv('1,x\n', { file: 'g.csv', header: 'none' }).numberMatrix()).toThrow(
      'g.csv, line 1, field "column 2": "x" is not a number',
    );
  });

  it('allows blank padding at the end of a column only when asked', () => {
    const table = parseCsv('q,p\n1,5\n2,\n3,\n', { file: 'c.csv' });
    expect(() => table.numberColumn('p')).toThrow('c.csv, line 3, field "p": empty cell is not a number');
    expect(Array.from(table.numberColumn('p', 'trailing'))).toEqual([5]);
    expect(Array.from(table.numberColumn('p', 'nan'))).toEqual([5, Number.NaN, Number.NaN]);
    const gap = parseCsv('p\n1\n\n2\n', { file: 'g.csv' });
    expect(() => gap.numberColumn('p', 'trailing')).toThrow(
      'g.csv, line 4, field "p": value after blank padding that started on line 3',
    );
  });

  it('rejects ambiguous column names and stray quotes', () => {
    expect(() => parseCsv('a,a\n1,2\n', { file: 'd.csv' }).numberColumn('a')).toThrow(
      'column name appears more than once',
    );
    expect(() => parseCsv('a,b\nx"y,1\n', { file: 's.csv' })).toThrow(
      's.csv, line 2: quote inside an unquoted field',
    );
    expect(() => parseCsv('a,b\n"x"y,1\n', { file: 's.csv' })).toThrow(
      's.csv, line 2: text after a closing quote',
    );
  });

  // Its speed is measured by `pnpm bench:io`, not here: a wall-clock bound fails on a loaded machine.
  it('parses a 1000 x 99 numeric table (the size of a Qdlin file)', () => {
    const row = Array.from({ length: 99 }, (_, i) => (1.0123456 + i / 1000).toFixed(8)).join(',');
    const text = Array.from({ length: 1000 }, () => row).join('\n');
    const { values } = parseCsv(text, { file: 'big.csv', header: 'none' }).numberMatrix();
    expect(values.length).toBe(99_000);
    expect(values[98_999]).toBeCloseTo(1.0123456 + 98 / 1000, 8);
  });
});

describe('parseCsvNumber', () => {
  it('accepts decimal and exponent notation with surrounding spaces', () => {
    expect(parseCsvNumber(' -1.5e+2 ', 'f', 1, 'x')).toBe(-150);
    expect(parseCsvNumber('7.', 'f', 1, 'x')).toBe(7);
  });

  it('refuses a value beyond the range of a double, which Number would make Infinity', () => {
    expect(() => parseCsvNumber('1e999', 'f.csv', 3, 'x')).toThrow(
      'f.csv, line 3, field "x": "1e999" is beyond the range of a double',
    );
  });
});

describe('readCsv', () => {
  const directory = mkdtemp(join(tmpdir(), 'csv-test-'));
  afterAll(async () => rm(await directory, { recursive: true, force: true }));

  it('reads a file and names a missing one', async () => {
    const path = join(await directory, 'ok.csv');
    await writeFile(path, 'x\n1\n');
    expect(Array.from((await readCsv(path)).numberColumn('x'))).toEqual([1]);
    const missing = join(await directory, 'missing.csv');
    await expect(readCsv(missing)).rejects.toThrow(`${missing}: file not found`);
    await expect(readCsv(missing)).rejects.toBeInstanceOf(DatasetError);
  });

  it('refuses a directory, a NUL byte (naming its line, escaping what it quotes) and an oversized file', async () => {
    const folder = await directory;
    await expect(readCsv(folder)).rejects.toThrow(`${folder}: is a directory, expected a file`);
    const binary = join(folder, 'binary.csv');
    await writeFile(binary, 'a,b\n1,2\n\u0001\u0000\u001b[2J\n');
    await expect(readCsv(binary)).rejects.toThrow(
      `${binary}, line 3: NUL byte: binary data, not a CSV text file`,
    );
    const control = join(folder, 'control.csv');
    await writeFile(control, 'a\u001b[2J\n1\n');
    await expect(readCsv(control, { requiredColumns: ['x'] })).rejects.toThrow('(found: a\\x1b[2J)');
    // Sparse: 300 MiB on paper, nothing on disk; refused before a byte is read.
    const huge = join(folder, 'huge.csv');
    await writeFile(huge, '');
    await truncate(huge, 300 * 2 ** 20);
    await expect(readCsv(huge)).rejects.toThrow(/huge\.csv: 300 MiB: files of this kind are small/);
  });
});
