import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATR1_MODEL_DIR } from './index.js';

describe('the bundled MATR-1 model', () => {
  it('is a saved DiffBatt U-Net whose manifest names the weights file beside it', () => {
    const saved = JSON.parse(readFileSync(join(MATR1_MODEL_DIR, 'diffbatt.json'), 'utf8'));
    expect(saved.format).toBe('diffbatt-unet');
    expect(saved.config.capacityMatrixRows).toBe(100);
    const topology = JSON.parse(readFileSync(join(MATR1_MODEL_DIR, 'model.json'), 'utf8'));
    const paths = topology.weightsManifest.flatMap((group: { paths: string[] }) => group.paths);
    expect(paths).toEqual(['weights.bin']);
    const bytes = readFileSync(join(MATR1_MODEL_DIR, 'weights.bin')).byteLength;
    expect(bytes).toBe(4 * saved.parameterCount);
  });

  it('ships the run record that replays its training (diffbatt train --config run.json)', () => {
    const run = JSON.parse(readFileSync(join(MATR1_MODEL_DIR, 'run.json'), 'utf8'));
    expect(run.preset).toBe('fast');
    expect(run.settings.steps).toBeGreaterThan(0);
  });
});
