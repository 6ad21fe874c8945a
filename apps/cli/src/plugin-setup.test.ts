import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDatasetFile } from '@diffbatt/core';
import { repositoryRoot, type ScratchDirectory } from '@diffbatt/core/testing';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, run } from './cli.js';
import { createPluginProject, examplePluginPath } from './testing/plugin-project.js';
import { runCli } from './testing/run-cli.js';

// A user's project outside the workspace: a dependency-free plugin module and a diffbatt.config.json.
let project: ScratchDirectory;
let config: string;
const inProject = (args: string[]) => runCli(args, {}, project.path);

beforeAll(async () => {
  project = await createPluginProject();
  config = await project.write(
    'diffbatt.config.json',
    JSON.stringify({ plugins: ['./plugins/synthetic-csv-plugin.mjs'] }),
  );
});
afterAll(() => project.remove());

describe('dataset plugins from outside the CLI', () => {
  it('lists a plugin named in diffbatt.config.json with where it came from', async () => {
    const json = await inProject(['datasets', 'list', '--json']);
    expect(json.code).toBe(0);
    const { plugins } = JSON.parse(json.stdout);
    expect(plugins[0].origin).toEqual({ kind: 'built-in' });
    expect(plugins.at(-1)).toMatchObject({
      id: 'synthetic-csv',
      origin: { kind: 'config', file: config, module: './plugins/synthetic-csv-plugin.mjs' },
    });
    const text = await inProject(['datasets', 'list']);
    expect(text.stdout).toContain(`from: ${config}: ./plugins/synthetic-csv-plugin.mjs`);
    expect(text.stdout).toMatch(/^ +from: built in$/m);
  });

  it('converts and predicts cells read by that plugin', async () => {
    const convert = await inProject(['datasets', 'convert', 'synthetic-a.synthetic.csv', '--out', 'a.dbds']);
    expect(convert.code).toBe(0);
    const { samples, meta } = await readDatasetFile(join(project.path, 'a.dbds'));
    expect(meta['plugin']).toBe('synthetic-csv');
    expect(samples.map((s) => [s.cellId, s.synthetic, s.capacityMatrixRows])).toEqual([
      ['synthetic-a', true, 100],
    ]);
    const model = join(repositoryRoot, 'packages', 'model-matr1', 'model');
    const args = ['predict', '--model', model, 'synthetic-a.synthetic.csv', '--steps', '2', '--samples', '1'];
    const predict = await inProject([...args, '--json', 'p.json']);
    expect(predict.code).toBe(0);
    const predictions = JSON.parse(await readFile(join(project.path, 'p.json'), 'utf8'));
    expect(predictions.cells.map((c: { source: string }) => c.source)).toEqual(['synthetic-csv']);
  }, 120_000);

  it('loads a package named by --plugin-module, by its named *DatasetPlugin export', async () => {
    await project.write(
      'node_modules/synthetic-plugin-package/package.json',
      JSON.stringify({ name: 'synthetic-plugin-package', type: 'module', exports: { import: './index.js' } }),
    );
    await project.write(
      'node_modules/synthetic-plugin-package/index.js',
      "import plugin from '../../plugins/synthetic-csv-plugin.mjs';\n" +
        "export const otherDatasetPlugin = { ...plugin, id: 'synthetic-other' };\n",
    );
    const flag = ['--plugin-module', 'synthetic-plugin-package'];
    const list = await inProject(['datasets', 'list', '--json', ...flag]);
    expect(JSON.parse(list.stdout).plugins.at(-1)).toMatchObject({
      id: 'synthetic-other',
      origin: { kind: 'command-line', module: 'synthetic-plugin-package' },
    });
    const inspect = await inProject([
      ...['datasets', 'inspect', 'synthetic-a.synthetic.csv', '--json', '--plugin', 'synthetic-other'],
      ...flag,
    ]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ plugin: 'synthetic-other', cells: [{ cycles: 30 }] });
  });

  it('turns a broken plugin module into one line naming it and exit 1', async () => {
    await project.write('throws.mjs', "throw new Error('synthetic failure');\n");
    const run = await inProject(['datasets', 'list', '--plugin-module', './throws.mjs']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'diffbatt: error: plugin module "./throws.mjs" (named by --plugin-module): throws on import: Error: synthetic failure\n',
    );
  });

  it('turns an Error thrown by a plugin while reading into one line naming module and file', async () => {
    await project.write(
      'throws-on-read.mjs',
      "import plugin from './plugins/synthetic-csv-plugin.mjs';\n" +
        "export default { ...plugin, id: 'synthetic-broken', async *load() { throw new Error('synthetic read failure'); } };\n",
    );
    const run = await inProject([
      ...['datasets', 'inspect', 'synthetic-a.synthetic.csv', '--plugin', 'synthetic-broken'],
      ...['--plugin-module', './throws-on-read.mjs'],
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'diffbatt: error: plugin module "./throws-on-read.mjs" (named by --plugin-module): throws reading synthetic-a.synthetic.csv: Error: synthetic read failure\n',
    );
  });

  it('keeps the plugins of one run() out of another in the same process', async () => {
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    const list = ['datasets', 'list', '--json'];
    const module = join(project.path, 'plugins', 'synthetic-csv-plugin.mjs');
    try {
      const codes = await Promise.all([run([...list, '--plugin-module', module]), run(list), run(list)]);
      expect(codes).toEqual([0, 0, 0]);
    } finally {
      write.mockRestore();
    }
    const lists = printed.map((text) => JSON.parse(text).plugins.map((p: { id: string }) => p.id));
    expect(lists.map((ids) => ids.includes('synthetic-csv')).sort()).toEqual([false, false, true]);
  });

  it('offers --plugin-module on every command that takes --plugin', () => {
    const flags = (command: Command): string[][] => [
      command.options.map((option) => option.long ?? ''),
      ...command.commands.flatMap(flags),
    ];
    const withPlugin = flags(buildProgram()).filter((longs) => longs.includes('--plugin'));
    expect(withPlugin.length).toBeGreaterThanOrEqual(7);
    for (const longs of withPlugin) expect(longs).toContain('--plugin-module');
  });

  it('is the example plugin that the README shows', async () => {
    const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    expect(readme).toContain(await readFile(examplePluginPath, 'utf8'));
  });
});
