import { stat } from 'node:fs/promises';
import { DatasetError } from './errors.js';
import type { DatasetPlugin } from './plugin.js';

export interface DatasetRegistry {
  /** The registered plugins in registration order. */
  list(): readonly DatasetPlugin[];
  /** The plugin with this id, or a DatasetError listing the known ids. */
  get(id: string): DatasetPlugin;
  /**
   * The plugin for `path`: the one named by `pluginId`, else the first whose `detect` accepts it, else the
   * only one that `claims` the path by its name (so that its load reports what is wrong with the content).
   */
  resolve(path: string, pluginId?: string): Promise<DatasetPlugin>;
}

export function createDatasetRegistry(plugins: readonly DatasetPlugin[]): DatasetRegistry {
  const byId = new Map<string, DatasetPlugin>();
  for (const plugin of plugins) {
    if (plugin.specificationVersion !== 1) {
      throw new TypeError(
        `dataset plugin "${plugin.id}" implements specification ${plugin.specificationVersion}; this registry supports 1`,
      );
    }
    if (byId.has(plugin.id)) throw new TypeError(`two dataset plugins share the id "${plugin.id}"`);
    byId.set(plugin.id, plugin);
  }
  const known = () => [...byId.keys()].join(', ') || '(none)';

  const get = (id: string): DatasetPlugin => {
    const plugin = byId.get(id);
    if (!plugin) throw new DatasetError(`unknown dataset plugin "${id}"; known: ${known()}`);
    return plugin;
  };

  return {
    list: () => [...byId.values()],
    get,
    async resolve(path, pluginId) {
      try {
        await stat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'no such file or directory'
            : code === 'EACCES'
              ? 'permission denied'
              : String(code);
        throw new DatasetError(`cannot read: ${why}`, { file: path });
      }
      if (pluginId !== undefined) return get(pluginId);
      for (const plugin of byId.values()) {
        if (await plugin.detect(path)) return plugin;
      }
      // Nothing recognises the content; a damaged file may still be named as one plugin's input.
      const claimants: DatasetPlugin[] = [];
      for (const plugin of byId.values()) {
        const claimed = await Promise.resolve()
          .then(() => plugin.claims?.(path) ?? false)
          .catch(() => false);
        if (claimed) claimants.push(plugin);
      }
      if (claimants.length === 1) return claimants[0]!;
      if (claimants.length > 1) {
        throw new DatasetError(
          `named like the input of ${claimants.map((plugin) => plugin.id).join(' and ')}, but none recognises its content (name that plugin's id to see why)`,
          { file: path },
        );
      }
      throw new DatasetError(
        `no dataset plugin recognises this path; known: ${known()} (name a plugin id to read it with that plugin)`,
        {
          file: path,
        },
      );
    },
  };
}
