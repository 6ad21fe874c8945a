import type { Command } from 'commander';
import { registerBackendCommand } from './backend.js';
import { registerDatasetsCommand } from './datasets.js';
import { registerImportCommand } from './import.js';
import { registerPredictCommand } from './predict.js';
import { registerScoreCommand } from './score.js';
import { registerSynthReportCommand } from './synth-report.js';
import { registerSynthesizeCommand } from './synthesize.js';
import { registerTestCommand } from './test.js';
import { registerTrainCommands } from './train.js';

/** One line per command; each command lives in its own module. */
export function registerCommands(program: Command): void {
  registerBackendCommand(program);
  registerDatasetsCommand(program);
  registerImportCommand(program);
  registerScoreCommand(program);
  registerTrainCommands(program);
  registerTestCommand(program);
  registerPredictCommand(program);
  registerSynthesizeCommand(program);
  registerSynthReportCommand(program);
}
