/**
 * Which kernels a training step's gradient spends its time in on a backend (issue 15's "profile a step"):
 * `tf.profile` over one loss-and-gradient computation of the default U-Net (with the fast preset's offset
 * head) at a given batch, synthetic inputs of the real shapes. Prints kernels grouped by name, slowest
 * first, with call counts; the profiler's own overhead inflates the absolute times, so read the shares.
 *
 *   node --conditions=@diffbatt/source --import tsx benchmarks/speed/profile-step.ts [--backend wasm] [--batch 21] [--top 25]
 */

import { parseArgs } from 'node:util';
import { denoisingLoss } from '../../packages/diffusion/src/index.js';
import { dropCapacityCondition } from '../../packages/unet/src/denoiser.js';
import { gradientSetup, tf } from './gradient-setup.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '21' },
    top: { type: 'string', default: '25' },
  },
});
const batch = Number(values.batch);
const { report, variables, denoiser, schedule, x0, condition } = await gradientSetup(
  values.backend as string,
  batch,
);
const loss = () =>
  denoisingLoss({
    schedule,
    denoiser,
    batch: { x0, condition },
    seed: 1,
    training: true,
    conditionDropout: { probability: 0.2, drop: dropCapacityCondition },
  });
const gradientOnce = () => {
  const { value, grads } = tf.variableGrads(loss, variables);
  tf.dispose([value, ...Object.values(grads)]);
};
gradientOnce(); // warm-up: kernels compiled, weights initialised
const info = await tf.profile(gradientOnce);
const byName = new Map<string, { ms: number; calls: number }>();
let total = 0;
for (const kernel of info.kernels) {
  const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
  total += ms;
  const entry = byName.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls++;
  byName.set(kernel.name, entry);
}
console.log(
  `${report.backend}, batch ${batch}: ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms of kernel time (profiled)`,
);
console.log(`${'kernel'.padEnd(28)} ${'ms'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)}`);
for (const [name, { ms, calls }] of [...byName.entries()]
  .sort((a, b) => b[1].ms - a[1].ms)
  .slice(0, Number(values.top))) {
  console.log(
    `${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ${`${((100 * ms) / total).toFixed(0)}%`.padStart(6)} ${String(calls).padStart(6)}`,
  );
}
