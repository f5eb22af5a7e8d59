/**
 * Typed errors shared by every Upshift package. Each error names what was wrong so a user can
 * fix the input without reading the source.
 */

/** Base class of every error Upshift throws on purpose. */
export class UpshiftError extends Error {
  constructor(message: string) {
    super(message);
    // Names are set explicitly (not from `new.target.name`) so minified bundles keep them.
    this.name = 'UpshiftError';
  }
}

/** Renders a value for an error message: strings quoted, numbers as written, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}

/**
 * A configuration or option value is invalid. `field` is the dotted path of the bad field
 * (e.g. `"steps"` or `"policyOptions.threshold"`), `value` the value that was given.
 */
export class ConfigError extends UpshiftError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    /** Why the value is invalid (the message's last part). */
    readonly reason: string,
  ) {
    super(`Invalid ${field} = ${describeValue(value)}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * A run checkpoint is malformed, truncated, of another version, or does not match the run it
 * should continue (model, config, shapes). `field` is the dotted path inside the checkpoint,
 * starting with `checkpoint.` (e.g. `"checkpoint.latent.x.shape"`, `"checkpoint.model.hash"`).
 */
export class CheckpointError extends ConfigError {
  constructor(field: string, value: unknown, reason: string) {
    super(field, value, reason);
    this.name = 'CheckpointError';
  }
}

/** A step hook returned something it may not change, or an invalid change. */
export class HookError extends UpshiftError {
  constructor(
    readonly hook: string,
    readonly field: string,
    reason: string,
  ) {
    super(`Step hook "${hook}" tried to change ${field}: ${reason}`);
    this.name = 'HookError';
  }
}

/** A backend cannot run on this machine; `reason` says why (no adapter, missing files, ...). */
export class BackendUnavailableError extends UpshiftError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`Backend "${backend}" is not available here: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/** Model files (config or weights) are missing, truncated or do not match each other. */
export class ModelLoadError extends UpshiftError {
  constructor(
    readonly file: string,
    reason: string,
    readonly tensor?: string,
  ) {
    super(`Cannot load model file ${file}${tensor === undefined ? '' : ` (tensor "${tensor}")`}: ${reason}`);
    this.name = 'ModelLoadError';
  }
}

/**
 * A run produced NaN or infinite values. `step` is 0-based; `sigma` the full-resolution noise
 * level the step started at; `source` what produced them (the denoiser, or the sampler from a
 * finite prediction).
 */
export class NonFiniteError extends UpshiftError {
  constructor(
    readonly step: number,
    readonly steps: number,
    readonly sigma: number,
    readonly level: number,
    readonly source: string,
  ) {
    super(`Run failed at step ${step + 1}/${steps} (sigma ${sigma.toPrecision(4)}, level ${level}): ${source} returned non-finite values (NaN or Infinity)`);
    this.name = 'NonFiniteError';
  }
}

/** A plugin name was not registered; lists the names that are. */
export class UnknownPluginError extends ConfigError {
  constructor(field: string, name: unknown, known: readonly string[]) {
    super(field, name, `unknown name; registered: ${known.length ? known.map((k) => `"${k}"`).join(', ') : '(none)'}`);
    this.name = 'UnknownPluginError';
  }
}

/**
 * A worker of a denoiser pool failed a model call: the model threw there (`workerErrorName`
 * is the name of what it threw), or the worker stopped (crashed, was killed) during the call.
 */
export class DenoiserWorkerError extends UpshiftError {
  constructor(
    message: string,
    /** Name of the error thrown in the worker; `"WorkerStopped"` when the worker itself died. */
    readonly workerErrorName: string,
  ) {
    super(message);
    this.name = 'DenoiserWorkerError';
  }
}
