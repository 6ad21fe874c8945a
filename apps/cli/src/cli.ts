import { isDiffBattError } from '@diffbatt/core';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { OptionError } from './options.js';
import { offerExternalPlugins } from './plugin-setup.js';
import { createRunPlugins } from './plugins.js';
import { terminal } from './terminal.js';

const VERSION = '0.1.0';

/** The `diffbatt` program, with its own set of dataset plugins (see `RunPlugins`). */
export function buildProgram(): Command {
  const plugins = createRunPlugins();
  const program = new Command('diffbatt')
    .description('Predict and synthesise lithium-ion battery degradation with DiffBatt diffusion models.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program, plugins);
  offerExternalPlugins(program, plugins);
  return program;
}

/** Runs the CLI and returns the exit code. User mistakes print one line; only bugs print a stack. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or its own one-line message.
      return error.exitCode;
    }
    if (isDiffBattError(error) || error instanceof OptionError) {
      terminal.error(error.message);
      return 1;
    }
    throw error;
  }
}
