/**
 * The preflight: what a run checks before any backend starts or any weights load. With the
 * real model factory (the tiny UNet fixture, described from its config.json), a bad resizer
 * option, a class the model does not know, too many guidance levels and a budget below the
 * cheapest plan fail with a ConfigError naming the field and value while no backend has been
 * activated and no model created; a RunPlanner (the server's submit check) refuses the same;
 * stage options that could never take effect (stopBefore past the end or behind a resumed
 * run's start, a suspendSignal that is not an AbortSignal) are refused too. Nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { Backend, ConfigError, DenoiserFactory } from '@upshift/core';
import type { BackendProvider, ModelFactory } from '@upshift/core';
import { cpuBackendProvider } from '@upshift/backend-cpu';
import { emojiUNetFactory } from '@upshift/models';
import { collectRun, collectStage } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import type { RunOptions } from './pipeline.js';
import { registerAll } from './register-all.js';
import { RunPlanner } from './run-planner.js';
import { preflightRun } from './run-preflight.js';
import { TEST_CONFIG, createTestContainer } from './test-kit.js';

const TINY = { model: 'emoji-unet', modelOptions: { path: fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url)) }, backend: 'cpu', steps: 4 };

/** A container with every plugin; the cpu backend and the model factory count what they do. */
function countingContainer(): { container: DependencyContainer; counts: { activated: number; created: number } } {
  const counts = { activated: 0, created: 0 };
  const container = rootContainer.createChildContainer();
  registerAll(container, { backends: false });
  // The real cpu backend, counting its activations.
  const cpu: BackendProvider = {
    ...cpuBackendProvider,
    async activate() {
      counts.activated++;
      await cpuBackendProvider.activate();
    },
  };
  container.register(Backend, { useValue: cpu });
  const model: ModelFactory = {
    name: 'emoji-unet',
    description: 'the emoji UNet factory, counting loads',
    create: async (options, c) => {
      counts.created++;
      return emojiUNetFactory.create(options, c);
    },
    describe: (options) => emojiUNetFactory.describe!(options),
  };
  container.register(DenoiserFactory, { useValue: model });
  return { container, counts };
}

async function errorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no error');
}

let baseline: number;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  baseline = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('preflight: refused before any backend or weights', () => {
  const bad: [string, Record<string, unknown>, string, unknown][] = [
    ['a resizer option box-exact does not take', { resizerOptions: { bogus: 1 } }, 'resizerOptions.bogus', 1],
    ['a detail-prior strength out of range', { resizer: 'detail-prior', resizerOptions: { strength: 9 } }, 'resizerOptions.strength', 9],
    ['a class the model does not know (9 classes)', { batch: 2, classLabels: [0, 12] }, 'classLabels[1]', 12],
    ['more guidance levels than the model has (4)', { guidanceLevels: [1, 2, 3, 4, 5] }, 'guidanceLevels', [1, 2, 3, 4, 5]],
    ['a budget below the cheapest plan', { policy: 'budget', policyOptions: { fraction: 0.01 } }, 'policyOptions.fraction', 0.01],
    ['a resolution the network cannot take', { resolution: { height: 36, width: 36 } }, 'resolution', '36x36'],
  ];
  for (const [what, change, field, value] of bad) {
    it(`${what}: ConfigError ${field}, no backend activated, no model created; the planner refuses it too`, async () => {
      const { container, counts } = countingContainer();
      const pipeline = new Pipeline(container);
      const error = await errorOf(collectRun(pipeline.run({ ...TINY, ...change })));
      expect(error.field).toBe(field);
      expect(error.value).toEqual(value);
      expect(counts).toEqual({ activated: 0, created: 0 });
      const planned = await errorOf(new RunPlanner(container).preview({ ...TINY, ...change }));
      expect(planned.message).toBe(error.message);
      await pipeline.whenIdle();
      pipeline.dispose();
    });
  }

  it('a good config passes and runs with the plan the preflight made; a detail prior takes the spectrum from the description', async () => {
    const { container, counts } = countingContainer();
    const config = { ...TINY, resizer: 'detail-prior', policy: 'pyramid', steps: 3, resolution: { height: 32, width: 32 }, batch: 2, classLabels: [0, null] };
    const child = container.createChildContainer();
    const pre = await preflightRun({ root: container, child, config });
    await child.dispose();
    expect(counts).toEqual({ activated: 0, created: 0 });
    const pipeline = new Pipeline(container);
    const { start } = await collectRun(pipeline.run(config));
    expect(start.plan).toEqual(pre.plan);
    expect(counts).toEqual({ activated: 1, created: 1 });
    await pipeline.whenIdle();
    pipeline.dispose();
  });

  it('with a backend named, a batch that cannot fit its memory (wasm: 4 GiB) is refused, naming batch', async () => {
    const container = rootContainer.createChildContainer();
    registerAll(container);
    const child = container.createChildContainer();
    const error = await errorOf(preflightRun({ root: container, child, config: { model: 'emoji-unet', batch: 64, resolution: { height: 128, width: 128 }, classLabels: 0 }, memory: { backend: 'wasm' } }));
    expect(error.field).toBe('batch');
    expect(error.message).toMatch(/more than the wasm backend can hold/);
    // Split over 32 workers, each call has 2 images: they fit.
    await preflightRun({ root: container, child, config: { model: 'emoji-unet', batch: 64, resolution: { height: 128, width: 128 }, classLabels: 0 }, memory: { backend: 'wasm', workers: 32 } });
    await child.dispose();
  });
});

describe('stage options that could never take effect', () => {
  let pipeline: Pipeline;
  beforeEach(async () => {
    pipeline = new Pipeline(createTestContainer());
  });
  afterEach(async () => {
    await pipeline.whenIdle();
    pipeline.dispose();
  });
  const config = { ...TEST_CONFIG, steps: 6, policy: 'pyramid' };
  const refused = (c: unknown, options: RunOptions | Record<string, unknown>) => errorOf(collectStage(pipeline.run(c, options as RunOptions)));

  it('stopBefore past the last step, or behind the step a resumed run starts at; stopBefore = steps runs to the end', async () => {
    expect((await refused(config, { stopBefore: 7 })).message).toBe('Invalid options.stopBefore = 7: must be <= steps (6): the run has steps 0..5');
    expect((await collectStage(pipeline.run(config, { stopBefore: 6 }))).end.type).toBe('done');
    const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { everySteps: 2 } }));
    const at4 = checkpoints.find((c) => c.checkpoint.index === 4)!.checkpoint;
    expect((await refused(undefined, { resumeFrom: at4, stopBefore: 1 })).message).toBe('Invalid options.stopBefore = 1: must be >= 4: the resumed run starts at step 4');
    const stopped = await collectStage(pipeline.run(undefined, { resumeFrom: at4, stopBefore: 5 }));
    expect(stopped.end.type).toBe('suspended');
  });

  it('a suspendSignal that is not an AbortSignal', async () => {
    const error = await refused(config, { suspendSignal: 'soon' });
    expect(error.field).toBe('options.suspendSignal');
    expect(error.message).toMatch(/must be an AbortSignal/);
  });
});
