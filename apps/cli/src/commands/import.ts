import { DiffBattError } from '@diffbatt/core';
import { compareWithGolden, importKerasModel, saveDiffBattModel } from '@diffbatt/unet';
import { type } from 'arktype';
import type { Command } from 'commander';
import { directoryText, parseOptions } from '../options.js';
import { selectCommandBackend } from '../select-backend.js';
import { terminal } from '../terminal.js';

/** Largest acceptable |imported - golden| over the reference outputs (float32 round-off is ~1e-6). */
const GOLDEN_TOLERANCE = 1e-4;

const importOptions = type({
  out: directoryText,
  'verify?': 'string > 0',
  'backend?': 'string',
});

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'import a released Keras DiffBatt model (SavedModel directory) into the diffbatt model format',
    )
    .argument('<keras_model_dir>', 'Keras SavedModel directory with keras_metadata.pb and variables/')
    .requiredOption('--out <model_dir>', 'directory to write the imported model to')
    .option(
      '--verify <golden_dir>',
      `run the golden inputs through the imported model and fail above max_abs_err ${GOLDEN_TOLERANCE}`,
    )
    .option('--backend <name>', 'force a backend: tensorflow-gpu, tensorflow, wasm or cpu')
    .action(async (kerasDir: string, raw: unknown) => {
      const options = parseOptions(importOptions, raw);
      const backend = await selectCommandBackend(options.backend);
      const { model, config, provenance } = await importKerasModel(kerasDir);
      try {
        await saveDiffBattModel(model, options.out, { config, provenance });
        terminal.info(
          `imported ${provenance.variables} variables (${provenance.parameters} parameters, ${config.capacityMatrixRows}x100 capacity matrix) into ${options.out}`,
        );
        if (options.verify === undefined) return;
        const errors = await compareWithGolden(model, options.verify);
        terminal.out(`conditional (mask ones): max_abs_err=${errors.conditional.toExponential(3)}`);
        terminal.out(`unconditional (mask zeros): max_abs_err=${errors.unconditional.toExponential(3)}`);
        const worst = Math.max(errors.conditional, errors.unconditional);
        if (!(worst <= GOLDEN_TOLERANCE)) {
          throw new DiffBattError(
            `imported model differs from the golden outputs by ${worst.toExponential(3)} > ${GOLDEN_TOLERANCE} (backend ${backend.backend}, ${errors.batch} golden inputs)`,
            { file: options.verify },
          );
        }
      } finally {
        model.dispose();
      }
    });
}
