/**
 * A custom upshift policy: "coarsest level while sigma is above a threshold, then full
 * resolution", registered by name next to the built-in ones and picked by the config.
 *
 *   node --import @oxc-node/core/register examples/src/custom-policy.ts
 */
import 'reflect-metadata';
import { container } from 'tsyringe';
import { ConfigError, PolicyFactory } from '@upshift/core';
import type { PluginFactory, UpshiftPolicy } from '@upshift/core';
import { collectRun, Pipeline, registerAll } from '@upshift/pipeline';
import { STEPS } from './quick.js';

const coarseThenFull: PluginFactory<UpshiftPolicy> = {
  name: 'coarse-then-full',
  description: 'coarsest level while sigma > above, then full resolution',
  create: (options: unknown) => {
    const above = (options as { above?: unknown } | undefined)?.above;
    if (typeof above !== 'number' || !(above > 0)) throw new ConfigError('policyOptions.above', above, 'must be a number > 0');
    return { name: 'coarse-then-full', levels: (ctx) => ctx.sigmas.slice(0, -1).map((s) => (s > above ? ctx.maxLevel : 0)) };
  },
};

registerAll(container);
container.register(PolicyFactory, { useValue: coarseThenFull });
const pipeline = new Pipeline(container);
try {
  const { start, done } = await collectRun(pipeline.run({ policy: 'coarse-then-full', policyOptions: { above: 5 }, steps: STEPS, classLabels: 0, backend: 'wasm', workers: 1 }));
  console.log(`levels per step: ${start.plan.steps.map((s) => s.level).join(' ')}`);
  console.log(`FLOP fraction: planned ${start.plan.flopFraction.toFixed(3)}, measured ${done.stats.flopFraction.toFixed(3)}; ${Math.round(done.stats.ms)} ms`);
} finally {
  pipeline.dispose();
}
