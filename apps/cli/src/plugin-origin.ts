/** Where a registered dataset plugin came from, as `datasets list` and loading errors say it. */
export type PluginOrigin =
  | { kind: 'built-in' }
  /** `module` as written in the config file's `plugins` list. */
  | { kind: 'config'; file: string; module: string }
  | { kind: 'command-line'; module: string };

/** The origin of a plugin loaded from a module. */
export type ModuleOrigin = Exclude<PluginOrigin, { kind: 'built-in' }>;

/** The origin for `datasets list`: `built in`, `<config file>: <module>` or `--plugin-module <module>`. */
export function describeOrigin(origin: PluginOrigin): string {
  switch (origin.kind) {
    case 'built-in':
      return 'built in';
    case 'config':
      return `${origin.file}: ${origin.module}`;
    case 'command-line':
      return `--plugin-module ${origin.module}`;
  }
}

/** The start of an error about a loaded module: which module, and who named it. */
export function describeModule(origin: ModuleOrigin): string {
  const namedBy = origin.kind === 'config' ? `named in ${origin.file}` : 'named by --plugin-module';
  return `plugin module "${origin.module}" (${namedBy})`;
}
