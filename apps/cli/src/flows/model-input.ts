import type { DatasetRegistry, ModelSample } from '@diffbatt/core';
import type { BackendReport } from '@diffbatt/core/backend';
import { type LoadedDiffBattModel, loadDiffBattModel } from '@diffbatt/unet';
import { selectCommandBackend } from '../select-backend.js';
import { loadSamples, requireCapacityMatrices } from './data.js';

export interface ModelAndCells extends LoadedDiffBattModel {
  backend: BackendReport;
  /** Cells that can condition the model, from every input path in order. */
  cells: ModelSample[];
  /** Further networks whose curves are pooled with the model's (`--ensemble`); empty without one. */
  ensemble: LoadedDiffBattModel[];
}

/**
 * The common start of test/predict/synthesize: pick the backend, load the model (and the networks of
 * `ensembleDirs`, pooled with it by the library, which checks they take the same matrices), read every input path
 * through the dataset plugins of `registry` and keep the cells whose capacity matrix fits the model.
 */
export async function loadModelAndCells(
  registry: DatasetRegistry,
  modelDir: string,
  paths: readonly string[],
  options: {
    pluginId?: string;
    backend?: string;
    ensembleDirs?: readonly string[];
    onWarning: (message: string) => void;
  },
): Promise<ModelAndCells> {
  const backend = await selectCommandBackend(options.backend);
  const loaded = await loadDiffBattModel(modelDir);
  const ensemble: LoadedDiffBattModel[] = [];
  for (const dir of options.ensembleDirs ?? []) ensemble.push(await loadDiffBattModel(dir));
  const cells: ModelSample[] = [];
  for (const path of paths) {
    const samples = await loadSamples(registry, path, {
      ...(options.pluginId === undefined ? {} : { pluginId: options.pluginId }),
      onWarning: options.onWarning,
    });
    cells.push(
      ...requireCapacityMatrices(samples, path, loaded.config.capacityMatrixRows, options.onWarning),
    );
  }
  return { ...loaded, backend, cells, ensemble };
}
