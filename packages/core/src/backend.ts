/** Whether a backend can run here, and why not. */
export type BackendCapability =
  | { readonly available: true; readonly detail?: string }
  | { readonly available: false; readonly reason: string };

/**
 * A tfjs backend packaged as a plugin (cpu, wasm, webgpu). Registered under a name; the
 * pipeline activates it (tf.setBackend) before a run.
 */
export interface BackendProvider {
  /** Name used in configs ("cpu", "wasm", "webgpu"). */
  readonly name: string;
  /** Auto-selection order: higher is tried first. */
  readonly priority: number;
  /** Checks (without side effects beyond probing) whether the backend can run here. */
  check(): Promise<BackendCapability>;
  /** Registers (if needed) and activates the tfjs backend; throws BackendUnavailableError. */
  activate(): Promise<void>;
}
