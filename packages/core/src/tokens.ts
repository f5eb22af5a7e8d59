/**
 * DI tokens, beside the interfaces they stand for (NgRx `tokens.ts` style). Plugins register
 * {@link PluginFactory} instances under the `*Factory` multi-tokens.
 */
import type { InjectionToken } from 'tsyringe';
import type { PluginFactory } from './plugin.js';
import type { Sampler } from './sampler.js';
import type { NoiseSchedule } from './schedule.js';
import type { Resizer } from './resizer.js';
import type { UpshiftPolicy } from './policy.js';
import type { Denoiser, ModelFactory } from './denoiser.js';
import type { StepHook } from './hook.js';
import type { BackendProvider } from './backend.js';
import type { DenoiserPoolProvider } from './denoiser-pool.js';
import type { ComputeMeter } from './compute-meter.js';
import type { NoiseSource } from './random.js';
import type { PowerSpectrum } from './spectrum.js';

/** Multi-token: sampler factories. */
export const SamplerFactory: InjectionToken<PluginFactory<Sampler>> = Symbol.for('@upshift/core:SamplerFactory');
/** Multi-token: noise schedule factories. */
export const ScheduleFactory: InjectionToken<PluginFactory<NoiseSchedule>> = Symbol.for('@upshift/core:ScheduleFactory');
/** Multi-token: resizer factories. */
export const ResizerFactory: InjectionToken<PluginFactory<Resizer>> = Symbol.for('@upshift/core:ResizerFactory');
/** Multi-token: upshift policy factories. */
export const PolicyFactory: InjectionToken<PluginFactory<UpshiftPolicy>> = Symbol.for('@upshift/core:PolicyFactory');
/** Multi-token: denoiser (model) factories. */
export const DenoiserFactory: InjectionToken<ModelFactory> = Symbol.for('@upshift/core:DenoiserFactory');
/** Multi-token: backend providers. */
export const Backend: InjectionToken<BackendProvider> = Symbol.for('@upshift/core:Backend');
/**
 * Optional: creates denoiser pools (worker threads / Web Workers) for runs whose `workers`
 * setting resolves to more than one.
 */
export const DenoiserPoolToken: InjectionToken<DenoiserPoolProvider> = Symbol.for('@upshift/core:DenoiserPool');
/** Multi-token: step hooks, run in registration order. */
export const StepHookToken: InjectionToken<StepHook> = Symbol.for('@upshift/core:StepHook');

/** Run-scoped: the sampler chosen for this run. */
export const SamplerToken: InjectionToken<Sampler> = Symbol.for('@upshift/core:Sampler');
/** Run-scoped: the noise schedule chosen for this run. */
export const NoiseScheduleToken: InjectionToken<NoiseSchedule> = Symbol.for('@upshift/core:NoiseSchedule');
/** Run-scoped: the resizer chosen for this run. */
export const ResizerToken: InjectionToken<Resizer> = Symbol.for('@upshift/core:Resizer');
/** Run-scoped: the upshift policy chosen for this run. */
export const UpshiftPolicyToken: InjectionToken<UpshiftPolicy> = Symbol.for('@upshift/core:UpshiftPolicy');
/** Run-scoped: the denoiser (model) for this run. */
export const DenoiserToken: InjectionToken<Denoiser> = Symbol.for('@upshift/core:Denoiser');
/** Run-scoped: the compute meter of this run. */
export const ComputeMeterToken: InjectionToken<ComputeMeter> = Symbol.for('@upshift/core:ComputeMeter');
/** Run-scoped: the run's seeded noise source. */
export const NoiseSourceToken: InjectionToken<NoiseSource> = Symbol.for('@upshift/core:NoiseSource');
/** Optional: the data's power spectrum (shipped with the model). */
export const PowerSpectrumToken: InjectionToken<PowerSpectrum> = Symbol.for('@upshift/core:PowerSpectrum');
