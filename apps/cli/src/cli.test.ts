import { describe, expect, it } from 'vitest';
import { runCli } from './testing/run-cli.js';

describe('diffbatt CLI basics', () => {
  it('lists its commands in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/backend/);
    expect(stdout).toMatch(/datasets/);
  });

  it('lists the registered dataset plugins', async () => {
    const { code, stdout } = await runCli(['datasets', 'list', '--json']);
    expect(code).toBe(0);
    const ids = JSON.parse(stdout).plugins.map((p: { id: string }) => p.id);
    expect(ids).toContain('diffbatt');
  });

  it('reports the chosen backend and why faster ones were skipped', async () => {
    const plain = await runCli(['backend'], { DIFFBATT_BACKEND: '' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^backend: wasm \(fastest backend that loaded\)$/m);
    expect(plain.stdout).toMatch(/^skipped tensorflow: @tensorflow\/tfjs-node not installed$/m);
    const forced = await runCli(['backend'], { DIFFBATT_BACKEND: 'cpu' });
    expect(forced.stdout).toMatch(/^backend: cpu \(requested by DIFFBATT_BACKEND\)$/m);
  });

  it('turns a bad backend name into one line and a non-zero exit', async () => {
    const { code, stderr } = await runCli(['backend', '--backend', 'quantum']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'diffbatt: error: unknown backend "quantum" (from the --backend option); choose one of tensorflow-gpu, tensorflow, wasm, cpu',
    ]);
  });

  it('turns an unknown plugin id or an unreadable path into one line and a non-zero exit', async () => {
    const unknown = await runCli(['datasets', 'inspect', '.', '--plugin', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^diffbatt: error: unknown dataset plugin "nosuch"; known: diffbatt, matr, /),
    ]);
    const missing = await runCli(['datasets', 'inspect', '/definitely/not/here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'diffbatt: error: /definitely/not/here: cannot read: no such file or directory',
    ]);
  });
});
