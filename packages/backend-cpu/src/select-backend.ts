/**
 * Backend selection: by name, or `'auto'` (the best available first). Lives here rather than
 * in core because core holds no backend logic; every app already depends on the cpu backend
 * (the fallback), so this is where the pipeline and the CLI import it from.
 */
import { BackendUnavailableError, ConfigError, UnknownPluginError } from '@upshift/core';
import type { BackendProvider } from '@upshift/core';

/** The request that picks the best available backend. */
export const AUTO_BACKEND = 'auto';

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Receives the one line that says which backend was chosen and why; default console.info. */
  readonly log?: (message: string) => void;
  /** Config field named in errors; default `"backend"`. */
  readonly field?: string;
  /** Add where the backend's code or device comes from (a .wasm path, ...) to the line; default false. */
  readonly verbose?: boolean;
}

/** A backend that could not be used, and why. */
export interface SkippedBackend {
  readonly name: string;
  readonly reason: string;
}

/** What {@link selectBackend} chose. The tfjs backend is active when this is returned. */
export interface BackendSelection {
  /** Name of the active backend. */
  readonly name: string;
  /** Its provider. */
  readonly provider: BackendProvider;
  /** The provider's capability detail (device name, SIMD, ...), if any. */
  readonly detail: string | undefined;
  /** Where its code or device comes from (the capability's `source`), if it says. */
  readonly source: string | undefined;
  /** Whether it was picked automatically. */
  readonly auto: boolean;
  /** Backends tried first (auto-selection only), in order, with the reason each was skipped. */
  readonly skipped: readonly SkippedBackend[];
  /** The line that was logged. */
  readonly message: string;
}

/** Default values of {@link SelectBackendOptions}. */
export const DEFAULT_SELECT_BACKEND_OPTIONS: Required<SelectBackendOptions> = {
  log: (message) => console.info(message),
  field: 'backend',
  verbose: false,
};

/**
 * Auto-selection order: higher `priority` first, ties by name so the order never depends on
 * registration order.
 */
export function backendOrder(providers: readonly BackendProvider[]): BackendProvider[] {
  return [...providers].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

function messageOf(error: unknown): string {
  if (error instanceof BackendUnavailableError) return error.reason;
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Runs check() then activate(); returns the failure reason, or the capability detail and source. */
async function tryProvider(
  provider: BackendProvider,
): Promise<{ ok: true; detail: string | undefined; source: string | undefined } | { ok: false; reason: string }> {
  let detail: string | undefined;
  let source: string | undefined;
  try {
    const capability = await provider.check();
    if (!capability.available) return { ok: false, reason: capability.reason };
    detail = capability.detail;
    source = capability.source;
  } catch (error) {
    return { ok: false, reason: `capability check failed: ${messageOf(error)}` };
  }
  try {
    await provider.activate();
  } catch (error) {
    return { ok: false, reason: `activation failed: ${messageOf(error)}` };
  }
  return { ok: true, detail, source };
}

/** The end of the log line: `: detail`, and in verbose mode ` [source]`. */
function describeChoice(result: { detail: string | undefined; source: string | undefined }, verbose: boolean): string {
  return `${result.detail ? `: ${result.detail}` : ''}${verbose && result.source ? ` [${result.source}]` : ''}`;
}

/**
 * Activates the backend named `request`, or with `'auto'` the first of `providers` (by
 * {@link backendOrder}) that passes its capability check and activates. Logs exactly one line.
 *
 * @throws ConfigError when `request` is not a non-empty string.
 * @throws UnknownPluginError when no provider has that name.
 * @throws BackendUnavailableError when the named backend (or, for `'auto'`, every backend)
 *   cannot run here; the message says why.
 */
export async function selectBackend(
  providers: readonly BackendProvider[],
  request: string = AUTO_BACKEND,
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const { log, field, verbose } = { ...DEFAULT_SELECT_BACKEND_OPTIONS, ...options };
  if (typeof request !== 'string' || request.trim() === '') {
    throw new ConfigError(field, request, `must be a backend name or "${AUTO_BACKEND}"`);
  }
  const name = request.trim().toLowerCase();
  const ordered = backendOrder(providers);

  if (name !== AUTO_BACKEND) {
    const provider = ordered.find((p) => p.name === name);
    if (provider === undefined) {
      throw new UnknownPluginError(field, request, [AUTO_BACKEND, ...ordered.map((p) => p.name)]);
    }
    const result = await tryProvider(provider);
    if (!result.ok) throw new BackendUnavailableError(provider.name, result.reason);
    const message = `backend: using "${provider.name}" (requested)${describeChoice(result, verbose)}`;
    log(message);
    return { name: provider.name, provider, detail: result.detail, source: result.source, auto: false, skipped: [], message };
  }

  if (ordered.length === 0) {
    throw new BackendUnavailableError(AUTO_BACKEND, 'no backend is registered (call registerCpuBackend(container) or another registerXBackend)');
  }
  const skipped: SkippedBackend[] = [];
  for (const provider of ordered) {
    const result = await tryProvider(provider);
    if (!result.ok) {
      skipped.push({ name: provider.name, reason: result.reason });
      continue;
    }
    const order = ordered.map((p) => p.name).join(' > ');
    const fallbacks = skipped.length ? `; skipped ${skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
    const message = `backend: using "${provider.name}" (auto, order ${order}${fallbacks})${describeChoice(result, verbose)}`;
    log(message);
    return { name: provider.name, provider, detail: result.detail, source: result.source, auto: true, skipped, message };
  }
  throw new BackendUnavailableError(
    AUTO_BACKEND,
    `no registered backend can run here: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}
