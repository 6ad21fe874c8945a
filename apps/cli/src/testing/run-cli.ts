import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const binPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `diffbatt` binary from source in a child process, as a user would. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, cwd?: string): CliResult {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@diffbatt/source', '--import', 'tsx', binPath, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      cwd,
      timeout: 600_000,
    },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
