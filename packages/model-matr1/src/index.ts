import { fileURLToPath } from 'node:url';

/**
 * Folder of the bundled MATR-1 model (diffbatt.json, model.json, weights.bin and the run record that
 * replays its training), for `loadDiffBattModel` of @diffbatt/unet or `diffbatt ... --model`. Resolved
 * from this module, so it holds wherever the package is installed.
 */
export const MATR1_MODEL_DIR: string = fileURLToPath(new URL('../model', import.meta.url));
