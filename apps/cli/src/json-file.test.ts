import { createScratchDirectory, type ScratchDirectory } from '@diffbatt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonFile } from './json-file.js';

let dir: ScratchDirectory;
beforeAll(async () => {
  dir = await createScratchDirectory('diffbatt-json-file');
});
afterAll(() => dir.remove());

describe('readJsonFile', () => {
  it('returns the value', async () => {
    expect(await readJsonFile(await dir.write('a.json', '{ "plugins": [] }'))).toEqual({ plugins: [] });
  });

  it('names the file in one line when it is missing, a folder or not JSON', async () => {
    const missing = `${dir.path}/missing.json`;
    await expect(readJsonFile(missing)).rejects.toThrow(`${missing}: file not found`);
    await expect(readJsonFile(dir.path)).rejects.toThrow(`${dir.path}: cannot read file (EISDIR)`);
    const bad = await dir.write('bad.json', '{ "plugins": [');
    await expect(readJsonFile(bad)).rejects.toThrow(new RegExp(`^${bad}: not valid JSON: [^\\n]+$`));
  });
});
