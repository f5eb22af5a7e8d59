import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { EMOJI_UNET_ASSETS, loadModelConfig } from '@upshift/models';
import { DEFAULT_PIPELINE_CONFIG, parsePipelineConfig, withRecommendedSampling } from '@upshift/pipeline';
import { configFromForm, demoFormDefaults, fullResolutionConfig } from './demo-form.js';

// A model recommending the pyramid policy, 20 steps and guidance 2.
const DEFAULT_DEMO_FORM = demoFormDefaults(DEFAULT_PIPELINE_CONFIG, { policy: 'pyramid', steps: 20, guidance: 2 });

describe('configFromForm', () => {
  it('starts from the model\'s recommended sampling, then the pipeline\'s defaults', () => {
    const form = demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, seed: 9, guidance: 3.5, backend: 'wasm', steps: 30 }, { policy: 'spectral', steps: 12, guidance: 4 });
    expect(form).toMatchObject({ policy: 'spectral', steps: '12', guidance: '4', seed: '9', backend: 'wasm' });
    // Without a recommendation: the pipeline's own defaults (its policy "none" is in the menu).
    expect(demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, seed: 9, guidance: 3.5, steps: 30 })).toMatchObject({ policy: 'none', steps: '30', guidance: '3.5', seed: '9' });
    expect(demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, guidance: undefined }).guidance).toBe('1');
    // A recommended policy the form does not offer falls back to the pipeline's, then pyramid.
    expect(demoFormDefaults(DEFAULT_PIPELINE_CONFIG, { policy: 'adaptive' }).policy).toBe('none');
    expect(demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, policy: 'adaptive' }, { policy: 'adaptive' }).policy).toBe('pyramid');
  });

  it('turns the defaults into a config the pipeline accepts', () => {
    const config = configFromForm(DEFAULT_DEMO_FORM);
    const { seed, backend } = DEFAULT_PIPELINE_CONFIG;
    expect(config).toEqual({ policy: 'pyramid', steps: 20, seed, guidance: 2, classLabels: 6, backend, previews: true });
    expect(parsePipelineConfig(config).policy).toBe('pyramid');
  });

  it('leaves workers to the app on "auto", passes a count otherwise', () => {
    expect(DEFAULT_DEMO_FORM.workers).toBe('auto');
    expect('workers' in configFromForm(DEFAULT_DEMO_FORM)).toBe(false);
    expect(configFromForm({ ...DEFAULT_DEMO_FORM, workers: '2' }).workers).toBe(2);
    expect(parsePipelineConfig(configFromForm({ ...DEFAULT_DEMO_FORM, workers: '1' })).workers).toBe(1);
  });

  it('passes the budget fraction only to the budget policy, and "" means unconditional', () => {
    const config = configFromForm({ ...DEFAULT_DEMO_FORM, policy: 'budget', budget: '0.3', classLabel: '' });
    expect(config.policyOptions).toEqual({ fraction: 0.3 });
    expect(config.classLabels).toBeNull();
    expect(configFromForm({ ...DEFAULT_DEMO_FORM, budget: 'x' }).policyOptions).toBeUndefined();
  });

  it('names the control that is not a number', () => {
    const bad = (values: Partial<typeof DEFAULT_DEMO_FORM>) => () => configFromForm({ ...DEFAULT_DEMO_FORM, ...values });
    expect(bad({ steps: '2.5' })).toThrow(ConfigError);
    expect(bad({ steps: '2.5' })).toThrow(/steps = "2.5".*integer/);
    expect(bad({ seed: '' })).toThrow(/seed/);
    expect(bad({ guidance: 'abc' })).toThrow(/guidance = "abc"/);
    expect(bad({ policy: 'budget', budget: 'half' })).toThrow(/policyOptions.fraction/);
    expect(bad({ policy: 'adaptive' })).toThrow(/policy = "adaptive"/);
    expect(bad({ workers: 'many' })).toThrow(/workers = "many"/);
  });

  it('makes the full-resolution twin of a run: same seed and class, policy none, no policy options', () => {
    const run = configFromForm({ ...DEFAULT_DEMO_FORM, policy: 'budget', seed: '42' });
    const twin = fullResolutionConfig(run);
    expect(twin).toEqual({ policy: 'none', steps: 20, seed: 42, guidance: 2, classLabels: 6, backend: DEFAULT_PIPELINE_CONFIG.backend, previews: true });
    expect('policyOptions' in twin).toBe(false);
  });
});

describe("the shipped model's recommended sampling", () => {
  it('reaches a run of the untouched form, and the paired full-resolution run keeps its guidance interval', async () => {
    const { sampling } = await loadModelConfig(EMOJI_UNET_ASSETS);
    expect(sampling?.guidanceInterval).toBeDefined();
    const form = demoFormDefaults(DEFAULT_PIPELINE_CONFIG, sampling);
    // what the worker runs: the form's config, then the recommendation (pipeline-host.ts)
    const run = withRecommendedSampling(configFromForm(form), sampling);
    expect(run).toMatchObject({ policy: sampling!.policy, policyOptions: sampling!.policyOptions, steps: sampling!.steps, guidance: sampling!.guidance, guidanceInterval: sampling!.guidanceInterval, sampler: sampling!.sampler });
    expect(parsePipelineConfig(run).policy).toBe(sampling!.policy);
    const full = withRecommendedSampling(fullResolutionConfig(configFromForm(form)), sampling);
    expect(full).toMatchObject({ policy: 'none', guidanceInterval: sampling!.guidanceInterval });
    expect(full).not.toHaveProperty('policyOptions');
  });
});
