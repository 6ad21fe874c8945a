import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsSeenByAncestors, modelLineage } from './lineage.js';

// Run records written by hand (no network is needed to read a lineage): a foundation, a network fine-tuned
// from it, and one fine-tuned from that.
let dir: string;
/** Writes `<dir>/<name>/run.json` (the run folder) and returns `<dir>/<name>/model`, as a run lays them out. */
const run = async (name: string, trainCellIds: string[], fromModelDir: string | null) => {
  const runDir = join(dir, name);
  await mkdir(join(runDir, 'model'), { recursive: true });
  const record = { format: 'diffbatt-train-run', version: 1, trainCellIds, fromModelDir };
  await writeFile(join(runDir, 'run.json'), JSON.stringify(record));
  return join(runDir, 'model');
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'diffbatt-lineage-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('modelLineage', () => {
  it('follows fromModelDir to the first network and finds the cells a starting network trained on', async () => {
    const foundation = await run('foundation', ['a/1', 'a/2', 'b/1'], null);
    const finetuned = await run('finetuned', ['b/1', 'b/2'], foundation);
    const fold = await run('fold', ['b/2'], finetuned);
    const lineage = await modelLineage(fold);
    expect(lineage).toMatchObject({
      file: join(dir, 'fold', 'run.json'),
      trainCellIds: ['b/2'],
      ancestors: [
        { modelDir: finetuned, trainCellIds: ['b/1', 'b/2'] },
        { modelDir: foundation, trainCellIds: ['a/1', 'a/2', 'b/1'] },
      ],
      unknownAncestor: null,
    });
    // b/1: the nearest starting network that trained on it; c/1 was never seen.
    expect(cellsSeenByAncestors(lineage!, ['b/1', 'a/2', 'c/1'])).toEqual([
      { cellId: 'b/1', modelDir: finetuned },
      { cellId: 'a/2', modelDir: foundation },
    ]);
  });

  it('names a starting network without a run record, and is null for a model without one', async () => {
    const missing = join(dir, 'moved-away', 'model');
    const orphan = await run('orphan', ['b/1'], missing);
    const lineage = await modelLineage(orphan);
    expect(lineage).toMatchObject({ ancestors: [], unknownAncestor: missing });
    expect(cellsSeenByAncestors(lineage!, ['b/1'])).toEqual([]);
    expect(await modelLineage(missing)).toBeNull();
  });

  it('refuses run records that name each other in a loop, naming the file', async () => {
    const first = join(dir, 'loop-1', 'model');
    const second = await run('loop-2', ['x'], first);
    await run('loop-1', ['y'], second);
    await expect(modelLineage(first)).rejects.toThrow(/more than 16 networks fine-tuned one from another/);
  });
});
