import type { DependencyContainer } from 'tsyringe';
import { SamplerFactory } from '@upshift/core';
import { ddimSamplerFactory } from './ddim-sampler.js';
import { ddpmSamplerFactory } from './ddpm-sampler.js';
import { dpmPp2mSamplerFactory } from './dpmpp-2m-sampler.js';
import { dpmPp2mSdeSamplerFactory } from './dpmpp-2m-sde-sampler.js';
import { eulerAncestralSamplerFactory } from './euler-ancestral-sampler.js';
import { eulerSamplerFactory } from './euler-sampler.js';
import { heunSamplerFactory } from './heun-sampler.js';

/** Every sampler factory of this package, in registration order. */
export const SAMPLER_FACTORIES = [
  eulerSamplerFactory,
  eulerAncestralSamplerFactory,
  heunSamplerFactory,
  ddimSamplerFactory,
  ddpmSamplerFactory,
  dpmPp2mSamplerFactory,
  dpmPp2mSdeSamplerFactory,
] as const;

/**
 * Registers the samplers under the `SamplerFactory` multi-token: "euler", "euler-ancestral",
 * "heun", "ddim", "ddpm", "dpmpp-2m", "dpmpp-2m-sde".
 */
export function registerSamplers(container: DependencyContainer): void {
  for (const factory of SAMPLER_FACTORIES) container.register(SamplerFactory, { useValue: factory });
}
