/**
 * Watching and changing the level: a subscriber logs every step and level change (it only
 * watches); a step hook (it may change what the next step does, through an allow-list) keeps
 * the run at full resolution once the x0 estimate's fine detail is strong, upshifting early.
 *
 *   node --import @oxc-node/core/register examples/src/level-hook.ts
 */
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import type { StepHook } from '@upshift/core';
import { Pipeline } from '@upshift/pipeline';
import { STEPS } from './quick.js';

/** Upshifts to full resolution as soon as sigma falls below `below` (even if the plan says later). */
function upshiftBelow(below: number): StepHook & { decisions: string[] } {
  const decisions: string[] = [];
  return {
    name: 'upshift-below',
    decisions,
    afterStep(ctx) {
      // Reading a statistic of the x0 estimate (a watch that costs one small download).
      const detail = tf.tidy(() => tf.moments(ctx.denoised).variance.dataSync()[0]!);
      if (ctx.nextLevel > 0 && ctx.sigmaNext < below) {
        decisions.push(`step ${ctx.index + 1}: level ${ctx.nextLevel} -> 0 (sigma ${ctx.sigmaNext.toFixed(2)}, x0 variance ${detail.toFixed(3)})`);
        return { level: 0 };
      }
      return undefined;
    },
  };
}

const pipeline = new Pipeline();
const hook = upshiftBelow(8);
try {
  await new Promise<void>((resolve, reject) => {
    pipeline.run({ policy: 'pyramid', steps: STEPS, classLabels: 3, backend: 'wasm', workers: 1 }, { hooks: [hook] }).subscribe({
      next: (e) => {
        if (e.type === 'start') console.log(`plan: ${e.plan.steps.map((s) => s.level).join(' ')}`);
        if (e.type === 'resolution-change') console.log(`before step ${e.index + 1}: level ${e.from} -> ${e.to} (${typeof e.cause === 'string' ? e.cause : `hook ${e.cause.hook}`})`);
        if (e.type === 'step') console.log(`step ${e.index + 1}/${e.steps} at level ${e.level}, sigma ${e.sigma.toFixed(2)}, ${Math.round(e.ms)} ms`);
        if (e.type === 'done') console.log(`done: levels ${e.stats.levels.join(' ')}, FLOP fraction ${e.stats.flopFraction.toFixed(3)}`);
      },
      error: reject,
      complete: resolve,
    });
  });
  for (const d of hook.decisions) console.log(`hook: ${d}`);
} finally {
  pipeline.dispose();
}
