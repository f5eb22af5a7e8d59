/**
 * The contract of a denoiser pool: a {@link Denoiser} whose calls run on N workers (worker
 * threads in Node, Web Workers in a browser), each holding its own tfjs backend and a copy of the
 * model. The pipeline asks the registered {@link DenoiserPoolProvider} for one when a run's
 * `workers` setting resolves to more than one; samplers, resizers, hooks and the step stream stay
 * on the calling thread.
 */
import type { Denoiser } from './denoiser.js';

/** What every worker of a pool loads: the model a run would otherwise create on this thread. */
export interface DenoiserPoolSpec {
  /** `DenoiserFactory` name, e.g. `"emoji-unet"` (the worker's container must register it). */
  readonly model: string;
  /** The factory's options (JSON: it crosses the thread boundary). */
  readonly modelOptions?: unknown;
  /** tfjs backend the workers activate: the run's backend. */
  readonly backend: string;
}

/** One worker's tfjs memory, as a pool reports it. */
export interface WorkerMemory {
  readonly workerId: string;
  readonly backend: string;
  /** Tensors alive in the worker now. */
  readonly numTensors: number;
  readonly numBytes: number;
  /** Tensors alive right after it loaded the model (the weights): more now means a leak. */
  readonly modelTensors: number;
  /** Model calls the worker has served. */
  readonly calls: number;
}

/** A running pool: a denoiser plus what only a pool has. */
export interface DenoiserPool extends Denoiser {
  /** Number of workers. */
  readonly workers: number;
  /** Asks every worker for its tfjs memory (call it while no model call runs). */
  workerMemory(): Promise<WorkerMemory[]>;
  /** Stops every worker at once (pending calls reject); idempotent. */
  dispose(): void;
  /** Resolves when every worker has stopped (after {@link dispose}). */
  readonly closed: Promise<void>;
}

/** Creates denoiser pools; registered under `DenoiserPoolToken`. */
export interface DenoiserPoolProvider {
  /** What runs the workers: `"worker-threads"` (Node) or `"web-workers"` (browser). */
  readonly name: string;
  /** Backends a pool can run (CPU backends: one GPU gains nothing from several threads). */
  readonly backends: readonly string[];
  /** How many workers `workers: "auto"` means here: the cores the runtime reports. */
  cores(): number;
  /**
   * Starts `workers` workers that each load `spec`'s model, and resolves when all have loaded
   * (a load error rejects, after stopping them). `local` is the same model on this thread: the
   * pool takes its name, channels, FLOP count and traits from it (and never calls or disposes it).
   */
  create(spec: DenoiserPoolSpec, workers: number, local: Denoiser): Promise<DenoiserPool>;
}
