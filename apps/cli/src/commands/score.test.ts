import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeNpyFloat32, type ModelSample, writeDatasetFile } from '@diffbatt/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

/**
 * Synthetic encoded curves (2 * SOH - 1): SOH 100 % up to point `step`, then 75 %. Resized to 2560 cycles
 * such a curve first reaches 80 % at cycle 10 * step + 4.
 */
function stepCurves(steps: readonly number[]): Float32Array {
  const data = new Float32Array(steps.length * 256);
  steps.forEach((step, cell) => {
    data.fill(1, cell * 256, cell * 256 + step);
    data.fill(0.5, cell * 256 + step, (cell + 1) * 256);
  });
  return data;
}

const dir = mkdtempSync(join(tmpdir(), 'diffbatt-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npy(name: string, data: Float32Array, shape: readonly number[]): string {
  const file = join(dir, name);
  writeFileSync(file, encodeNpyFloat32(data, shape));
  return file;
}

const reference = npy('reference.npy', stepCurves([50, 80]), [2, 256]);

describe('diffbatt score', () => {
  it('prints a table of the original protocol and the extra metrics', async () => {
    const generated = npy('generated.npy', stepCurves([60, 80]), [2, 256]);
    const { code, stdout, stderr } = await runCli([
      'score',
      '--reference',
      reference,
      '--generated',
      generated,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2 cells, 1 generated curve\(s\) per cell; EOL at 80 % SOH/);
    // Lives 504 and 804 against 604 and 804: RMSE sqrt(100^2 / 2) = 70.7.
    expect(stdout).toMatch(/^cycle life RMSE \(cycles\) +70\.7 +70\.7$/m);
    expect(stdout).toMatch(/^cell-1 +504 +604 +604 +604-604 +\d+\.\d{3}$/m);
    expect(stdout).toMatch(/^cell-2 +804 +804 +804 +804-804 +0\.000$/m);
  });

  it('writes JSON, reads [N,256,1] arrays and groups k samples per cell', async () => {
    const generated = npy('samples.npy', stepCurves([40, 50, 60, 80, 80, 90]), [6, 256, 1]);
    const { code, stdout } = await runCli([
      'score',
      '--reference',
      reference,
      '--generated',
      generated,
      '--json',
    ]);
    expect(code).toBe(0);
    const results = JSON.parse(stdout);
    expect(results.rulReference).toEqual([504, 804]);
    // Best of reps: the samples equal the reference over cycles 1..100, so the first of each cell wins.
    expect(results.rulPredicted).toEqual([404, 804]);
    expect(results.rulRmse).toBeCloseTo(Math.sqrt(100 ** 2 / 2), 10);
    expect(results.sohRmse).toBeTypeOf('number');
    expect(results.samplesPerCell).toEqual([3, 3]);
    expect(results.medianOfSamples.rulPredicted).toEqual([504, 804]);
    expect(results.medianOfSamples.rulRmse).toBe(0);
    // `--json -` is standard output too; `--json <file>` writes the same JSON to the file.
    const dashed = await runCli(['score', '--reference', reference, '--generated', generated, '--json', '-']);
    expect(JSON.parse(dashed.stdout)).toEqual(results);
    const file = join(dirname(reference), 'scores.json');
    const toFile = await runCli([
      'score',
      '--reference',
      reference,
      '--generated',
      generated,
      '--json',
      file,
    ]);
    expect(toFile.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(results);
  });

  it('honours --eol and rejects a bad value naming the option', async () => {
    const generated = npy('same.npy', stepCurves([50, 80]), [2, 256]);
    const lowered = await runCli([
      'score',
      '--reference',
      reference,
      '--generated',
      generated,
      '--eol',
      '70',
      '--json',
    ]);
    expect(JSON.parse(lowered.stdout).rulReference).toEqual([2560, 2560]);
    const bad = await runCli(['score', '--reference', reference, '--generated', generated, '--eol', '180']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('diffbatt: error: option --eol must be less than 100 (was 180)\n');
  });

  it('reads dataset files and pairs generated curves with reference cells by cell id', async () => {
    const sample = (cellId: string, step: number, sourceCellId?: string): ModelSample => ({
      cellId,
      source: 'synthetic-test',
      sohCurve: stepCurves([step]),
      capacityMatrix: null,
      capacityMatrixRows: null,
      synthetic: sourceCellId !== undefined,
      ...(sourceCellId === undefined ? {} : { provenance: { sourceCellId } }),
    });
    const referenceFile = join(dir, 'reference.dbds');
    await writeDatasetFile(referenceFile, [sample('b1c0', 50), sample('b1c1', 80)]);
    const generatedFile = join(dir, 'generated.dbds');
    // Out of order, and one sample named only through its provenance.
    await writeDatasetFile(generatedFile, [
      sample('b1c1', 80),
      sample('b1c0', 60),
      sample('draw-3', 40, 'b1c0'),
    ]);
    const { code, stdout } = await runCli([
      'score',
      '--reference',
      referenceFile,
      '--generated',
      generatedFile,
      '--json',
    ]);
    expect(code).toBe(0);
    const results = JSON.parse(stdout);
    expect(results.cellIds).toEqual(['b1c0', 'b1c1']);
    expect(results.samplesPerCell).toEqual([2, 1]);
    expect(results.rulReference).toEqual([504, 804]);
    expect(results.rulPredicted).toEqual([604, 804]);
    expect(results.rulSamples.median).toEqual([504, 804]);

    const incomplete = join(dir, 'incomplete.dbds');
    await writeDatasetFile(incomplete, [sample('b1c0', 60)]);
    const missing = await runCli(['score', '--reference', referenceFile, '--generated', incomplete]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `diffbatt: error: ${incomplete}: no generated curve for reference cell b1c1\n`,
    );
  });

  it('turns bad input into one line naming the file and a non-zero exit', async () => {
    const nan = stepCurves([50, 80]);
    nan[256 + 17] = Number.NaN;
    const cases: [string, string][] = [
      [join(dir, 'missing.npy'), 'file not found'],
      [
        npy('short.npy', new Float32Array(2 * 100), [2, 100]),
        'expected an array of shape [N, 256] or [N, 256, 1] with N >= 1, got [2, 100]',
      ],
      [
        npy('three.npy', stepCurves([50, 60, 70]), [3, 256]),
        '3 generated curves do not match 2 reference cells',
      ],
      [npy('nan.npy', nan, [2, 256]), 'non-finite value NaN in curve 2, point 18'],
      [
        join(dir, 'curves.csv'),
        'unsupported file type: expected a NumPy .npy array or a DiffBatt dataset file (.dbds)',
      ],
    ];
    writeFileSync(join(dir, 'curves.csv'), 'x\n1\n');
    for (const [generated, message] of cases) {
      const { code, stdout, stderr } = await runCli([
        'score',
        '--reference',
        reference,
        '--generated',
        generated,
      ]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`diffbatt: error: ${generated}: ${message}`);
    }
    const missingReference = join(dir, 'no-reference.npy');
    const { code, stderr } = await runCli([
      'score',
      '--reference',
      missingReference,
      '--generated',
      reference,
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(`diffbatt: error: ${missingReference}: file not found\n`);
  });
});
