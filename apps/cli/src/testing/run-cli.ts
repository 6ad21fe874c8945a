import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const binPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin.ts');

/** tsx's loader by URL: `--import tsx` would be looked up from `cwd`, which may lie outside the workspace. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `diffbatt` binary from source in a child process, as a user would. Asynchronous on
 * purpose: a test worker blocked in spawnSync cannot answer vitest's RPC, and a run of blocking calls
 * past 60 s on a loaded machine fails the whole suite with 'Timeout calling "onTaskUpdate"'.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@diffbatt/source', '--import', tsxLoader, binPath, ...args],
      {
        env: { ...process.env, ...env },
        cwd,
        timeout: 600_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
