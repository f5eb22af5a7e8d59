import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { parsePipelineConfig } from '@upshift/pipeline';
import { configFromForm, DEFAULT_DEMO_FORM, fullResolutionConfig } from './demo-form.js';

describe('configFromForm', () => {
  it('turns the defaults into a config the pipeline accepts', () => {
    const config = configFromForm(DEFAULT_DEMO_FORM);
    expect(config).toEqual({ policy: 'pyramid', steps: 20, seed: 0, guidance: 2, classLabels: 6, backend: 'auto' });
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
    expect(twin).toEqual({ policy: 'none', steps: 20, seed: 42, guidance: 2, classLabels: 6, backend: 'auto' });
    expect('policyOptions' in twin).toBe(false);
  });
});
