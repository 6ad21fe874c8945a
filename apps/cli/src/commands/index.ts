import type { Command } from 'commander';
import type { RunPlugins } from '../plugins.js';
import { registerBackendCommand } from './backend.js';
import { registerCalibrateCommand } from './calibrate.js';
import { registerDatasetsCommand } from './datasets.js';
import { registerFoldsCommand } from './folds.js';
import { registerImportCommand } from './import.js';
import { registerPredictCommand } from './predict.js';
import { registerScoreCommand } from './score.js';
import { registerSynthReportCommand } from './synth-report.js';
import { registerSynthesizeCommand } from './synthesize.js';
import { registerTestCommand } from './test.js';
import { registerTrainCommands } from './train.js';

/** One line per command; each command lives in its own module. Those reading datasets get the run's plugins. */
export function registerCommands(program: Command, plugins: RunPlugins): void {
  registerBackendCommand(program);
  registerFoldsCommand(registerDatasetsCommand(program, plugins), plugins.registry);
  registerImportCommand(program);
  registerScoreCommand(program);
  registerTrainCommands(program, plugins.registry);
  registerTestCommand(program, plugins.registry);
  registerPredictCommand(program, plugins.registry);
  registerCalibrateCommand(program, plugins.registry);
  registerSynthesizeCommand(program, plugins.registry);
  registerSynthReportCommand(program, plugins.registry);
}
