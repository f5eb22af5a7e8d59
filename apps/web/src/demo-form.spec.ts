import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { DEFAULT_PIPELINE_CONFIG, parsePipelineConfig } from '@upshift/pipeline';
import { configFromForm, demoFormDefaults, fullResolutionConfig } from './demo-form.js';

const DEFAULT_DEMO_FORM = demoFormDefaults(DEFAULT_PIPELINE_CONFIG);

describe('configFromForm', () => {
  it('takes seed, guidance and backend from the pipeline\'s defaults', () => {
    const form = demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, seed: 9, guidance: 3.5, backend: 'wasm' });
    expect([form.seed, form.guidance, form.backend]).toEqual(['9', '3.5', 'wasm']);
    expect(demoFormDefaults({ ...DEFAULT_PIPELINE_CONFIG, guidance: undefined }).guidance).toBe('1');
  });

  it('turns the defaults into a config the pipeline accepts', () => {
    const config = configFromForm(DEFAULT_DEMO_FORM);
    const { seed, guidance, backend } = DEFAULT_PIPELINE_CONFIG;
    expect(config).toEqual({ policy: 'pyramid', steps: 20, seed, guidance, classLabels: 6, backend, previews: true });
    expect(parsePipelineConfig(config).policy).toBe('pyramid');
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
  });

  it('makes the full-resolution twin of a run: same seed and class, policy none, no policy options', () => {
    const run = configFromForm({ ...DEFAULT_DEMO_FORM, policy: 'budget', seed: '42' });
    const twin = fullResolutionConfig(run);
    const { guidance, backend } = DEFAULT_PIPELINE_CONFIG;
    expect(twin).toEqual({ policy: 'none', steps: 20, seed: 42, guidance, classLabels: 6, backend, previews: true });
    expect('policyOptions' in twin).toBe(false);
  });
});
