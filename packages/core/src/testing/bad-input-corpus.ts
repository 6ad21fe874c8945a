import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ErrorLocation } from '../errors.js';
import { SeededRandom } from '../random.js';

/**
 * A corpus of SYNTHETIC bad inputs for a CSV format, generated at test time from a valid SYNTHETIC file
 * (so no binary junk is committed): every plugin's tests run it and expect each case to reject with a
 * DatasetError naming the file (and the line and column where the fault is on one), and to settle.
 */
export interface BadInputFormat {
  /** A valid SYNTHETIC file of the format, without quoted fields. */
  text: string;
  /** The name the plugin expects for such a file (e.g. `1-1.csv`, `<cell>_timeseries.csv`), may hold folders. */
  fileName: string;
  /** 'none' for headerless numeric tables. */
  header?: 'first-line' | 'none';
  /** A column the plugin reads as a number: its name, or its 0-based index in a headerless table. */
  numericColumn: string | number;
  /** A column the plugin requires (header files): removed and renamed by two cases. */
  requiredColumn?: string;
  /**
   * Valid files the format needs beside the bad one (name, which may hold folders -> text), written into
   * every case's folder.
   */
  companions?: Record<string, string>;
}

export interface BadInputCase {
  /** What is wrong, e.g. `truncated at 50 % (inside line 3)`, `NaN in "Voltage (V)"`. */
  name: string;
  /** The bad content; null for a directory where the file should be. */
  content: string | Uint8Array | null;
  /** The line and field the error must name, where the fault is on one. */
  line?: number;
  field?: string;
}

/** A case written to disk. */
export interface WrittenBadInput {
  /** The case's own folder (the bad file and the format's companions). */
  folder: string;
  /** The bad file, or the directory standing where it should be. */
  path: string;
  /** What the error must name: the file, and the line and field where there is one. */
  expected: ErrorLocation;
}

/**
 * Fractions of the file where the truncation cases cut: inside a row, before its last field. A cut at a
 * row boundary or inside the last field leaves a well-formed shorter file no reader can tell apart.
 */
const CUTS = [0, 0.25, 0.5, 0.75, 1];
const GARBAGE_BYTES = 4096;

/** The cases for `format`; computed synchronously so that a test can make one `it` per case. */
export function badInputCases(format: BadInputFormat): BadInputCase[] {
  const headed = (format.header ?? 'first-line') === 'first-line';
  const lines = format.text.replace(/\r?\n$/, '').split(/\r?\n/);
  const newline = format.text.includes('\r\n') ? '\r\n' : '\n';
  const toText = (rows: string[]) => `${rows.join(newline)}${newline}`;
  const cases: BadInputCase[] = [];
  const add = (name: string, content: BadInputCase['content'], line?: number, field?: string) =>
    cases.push({
      name,
      content,
      ...(line === undefined ? {} : { line }),
      ...(field === undefined ? {} : { field }),
    });

  add('empty file', '');
  if (headed) add('header only', toText([lines[0]!]), 1);
  const cutLines = new Set<number>();
  for (const fraction of CUTS) {
    const cut = cutInsideRow(format.text, Math.floor(fraction * (format.text.length - 1)));
    if (cut === undefined) continue;
    const line = lineOf(format.text, cut);
    // A cut first row of a headerless table is a valid shorter row; a small file gives one line twice.
    if ((!headed && line === 1) || cutLines.has(line)) continue;
    cutLines.add(line);
    add(
      `truncated at ${Math.round(fraction * 100)} % (inside line ${line})`,
      format.text.slice(0, cut),
      line,
    );
  }
  if (headed && format.requiredColumn !== undefined) {
    const header = lines[0]!.split(',');
    const column = header.indexOf(format.requiredColumn);
    if (column < 0) throw new Error(`${format.fileName}: no column "${format.requiredColumn}" to remove`);
    const without = lines.map((line) => line.split(',').toSpliced(column, 1).join(','));
    add(`missing column "${format.requiredColumn}"`, toText(without), 1);
    const renamed = header.with(column, `${format.requiredColumn} (renamed)`).join(',');
    add(`renamed column "${format.requiredColumn}"`, toText([renamed, ...lines.slice(1)]), 1);
  }
  const column =
    typeof format.numericColumn === 'number'
      ? format.numericColumn
      : lines[0]!.split(',').indexOf(format.numericColumn);
  if (column < 0) throw new Error(`${format.fileName}: no column "${format.numericColumn}"`);
  const field = headed ? lines[0]!.split(',')[column]! : `column ${column + 1}`;
  const row = headed ? 2 : 1; // 0-based line index of the second data row
  if (lines.length <= row) throw new Error(`${format.fileName}: the valid file needs two data rows`);
  for (const value of ['NaN', 'Inf', '-Infinity', '1e999', 'n/a']) {
    const changed = lines.with(row, lines[row]!.split(',').with(column, value).join(','));
    add(`${value} in "${field}"`, toText(changed), row + 1, field);
  }
  const random = new SeededRandom(20);
  const garbage = Uint8Array.from({ length: GARBAGE_BYTES }, () => Math.floor(random.uniform() * 256));
  garbage[GARBAGE_BYTES / 2] = 0; // certain to hold a NUL byte, as binary files do
  add('binary garbage', garbage, lineOf(Buffer.from(garbage).toString('latin1'), garbage.indexOf(0)));
  add(
    'binary garbage without NUL bytes',
    garbage.map((byte) => byte || 1),
  );
  const prefix = toText(lines.slice(0, row + 1));
  add(
    'zero-filled tail (a preallocated partial download)',
    Buffer.concat([Buffer.from(prefix), Buffer.alloc(GARBAGE_BYTES)]),
    row + 2,
  );
  add('a directory where the file should be', null);

  return cases;
}

/**
 * Writes one case under `directory/synthetic-bad-input/<case>/` (with the format's companions) and says
 * where it is and what its error must name.
 */
export async function writeBadInput(
  directory: string,
  badCase: BadInputCase,
  format: BadInputFormat,
): Promise<WrittenBadInput> {
  const folder = join(directory, 'synthetic-bad-input', slug(badCase.name));
  const path = join(folder, format.fileName);
  await mkdir(dirname(path), { recursive: true });
  for (const [name, text] of Object.entries(format.companions ?? {})) {
    await mkdir(dirname(join(folder, name)), { recursive: true });
    await writeFile(join(folder, name), text);
  }
  if (badCase.content === null) await mkdir(path, { recursive: true });
  else await writeFile(path, badCase.content);
  const { line, field } = badCase;
  return {
    folder,
    path,
    expected: {
      file: path,
      ...(line === undefined ? {} : { line }),
      ...(field === undefined ? {} : { field }),
    },
  };
}

/** A cut one character into the second-to-last field of the row holding `position`; none without one. */
function cutInsideRow(text: string, position: number): number | undefined {
  const start = text.lastIndexOf('\n', position - 1) + 1;
  const end = text.indexOf('\n', start);
  const lastComma = text.lastIndexOf(',', end < 0 ? text.length : end);
  return lastComma - 1 > start ? lastComma - 1 : undefined;
}

/** 1-based line of character `index`. */
function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
