/**
 * Measuring a policy against full resolution, as `upshift eval` does for every policy: the same
 * seeds and labels at full resolution and under the policy, then FLOPs, paired PSNR / SSIM and
 * SWD with @upshift/metrics.
 *
 *   node --import @oxc-node/core/register examples/src/measure-policy.ts [policy]
 */
import 'reflect-metadata';
import { collectRun, Pipeline } from '@upshift/pipeline';
import { imageSwd, psnr, ssim, SWD_REPORT_SCALE } from '@upshift/metrics';
import { QUICK, STEPS } from './quick.js';

const policy = process.argv[2] ?? 'pyramid';
const batch = QUICK ? 2 : 9;
const common = { steps: STEPS, batch, classLabels: Array.from({ length: batch }, (_, i) => i), backend: 'wasm', seed: 7 };
const pipeline = new Pipeline();
try {
  const full = await collectRun(pipeline.run({ ...common, policy: 'none' }));
  const run = await collectRun(pipeline.run({ ...common, policy }));
  const swd = imageSwd(run.done.image, full.done.image, { minResolution: 16 }).levels.map((l) => (l.distance * SWD_REPORT_SCALE).toFixed(1));
  console.log(`${policy}: FLOP fraction ${(run.done.stats.flops / full.done.stats.flops).toFixed(3)}, time ${(run.done.stats.ms / full.done.stats.ms).toFixed(2)} of full`);
  console.log(`paired PSNR ${psnr(run.done.image, full.done.image).mean.toFixed(1)} dB, SSIM ${ssim(run.done.image, full.done.image).mean.toFixed(3)}, SWD vs full ${swd.join(' / ')} (x1e3)`);
  console.log(`(${batch} images: a few images show the mechanics; \`upshift eval\` measures with a noise band)`);
} finally {
  pipeline.dispose();
}
