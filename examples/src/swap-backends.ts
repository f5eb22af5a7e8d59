/**
 * Swapping backends: the same config on the tfjs cpu and wasm backends (and WebGPU where an
 * adapter is there), one image each; the images agree to float rounding, the times do not.
 *
 *   node --import @oxc-node/core/register examples/src/swap-backends.ts
 */
import 'reflect-metadata';
import { collectRun, Pipeline } from '@upshift/pipeline';
import { psnr } from '@upshift/metrics';
import { QUICK, STEPS } from './quick.js';

const pipeline = new Pipeline();
const config = { policy: 'spectral', steps: STEPS, classLabels: 5, guidance: QUICK ? 1 : 2, workers: 1 };
try {
  const wasm = await collectRun(pipeline.run({ ...config, backend: 'wasm' }));
  const cpu = await collectRun(pipeline.run({ ...config, backend: 'cpu' }));
  let maxDiff = 0;
  wasm.done.image.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - cpu.done.image.data[i]!))));
  console.log(`wasm ${Math.round(wasm.done.stats.ms)} ms, cpu ${Math.round(cpu.done.stats.ms)} ms (same FLOPs: ${wasm.done.stats.flops === cpu.done.stats.flops})`);
  console.log(`largest pixel difference ${maxDiff.toExponential(2)}, PSNR ${psnr(wasm.done.image, cpu.done.image).mean.toFixed(1)} dB`);
} finally {
  pipeline.dispose();
}
