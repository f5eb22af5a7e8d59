import type { DependencyContainer } from 'tsyringe';

/**
 * A named factory for a plugin (sampler, schedule, policy, resizer, model). Plugin packages
 * register factories under a multi-token in their `registerX(container)`; the pipeline picks
 * one by the name in the JSON config and passes the options object, which the factory
 * validates (throwing ConfigError naming the field).
 */
export interface PluginFactory<T> {
  readonly name: string;
  /** One-line description for `--help` and docs. */
  readonly description: string;
  /**
   * Builds the plugin. `options` is the untrusted JSON from the config (may be undefined);
   * `container` is the run's child container, for plugins that need other services.
   */
  create(options: unknown, container: DependencyContainer): T | Promise<T>;
}
