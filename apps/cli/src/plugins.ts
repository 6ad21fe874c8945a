import {
  createDatasetRegistry,
  type DatasetPlugin,
  type DatasetRegistry,
  DiffBattError,
} from '@diffbatt/core';
import { batteryArchiveDatasetPlugin } from '@diffbatt/datasets-batteryarchive';
import { calceDatasetPlugin } from '@diffbatt/datasets-calce';
import { cloDatasetPlugin } from '@diffbatt/datasets-clo';
import { diffbattDatasetPlugin } from '@diffbatt/datasets-diffbatt';
import { hustDatasetPlugin, tjuDatasetPlugin } from '@diffbatt/datasets-hust';
import { matrDatasetPlugin } from '@diffbatt/datasets-matr';
import { nasaDatasetPlugin } from '@diffbatt/datasets-nasa';
import { rwthDatasetPlugin } from '@diffbatt/datasets-rwth';
import { describeModule, describeOrigin, type PluginOrigin } from './plugin-origin.js';

export interface RegisteredPlugin {
  plugin: DatasetPlugin;
  origin: PluginOrigin;
}

/**
 * The dataset plugins built into the CLI. Adding one here = a new `@diffbatt/datasets-<source>` package
 * plus one line (and its dependency in package.json); plugins from outside come through
 * `diffbatt.config.json` or `--plugin-module` (see plugin-setup.ts).
 */
const builtIn: readonly RegisteredPlugin[] = [
  diffbattDatasetPlugin,
  matrDatasetPlugin,
  nasaDatasetPlugin,
  rwthDatasetPlugin,
  calceDatasetPlugin,
  hustDatasetPlugin,
  tjuDatasetPlugin,
  cloDatasetPlugin,
  batteryArchiveDatasetPlugin,
].map((plugin) => ({ plugin, origin: { kind: 'built-in' } }));

/** The dataset plugins of one CLI run: the built-in ones, then those from outside once loaded. */
export interface RunPlugins {
  /** What the commands read datasets with. */
  readonly registry: DatasetRegistry;
  /** Every plugin with its origin, built-in ones first. */
  registered(): readonly RegisteredPlugin[];
  /**
   * Registers `external` after the built-in plugins, replacing those of an earlier call. An id taken twice
   * is refused, naming the module that came second.
   */
  useExternal(external: readonly RegisteredPlugin[]): void;
}

/**
 * A run's plugins, the built-in ones to begin with. One per run, so that runs in one process (as tests
 * make) never see each other's plugins; the registry reads the current set, since the commands receive it
 * before the plugins from outside are loaded.
 */
export function createRunPlugins(): RunPlugins {
  let registered = builtIn;
  let active = createDatasetRegistry(builtIn.map((entry) => entry.plugin));
  return {
    registry: {
      list: () => active.list(),
      get: (id) => active.get(id),
      resolve: (path, pluginId) => active.resolve(path, pluginId),
    },
    registered: () => registered,
    useExternal(external) {
      const all = [...builtIn, ...external];
      for (const [index, { plugin, origin }] of all.entries()) {
        const first = all.findIndex((entry) => entry.plugin.id === plugin.id);
        if (first !== index && origin.kind !== 'built-in') {
          throw new DiffBattError(
            `${describeModule(origin)}: dataset plugin id "${plugin.id}" is taken (${describeOrigin(all[first]!.origin)})`,
          );
        }
      }
      active = createDatasetRegistry(all.map((entry) => entry.plugin));
      registered = all;
    },
  };
}
