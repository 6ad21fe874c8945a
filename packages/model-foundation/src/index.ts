import { fileURLToPath } from 'node:url';

/**
 * Folder of the 100x100 foundation model (diffbatt.json, model.json, weights.bin and the run record that
 * replays its training): a DiffBatt U-Net pretrained on the 132 training cells of MATR-1, MATR-2, HUST and
 * CRUH that no test split of the original DiffBatt benchmark holds. Start a fine-tune from it
 * (`trainDiffBatt`'s `fromModelDir` in @diffbatt/pipeline, or `diffbatt finetune --from`) for cells with 100x100 capacity
 * matrices. Resolved from this module, so it holds wherever the package is installed.
 */
export const FOUNDATION_100X100_MODEL_DIR: string = fileURLToPath(
  new URL('../model-100x100', import.meta.url),
);
