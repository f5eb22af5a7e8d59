/**
 * Whether a backend can run here, and why not. `detail` is a short description for logs
 * (device, SIMD, threads); `source` says where its code or device comes from (a .wasm path, a
 * driver), for verbose logs only.
 */
export type BackendCapability =
  | { readonly available: true; readonly detail?: string; readonly source?: string }
  | { readonly available: false; readonly reason: string };

/** How much memory a backend can give a run (see {@link BackendProvider.memoryLimit}). */
export interface BackendMemoryLimit {
  /** Bytes all live tensors together may take (weights included); undefined = unknown. */
  readonly totalBytes?: number;
  /** Bytes one tensor may take (e.g. a GPU buffer limit); undefined = no own limit. */
  readonly maxTensorBytes?: number;
  /** What the limit is, for messages ("the wasm heap", "this machine's memory", ...). */
  readonly what: string;
}

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
  /**
   * The memory a run may use on this backend, once it is active (so a run that cannot fit is
   * refused before it starts). Optional: without it nothing is checked.
   */
  memoryLimit?(): BackendMemoryLimit | undefined;
}
