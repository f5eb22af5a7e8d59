/**
 * Finds a registered {@link PluginFactory} by the name in the config and builds the plugin,
 * so every plugin kind is chosen the same way (and an unknown name lists the known ones).
 */
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { UnknownPluginError } from '@upshift/core';
import type { PluginFactory } from '@upshift/core';

/** Every factory registered under `token` (empty when none is). */
export function registeredFactories<F extends PluginFactory<unknown>>(container: DependencyContainer, token: InjectionToken<F>): F[] {
  return container.isRegistered(token, true) ? container.resolveAll(token) : [];
}

/**
 * The factory named `name` under `token`. When several share a name the last registered wins,
 * so an application can shadow a built-in plugin.
 *
 * @throws UnknownPluginError naming `field`, the value and the registered names.
 */
export function findFactory<F extends PluginFactory<unknown>>(container: DependencyContainer, token: InjectionToken<F>, field: string, name: string): F {
  const factories = registeredFactories(container, token);
  for (let i = factories.length - 1; i >= 0; i--) if (factories[i]!.name === name) return factories[i]!;
  throw new UnknownPluginError(field, name, [...new Set(factories.map((f) => f.name))]);
}
