import { dirname } from 'node:path';
import { type } from 'arktype';
import { type Command, Option } from 'commander';
import { parseOptions } from './options.js';
import { readPluginConfig } from './plugin-config.js';
import { importPluginModule } from './plugin-module.js';
import type { ModuleOrigin } from './plugin-origin.js';
import type { RegisteredPlugin, RunPlugins } from './plugins.js';

const pluginModuleOptions = type({ 'pluginModule?': 'string > 0' });

/** `--plugin-module <module>`: one more plugin module for this run, besides those of the config file. */
export function pluginModuleOption(): Option {
  return new Option(
    '--plugin-module <module>',
    'also load the dataset plugins of this module (a path, or a package name; see `datasets list`)',
  );
}

const declares = (command: Command, flag: string) => command.options.some((option) => option.long === flag);

/**
 * The plugins of the `diffbatt.config.*` file in `dir` (module paths relative to that file), then those
 * of `commandLineModule` (relative to `dir`), each with its origin.
 */
export async function loadExternalPlugins(
  dir: string,
  commandLineModule?: string,
): Promise<RegisteredPlugin[]> {
  const config = await readPluginConfig(dir);
  const sources: { base: string; origin: ModuleOrigin }[] = [
    ...(config === null
      ? []
      : config.plugins.map((module) => ({
          base: dirname(config.file),
          origin: { kind: 'config', file: config.file, module } as const,
        }))),
    ...(commandLineModule === undefined
      ? []
      : [{ base: dir, origin: { kind: 'command-line', module: commandLineModule } as const }]),
  ];
  const loaded: RegisteredPlugin[] = [];
  for (const { base, origin } of sources) {
    for (const plugin of await importPluginModule(base, origin)) loaded.push({ plugin, origin });
  }
  return loaded;
}

/**
 * Gives every command that reads datasets (those with `--plugin <id>`) the `--plugin-module` option, and
 * before such a command runs adds the plugins from outside to `plugins`: the config file's and
 * `--plugin-module`'s (other commands never read the config, so a broken one stops only dataset commands).
 */
export function offerExternalPlugins(program: Command, plugins: RunPlugins): void {
  const visit = (command: Command) => {
    if (declares(command, '--plugin') && !declares(command, '--plugin-module')) {
      command.addOption(pluginModuleOption());
    }
    command.commands.forEach(visit);
  };
  visit(program);
  program.hook('preAction', async (_program, action) => {
    if (!declares(action, '--plugin-module')) return;
    const { pluginModule } = parseOptions(pluginModuleOptions, action.opts());
    plugins.useExternal(await loadExternalPlugins(process.cwd(), pluginModule));
  });
}
