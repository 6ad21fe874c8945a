import { readFile } from 'node:fs/promises';
import { DiffBattError } from '@diffbatt/core';

/** The JSON value a user's file holds; unreadable or malformed is one line naming the file. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DiffBattError(code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DiffBattError(`not valid JSON: ${(error as Error).message}`, { file });
  }
}
