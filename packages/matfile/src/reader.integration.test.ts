import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '@diffbatt/core/testing';
import { describe, expect, it } from 'vitest';
import { toPlain } from './plain.js';
import { readMatFile } from './reader.js';

function matFilesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.mat'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('readMatFile on the real NASA and RWTH files', () => {
  it('decodes B0025.mat: a 1x80 cycle struct of 31 charge, 28 discharge and 21 impedance records', async () => {
    const file = await readMatFile(sharedPath('data', 'raw', 'NASA', 'B0025.mat'));
    expect(file.header.text).toMatch(/^MATLAB 5\.0 MAT-file, Platform: PCWIN/);
    const battery = toPlain(file.variables.get('B0025')!) as {
      cycle: Array<{ type: string; data: Record<string, unknown> }>;
    };
    expect(battery.cycle).toHaveLength(80);
    const count = (type: string) => battery.cycle.filter((cycle) => cycle.type === type).length;
    expect([count('charge'), count('discharge'), count('impedance')]).toEqual([31, 28, 21]);
    const firstDischarge = battery.cycle.find((cycle) => cycle.type === 'discharge')!;
    expect(firstDischarge.data['Capacity']).toBeCloseTo(1.847011162956716, 12);
    expect(firstDischarge.data['Voltage_measured']).toHaveLength(641);
    // Impedance records are complex.
    const impedance = battery.cycle.find((cycle) => cycle.type === 'impedance')!;
    expect(impedance.data['Battery_impedance']).toHaveProperty('imaginary');
  });

  it('keeps the datetime object in the RWTH metadata as an undecoded value', async () => {
    const file = await readMatFile(sharedPath('data', 'raw', 'RWTH', 'P001', 'metadata.mat'));
    const metadata = toPlain(file.variables.get('metadata')!) as Record<string, unknown>;
    expect(metadata['cell_names']).toHaveLength(48);
    expect(metadata['creation_time']).toEqual({ unsupportedMatlabClass: 'datetime' });
    expect(metadata['manufacturer_cap']).toBe(1.85);
  });

  it('decodes every .mat file under NASA and RWTH without error', async () => {
    const files = [
      ...matFilesUnder(sharedPath('data', 'raw', 'NASA')),
      ...matFilesUnder(sharedPath('data', 'raw', 'RWTH')),
    ];
    expect(files.length).toBe(266);
    for (const path of files) {
      const file = await readMatFile(path);
      expect(file.variables.size, path).toBeGreaterThan(0);
    }
  });
});
