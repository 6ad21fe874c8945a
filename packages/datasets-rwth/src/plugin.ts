import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, type DatasetPlugin } from '@diffbatt/core';
import { sniffMatFile } from '@diffbatt/matfile';
import { readTest, rwthCellFromTests, testFolders } from './cell.js';
import { readRwthMetadata } from './metadata.js';

const METADATA_FILE = 'metadata.mat';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Project folders (holding metadata.mat): `path` itself, else its subfolders that hold one (RWTH/P001). */
async function projectFolders(path: string): Promise<string[]> {
  if (await exists(join(path, METADATA_FILE))) return [path];
  if (!(await stat(path)).isDirectory()) return [];
  const entries = await readdir(path, { withFileTypes: true });
  const folders: string[] = [];
  for (const entry of entries
    .filter((item) => item.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (await exists(join(path, entry.name, METADATA_FILE))) folders.push(join(path, entry.name));
  }
  return folders;
}

export const rwthDatasetPlugin: DatasetPlugin = {
  specificationVersion: 1,
  id: 'rwth',
  description: 'RWTH ISEA Sanyo UR18650E ageing data: capacity per check-up against (equivalent) cycles',
  recognises:
    'a project folder of the processed ISEA data (P001: metadata.mat plus one folder per cell with TS* test ' +
    'folders holding lean_data.mat), or the folder above it',
  async detect(path) {
    try {
      const projects = await projectFolders(path);
      for (const project of projects) {
        if ((await sniffMatFile(join(project, METADATA_FILE))) === 'level-5') return true;
      }
      return false;
    } catch {
      return false;
    }
  },
  async claims(path) {
    return (await projectFolders(path).catch(() => [])).length > 0;
  },
  async *load(path, options = {}) {
    const projects = await projectFolders(path).catch((error: Error) => {
      throw new DatasetError(`cannot read: ${error.message}`, { file: path });
    });
    if (projects.length === 0) {
      throw new DatasetError(`no ${METADATA_FILE} here or in a folder directly below`, { file: path });
    }
    for (const project of projects) {
      const metadataPath = join(project, METADATA_FILE);
      const metadata = await readRwthMetadata(metadataPath);
      const present: Array<{ metadata: (typeof metadata)[number]; folders: string[] }> = [];
      for (const cell of metadata) {
        const cellFolder = join(project, cell.cellName);
        if (await exists(cellFolder))
          present.push({ metadata: cell, folders: await testFolders(cellFolder) });
      }
      if (present.length === 0) {
        throw new DatasetError(
          `lists ${metadata.length} cells (${metadata
            .slice(0, 3)
            .map((cell) => cell.cellName)
            .join(', ')}, ...) but none of their folders is in ${project}`,
          { file: metadataPath },
        );
      }
      const total = present.reduce((sum, cell) => sum + cell.folders.length, 0);
      let done = 0;
      for (const cell of present) {
        const tests = [];
        for (const folder of cell.folders) {
          options.signal?.throwIfAborted();
          tests.push(await readTest(folder));
          done += 1;
          options.onProgress?.({ file: folder, done, total, unit: 'files' });
        }
        const cellFolder = join(project, cell.metadata.cellName);
        yield { kind: 'cell', cell: rwthCellFromTests(cellFolder, tests, cell.metadata) };
      }
    }
  },
};
