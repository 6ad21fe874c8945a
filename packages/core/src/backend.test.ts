import { describe, expect, it } from 'vitest';
import { automaticReason, selectBackend } from './backend.js';

describe('selectBackend', () => {
  it('falls back past the absent native bindings to wasm and says why', async () => {
    const report = await selectBackend({ env: {} });
    expect(report.backend).toBe('wasm');
    expect(report.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    for (const skipped of report.skipped) expect(skipped.reason).toMatch(/not installed|failed to load/);
  });

  it('honours DIFFBATT_BACKEND and the explicit option over it', async () => {
    const tf = await import('@tensorflow/tfjs');
    const fromEnv = await selectBackend({ env: { DIFFBATT_BACKEND: 'cpu' } });
    expect(fromEnv).toMatchObject({ backend: 'cpu', reason: 'requested by DIFFBATT_BACKEND' });
    expect(tf.getBackend()).toBe('cpu');
    const fromOption = await selectBackend({ backend: 'wasm', env: { DIFFBATT_BACKEND: 'cpu' } });
    expect(fromOption).toMatchObject({ backend: 'wasm', reason: 'requested by options.backend' });
    // A caller says who asked, in its own words (the CLI: its --backend option).
    const named = await selectBackend({ backend: 'wasm', requestedBy: 'the --backend option' });
    expect(named.reason).toBe('requested by the --backend option');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown name and a requested backend that cannot load, in one line', async () => {
    await expect(selectBackend({ backend: 'gpu' })).rejects.toThrow(/unknown backend "gpu"/);
    await expect(selectBackend({ backend: 'tensorflow' })).rejects.toThrow(
      /backend "tensorflow" \(@tensorflow\/tfjs-node\) is unavailable: not installed/,
    );
  });

  it('names the package to add when a missing wasm backend leaves the pure-JS one', () => {
    const missing = { backend: 'wasm' as const, reason: '@tensorflow/tfjs-backend-wasm not installed' };
    expect(automaticReason('cpu', [missing])).toBe(
      'fallback: the pure-JS backend, about 30x slower than wasm; add @tensorflow/tfjs-backend-wasm to your project',
    );
    expect(automaticReason('wasm', [])).toBe('fastest available');
    const broken = { backend: 'wasm' as const, reason: '@tensorflow/tfjs-backend-wasm failed to load: x' };
    expect(automaticReason('cpu', [broken])).toBe('fastest backend that loaded');
  });
});
