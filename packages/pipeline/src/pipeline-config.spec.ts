import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, DenoiserFactory, UnknownPluginError } from '@upshift/core';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { DEFAULT_PIPELINE_CONFIG, PipelineConfigSchema, parsePipelineConfig } from './pipeline-config.js';
import { Pipeline } from './pipeline.js';
import { collectRun } from './collect-run.js';
import { TEST_CONFIG, createTestContainer } from './test-kit.js';

/** The ConfigError a call throws (fails the test if it throws something else or nothing). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parsePipelineConfig', () => {
  it('fills defaults for absent fields and keeps the given ones', () => {
    const config = parsePipelineConfig({ steps: 12, policy: 'pyramid', policyOptions: { stages: [] } });
    expect(config).toEqual({ ...DEFAULT_PIPELINE_CONFIG, steps: 12, policy: 'pyramid', policyOptions: { stages: [] } });
    expect(DEFAULT_PIPELINE_CONFIG).toMatchObject({
      model: 'emoji-unet',
      sampler: 'euler',
      schedule: 'karras',
      policy: 'none',
      resizer: 'box-exact',
      backend: 'auto',
      steps: 30,
      seed: 0,
      batch: 1,
      guidance: 2,
    });
    // The defaults are a complete config by themselves, and JSON round-trips.
    expect(PipelineConfigSchema.safeParse(DEFAULT_PIPELINE_CONFIG).success).toBe(true);
    expect(parsePipelineConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it.each([
    [{ steps: 0 }, 'steps', 0, /must be >= 1/],
    [{ steps: -3 }, 'steps', -3, /must be >= 1/],
    [{ steps: 2.5 }, 'steps', 2.5, /integer/],
    [{ steps: '10' }, 'steps', '10', /number/],
    [{ steps: Number.NaN }, 'steps', Number.NaN, /number/],
    [{ seed: -1 }, 'seed', -1, />= 0/],
    [{ seed: 1.5 }, 'seed', 1.5, /integer/],
    [{ batch: 0 }, 'batch', 0, />= 1/],
    [{ sampler: '' }, 'sampler', '', /non-empty/],
    [{ model: 42 }, 'model', 42, /plugin name/],
    [{ resolution: { height: -64, width: 64 } }, 'resolution.height', -64, />= 1/],
    [{ resolution: { height: 64 } }, 'resolution.width', undefined, /required/],
    [{ resolution: { height: 64, width: 64, depth: 3 } }, 'resolution.depth', 3, /unknown field/],
    [{ guidance: Number.NaN }, 'guidance', Number.NaN, /number/],
    [{ guidance: -1 }, 'guidance', -1, />= 0/],
    [{ classLabels: [1, 2], batch: 3 }, 'classLabels', [1, 2], /one label per batch item \(batch = 3\)/],
    [{ classLabels: -1 }, 'classLabels', -1, /label/],
    [{ upshiftNoise: 'sometimes' }, 'upshiftNoise', 'sometimes', /"coupled" or "fresh"/],
    [{ previews: 'yes' }, 'previews', 'yes', /true or false/],
    [{ stpes: 10 }, 'stpes', 10, /unknown field/],
    [{ steps: undefined }, 'steps', undefined, /is required/],
    [{ model: undefined }, 'model', undefined, /is required/],
  ])('rejects %j naming the field and value', (input, field, value, reason) => {
    const error = configErrorOf(() => parsePipelineConfig(input));
    expect(error.field).toBe(field);
    if (Number.isNaN(value)) expect(error.value).toBeNaN();
    else expect(error.value).toEqual(value);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(field);
  });

  it('without defaults, reports each missing field by name', () => {
    const complete = { model: 'm', sampler: 'euler', schedule: 'karras', policy: 'none', resizer: 'box-exact', backend: 'cpu', steps: 4, seed: 0, batch: 1 };
    expect(parsePipelineConfig(complete, { defaults: false })).toEqual(complete);
    for (const field of Object.keys(complete)) {
      const partial: Record<string, unknown> = { ...complete };
      delete partial[field];
      const error = configErrorOf(() => parsePipelineConfig(partial, { defaults: false }));
      expect(error.field).toBe(field);
      expect(error.value).toBeUndefined();
      expect(error.message).toBe(`Invalid ${field} = undefined: is required`);
    }
  });

  it('rejects a config that is not an object', () => {
    expect(configErrorOf(() => parsePipelineConfig(null)).field).toBe('config');
    expect(configErrorOf(() => parsePipelineConfig([1])).field).toBe('config');
  });

  it('an optional field given as undefined keeps its default', () => {
    expect(parsePipelineConfig({ guidance: undefined }).guidance).toBe(DEFAULT_PIPELINE_CONFIG.guidance);
  });
});

describe('Pipeline.run: bad configs reach the error channel as ConfigError', () => {
  let pipeline: Pipeline;
  let baseline: number;
  let created: number;

  beforeEach(async () => {
    const container = createTestContainer();
    created = 0;
    container.register(DenoiserFactory, {
      useValue: {
        name: 'levels4',
        description: 'gaussian with 4 levels',
        create: () => (created++, createFactoryGaussianDenoiser({ mean: 0, std: 0.5, channels: 3, numLevels: 4 })),
      },
    });
    pipeline = new Pipeline(container);
    await tf.setBackend('cpu');
    baseline = tf.memory().numTensors;
  });

  afterEach(async () => {
    await pipeline.whenIdle();
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  const failure = async (config: object): Promise<ConfigError> => {
    const error = await collectRun(pipeline.run(config)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  };

  it.each([
    ['sampler', 'eulr'],
    ['schedule', 'karas'],
    ['policy', 'pyramids'],
    ['resizer', 'box'],
    ['model', 'stable-diffusion'],
    ['backend', 'tpu'],
  ])('unknown %s name %j: UnknownPluginError listing the registered names, before any model is made', async (field, name) => {
    const error = await failure({ ...TEST_CONFIG, model: 'levels4', [field]: name });
    expect(error).toBeInstanceOf(UnknownPluginError);
    expect(error.field).toBe(field);
    expect(error.value).toBe(name);
    expect(error.message).toMatch(/registered: /);
    if (field !== 'backend') expect(created).toBe(0);
  });

  it.each([
    [{ scheduleOptions: { sigmaMax: Number.NaN } }, 'scheduleOptions.sigmaMax', Number.NaN],
    [{ scheduleOptions: { sigmaMax: -5 } }, 'scheduleOptions.sigmaMax', -5],
    [{ scheduleOptions: { sigmaMin: 0 } }, 'scheduleOptions.sigmaMin', 0],
    [{ sampler: 'ddim', samplerOptions: { eta: 2 } }, 'samplerOptions.eta', 2],
    [{ policy: 'fixed', policyOptions: { level: 7 } }, 'policyOptions.level', 7],
    [{ resizerOptions: { bogus: 1 } }, 'resizerOptions.bogus', 1],
    [{ model: 'gaussian', modelOptions: { std: -1 } }, 'modelOptions.std', -1],
  ])('plugin options %j: ConfigError naming %s and the value', async (patch, field, value) => {
    const error = await failure({ ...TEST_CONFIG, model: 'levels4', ...patch });
    expect(error.field).toBe(field);
    if (Number.isNaN(value)) expect(error.value).toBeNaN();
    else expect(error.value).toBe(value);
    expect(error.message).toContain(`Invalid ${field} = ${Number.isNaN(value) ? 'NaN' : value}: `);
  });

  it('a resolution the network cannot take: ConfigError naming resolution, before the model is made (from its description)', async () => {
    // A model whose network needs sides that are multiples of 8, and which says so up front.
    const c = createTestContainer();
    let made = 0;
    c.register(DenoiserFactory, {
      useValue: {
        name: 'unet-like',
        description: 'gaussian with 4 levels, sides multiples of 8',
        describe: async () => ({ numLevels: 4, sideMultiple: 8 }),
        create: () => (made++, Object.assign(createFactoryGaussianDenoiser({ mean: 0, std: 0.5, channels: 3, numLevels: 4 }), { sideMultiple: 8 })),
      },
    });
    const own = new Pipeline(c);
    try {
      const error = await collectRun(own.run({ ...TEST_CONFIG, model: 'unet-like', resolution: { height: 60, width: 64 } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field: 'resolution', value: '60x64' });
      expect((error as Error).message).toBe(
        'Invalid resolution = "60x64": height and width must be multiples of 8 for model "unet-like" (its network halves the image 3 times); e.g. 64x64',
      );
      expect(made).toBe(0);
      // 48x32 fits at level 0 and 1 only (24x16; 12x8 is not a multiple of 8): the plan stops there.
      const { start } = await collectRun(own.run({ ...TEST_CONFIG, model: 'unet-like', policy: 'fixed', resolution: { height: 48, width: 32 } }));
      expect(Math.max(...start.plan.steps.map((s) => s.level))).toBe(1);
      expect(made).toBe(1);
    } finally {
      await own.whenIdle();
      own.dispose();
    }
  });

  it('a denoiser given to the run (no factory to describe it) is checked before its first call', async () => {
    const denoiser = Object.assign(createFactoryGaussianDenoiser({ mean: 0, std: 0.5, channels: 3 }), { sideMultiple: 8 });
    const calls = vi.spyOn(denoiser, 'denoise');
    try {
      const error = await collectRun(pipeline.run({ ...TEST_CONFIG, resolution: { height: 20, width: 24 } }, { denoiser })).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ConfigError', field: 'resolution', value: '20x24' });
      expect((error as Error).message).toMatch(/must be multiples of 8 for model "gaussian"/);
      expect(calls).not.toHaveBeenCalled();
    } finally {
      denoiser.dispose();
    }
  });

  it('a bad top-level field fails before any model is made', async () => {
    const error = await failure({ ...TEST_CONFIG, model: 'levels4', steps: 0 });
    expect(error.field).toBe('steps');
    expect(error.value).toBe(0);
    expect(created).toBe(0);
  });
});
