import { describe, expect, it } from 'vitest';
import { container } from 'tsyringe';
import { ConfigError, SamplerFactory } from '@upshift/core';
import { registerSamplers } from './index.js';

function expectConfigError(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).field).toBe(field);
}

describe('registerSamplers', () => {
  const c = container.createChildContainer();
  registerSamplers(c);
  const factories = new Map(c.resolveAll(SamplerFactory).map((f) => [f.name, f]));

  it('registers every sampler by name, each building a sampler of that name', async () => {
    expect([...factories.keys()]).toEqual(['euler', 'euler-ancestral', 'heun', 'ddim', 'ddpm', 'dpmpp-2m', 'dpmpp-2m-sde']);
    for (const [name, f] of factories) {
      expect(f.description.length).toBeGreaterThan(0);
      expect((await f.create(undefined, c)).name).toBe(name);
    }
  });

  it('applies options', async () => {
    expect((await factories.get('ddim')!.create({ eta: 0.5 }, c)).stochastic).toBe(true);
    expect((await factories.get('ddim')!.create({}, c)).stochastic).toBe(false);
    expect((await factories.get('euler-ancestral')!.create({ eta: 0 }, c)).stochastic).toBe(false);
    expect((await factories.get('dpmpp-2m-sde')!.create({ eta: 0 }, c)).stochastic).toBe(false);
  });

  it('rejects bad options naming samplerOptions.<field>', () => {
    expectConfigError(() => factories.get('ddim')!.create({ eta: -0.1 }, c), 'samplerOptions.eta');
    expectConfigError(() => factories.get('ddim')!.create({ eta: 'high' }, c), 'samplerOptions.eta');
    expectConfigError(() => factories.get('euler-ancestral')!.create({ eta: 2 }, c), 'samplerOptions.eta');
    expectConfigError(() => factories.get('ddpm')!.create({ variance: 'large' }, c), 'samplerOptions.variance');
    expectConfigError(() => factories.get('dpmpp-2m')!.create({ onLevelChange: 'drop' }, c), 'samplerOptions.onLevelChange');
    expectConfigError(() => factories.get('euler')!.create({ eta: 1 }, c), 'samplerOptions.eta');
    expectConfigError(() => factories.get('heun')!.create([1], c), 'samplerOptions');
  });
});
