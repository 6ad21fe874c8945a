import type { Cell } from './cell.js';
import type { ModelSample } from './sample.js';

/** Progress of a long read, reported by plugins through a callback (libraries never print). */
export interface LoadProgress {
  file: string;
  done: number;
  total: number;
  unit: 'bytes' | 'rows' | 'files' | 'cells';
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Something the user should know that does not stop the read (data dropped or repaired), naming the
   * file and where; libraries never print, the caller decides how to show it.
   */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** What a plugin yields: raw cells (to featurise) or samples already in model form. */
export type DatasetRecord = { kind: 'cell'; cell: Cell } | { kind: 'sample'; sample: ModelSample };

/**
 * The contract every `@diffbatt/datasets-*` package implements. Versioned so that the interface can evolve
 * without silently breaking plugins written against an older one.
 */
export interface DatasetPlugin {
  readonly specificationVersion: 1;
  /** Short, stable id used on the command line (`--plugin <id>`). */
  readonly id: string;
  readonly description: string;
  /** Human-readable description of the files or directories the plugin reads. */
  readonly recognises: string;
  /** Cheap check (names, headers) whether `path` looks like this plugin's input. Never throws for foreign input. */
  detect(path: string): Promise<boolean>;
  /**
   * Optional: whether `path` is named as this plugin's input (a file name or folder layout only it uses),
   * whatever its content. When no plugin's `detect` accepts a path, the one plugin that claims it loads it,
   * so a damaged file of a known format gets that plugin's precise file/field error, not "unrecognised".
   * Never throws.
   */
  claims?(path: string): Promise<boolean>;
  /** Reads `path`; throws DatasetError naming file, row and field for bad input. */
  load(path: string, options?: LoadOptions): AsyncIterable<DatasetRecord>;
}
