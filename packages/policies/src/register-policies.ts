/** Registers every policy factory of this package under core's `PolicyFactory` multi-token. */
import { PolicyFactory } from '@upshift/core';
import type { PluginFactory, UpshiftPolicy } from '@upshift/core';
import type { DependencyContainer } from 'tsyringe';
import { adaptivePolicyFactory } from './adaptive-policy.js';
import { bottleneckPolicyFactory } from './bottleneck-policy.js';
import { budgetPolicyFactory } from './budget-policy.js';
import { fixedPolicyFactory } from './fixed-policy.js';
import { nonePolicyFactory } from './none-policy.js';
import { pyramidPolicyFactory } from './pyramid-policy.js';
import { snrMatchedPolicyFactory } from './snr-matched-policy.js';
import { spectralPolicyFactory } from './spectral-policy.js';

/** Every policy factory of this package, in registration order. */
export const POLICY_FACTORIES: readonly PluginFactory<UpshiftPolicy>[] = [
  nonePolicyFactory,
  fixedPolicyFactory,
  pyramidPolicyFactory,
  spectralPolicyFactory,
  adaptivePolicyFactory,
  budgetPolicyFactory,
  bottleneckPolicyFactory,
  snrMatchedPolicyFactory,
];

/** Registers none, fixed, pyramid, spectral, adaptive, budget, bottleneck and snr-matched. */
export function registerPolicies(container: DependencyContainer): DependencyContainer {
  for (const factory of POLICY_FACTORIES) container.register(PolicyFactory, { useValue: factory });
  return container;
}
