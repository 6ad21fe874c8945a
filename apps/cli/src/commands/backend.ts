import type { Command } from 'commander';
import { selectCommandBackend } from '../select-backend.js';
import { terminal } from '../terminal.js';

export function registerBackendCommand(program: Command): void {
  program
    .command('backend')
    .description('show which TensorFlow.js backend would be used, and why faster ones were skipped')
    .option('--backend <name>', 'force a backend: tensorflow-gpu, tensorflow, wasm or cpu')
    .action(async (options: { backend?: string }) => {
      const report = await selectCommandBackend(options.backend);
      terminal.out(`backend: ${report.backend} (${report.reason})`);
      for (const { backend, reason } of report.skipped) terminal.out(`skipped ${backend}: ${reason}`);
    });
}
