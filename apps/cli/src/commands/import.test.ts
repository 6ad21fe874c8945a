import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'diffbatt-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `diffbatt import` and returns its stderr lines (each failure must be exactly one). */
async function importFails(args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await runCli(['import', ...args, '--backend', 'cpu']);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  return stderr.trim().split('\n');
}

describe('diffbatt import: bad inputs give one clear line', () => {
  it('a missing directory', async () => {
    const missing = join(dir, 'absent');
    expect(await importFails([missing, '--out', join(dir, 'out')])).toEqual([
      `diffbatt: error: ${missing}: Keras model directory not found`,
    ]);
  });

  it('a file instead of a directory', async () => {
    const file = join(dir, 'model.h5');
    writeFileSync(file, 'not a SavedModel');
    expect(await importFails([file, '--out', join(dir, 'out')])).toEqual([
      `diffbatt: error: ${file}: expected a Keras SavedModel directory (with keras_metadata.pb and variables/)`,
    ]);
  });

  it('a keras_metadata.pb that is not one', async () => {
    const model = join(dir, 'garbage');
    mkdirSync(join(model, 'variables'), { recursive: true });
    writeFileSync(join(model, 'keras_metadata.pb'), '{"class_name": "Functional"}');
    const [line, ...rest] = await importFails([model, '--out', join(dir, 'out')]);
    expect(rest).toEqual([]);
    expect(line).toMatch(
      new RegExp(
        `^diffbatt: error: ${join(model, 'keras_metadata.pb')}: SavedMetadata: .*\\(not a valid protobuf message\\)$`,
      ),
    );
  });
});
