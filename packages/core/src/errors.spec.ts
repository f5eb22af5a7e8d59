import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, ConfigError, HookError, ModelLoadError, UnknownPluginError, UpshiftError, describeValue } from './errors.js';

describe('typed errors', () => {
  it('ConfigError names the field and the value, and keeps both', () => {
    const error = new ConfigError('samplerOptions.eta', 2, 'must be in [0, 1]');
    expect(error).toBeInstanceOf(UpshiftError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('Invalid samplerOptions.eta = 2: must be in [0, 1]');
    expect(error.field).toBe('samplerOptions.eta');
    expect(error.value).toBe(2);
  });

  it.each([
    ['"karas"', 'karas'],
    ['NaN', Number.NaN],
    ['-1', -1],
    ['undefined', undefined],
    ['null', null],
    ['{"height":60,"width":64}', { height: 60, width: 64 }],
    ['true', true],
  ])('renders the value %s in the message', (shown, value) => {
    expect(describeValue(value)).toBe(shown);
    expect(new ConfigError('x', value, 'bad').message).toBe(`Invalid x = ${shown}: bad`);
  });

  it('shortens long values and survives values JSON cannot write', () => {
    expect(describeValue('a'.repeat(200))).toBe(JSON.stringify('a'.repeat(200)));
    const long = describeValue(Array.from({ length: 100 }, (_, i) => i));
    expect(long).toHaveLength(120);
    expect(long.endsWith('...')).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });

  it('UnknownPluginError is a ConfigError listing the registered names', () => {
    const error = new UnknownPluginError('policy', 'pyramids', ['none', 'pyramid']);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('UnknownPluginError');
    expect(error).toMatchObject({ field: 'policy', value: 'pyramids' });
    expect(error.message).toBe('Invalid policy = "pyramids": unknown name; registered: "none", "pyramid"');
    expect(new UnknownPluginError('model', 'x', []).message).toMatch(/registered: \(none\)$/);
  });

  it('HookError, BackendUnavailableError and ModelLoadError say what and why', () => {
    expect(new HookError('sneaky', 'sigma', 'not allowed').message).toBe('Step hook "sneaky" tried to change sigma: not allowed');
    const backend = new BackendUnavailableError('webgpu', 'no adapter');
    expect(backend).toMatchObject({ name: 'BackendUnavailableError', backend: 'webgpu', reason: 'no adapter' });
    expect(backend.message).toBe('Backend "webgpu" is not available here: no adapter');
    expect(new ModelLoadError('model.safetensors', 'truncated', 'conv.weight').message).toBe(
      'Cannot load model file model.safetensors (tensor "conv.weight"): truncated',
    );
    expect(new ModelLoadError('config.json', 'missing').message).toBe('Cannot load model file config.json: missing');
  });
});
