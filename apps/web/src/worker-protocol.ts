/**
 * The messages between the page and its pipeline worker, as two discriminated unions on `type`
 * (one interface per message, in the manner of Comlink's `protocol.ts`). They only live while
 * the page is open, so they carry no version field. Everything in them is structured-cloneable
 * plain data: the step stream's tensors stay in the worker; a `step` carries the x0 estimate as
 * an {@link ImageData4D} instead.
 *
 * A run is identified by the page's `run` number. Its messages come in stream order: `start`,
 * then per step an optional `resolution-change` and a `step`, then `done`, then `complete`; or
 * `failed` at any point. After a `cancel` the worker sends nothing more for that run.
 */
import type { DoneEvent, ImageData4D, ResolutionChangeEvent, StartEvent, StepProgressEvent } from '@upshift/core';
import type { RecommendedSampling } from '@upshift/models';
import type { PipelineConfig } from '@upshift/pipeline';
import type { BackendStatus } from './backend-list.js';

// ---------------------------------------------------------------- page -> worker

/** First message: where the model is (the worker has no `document` to resolve it against). */
export interface InitMessage {
  readonly type: 'init';
  /** Absolute URL of the model folder (ends in `/`). */
  readonly modelFolder: string;
}

/** Start run `run` with `config` (validated in the worker by the pipeline). */
export interface RunMessage {
  readonly type: 'run';
  readonly run: number;
  readonly config: Partial<PipelineConfig>;
}

/** Cancel run `run` (the page unsubscribed). */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly run: number;
}

/** Ask for the worker's tensor count once every run, cancelled ones included, has cleaned up. */
export interface MemoryRequestMessage {
  readonly type: 'memory';
  readonly request: number;
}

/** Any message the page sends. */
export type PageMessage = InitMessage | RunMessage | CancelMessage | MemoryRequestMessage;

// ---------------------------------------------------------------- worker -> page

/** The `start` event, plus a label of the backend for people (e.g. `wasm (4 threads)`). */
export interface RemoteStartEvent extends StartEvent {
  readonly backendLabel: string;
}

/** A `step` event without its tensors; `preview` is the x0 estimate at the step's level. */
export type RemoteProgressEvent = Omit<StepProgressEvent, 'x' | 'denoised'>;

/** The step stream as the page receives it. */
export type RemoteStepEvent = RemoteStartEvent | RemoteProgressEvent | ResolutionChangeEvent | DoneEvent;

/**
 * The worker is set up: the model's classes, what each backend can do in the worker, the model's
 * recommended sampling settings and the pipeline's defaults (the form starts from those two;
 * the page does not load the pipeline or the model package itself).
 */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly classes: readonly string[];
  readonly backends: readonly BackendStatus[];
  /** The model's `config.json` -> `sampling`; the worker fills every run's unset fields from it. */
  readonly sampling: RecommendedSampling | undefined;
  readonly defaults: PipelineConfig;
}

/** Setting up failed (e.g. the model's config.json did not load). */
export interface BootFailedMessage {
  readonly type: 'boot-failed';
  readonly error: WireError;
}

/** The run's `start` event. */
export type RunStartMessage = RemoteStartEvent & { readonly run: number };
/** The run's `resolution-change` event. */
export type RunResolutionChangeMessage = ResolutionChangeEvent & { readonly run: number };
/** The run's `step` event. */
export type RunStepMessage = RemoteProgressEvent & { readonly run: number };
/** The run's `done` event. */
export type RunDoneMessage = DoneEvent & { readonly run: number };

/** The run ended normally (after `done`); its tensors are freed. */
export interface RunCompleteMessage {
  readonly type: 'complete';
  readonly run: number;
}

/** The run failed; its tensors are freed. */
export interface RunFailedMessage {
  readonly type: 'failed';
  readonly run: number;
  readonly error: WireError;
}

/** A log line of a run (backend choice, model loading), or of the worker (`run` undefined). */
export interface LogMessage {
  readonly type: 'log';
  readonly run: number | undefined;
  readonly line: string;
}

/** Reply to {@link MemoryRequestMessage}. */
export interface MemoryMessage {
  readonly type: 'memory';
  readonly request: number;
  readonly memory: WorkerMemory;
}

/** Any message the worker sends. */
export type WorkerMessage =
  | ReadyMessage
  | BootFailedMessage
  | RunStartMessage
  | RunResolutionChangeMessage
  | RunStepMessage
  | RunDoneMessage
  | RunCompleteMessage
  | RunFailedMessage
  | LogMessage
  | MemoryMessage;

// ---------------------------------------------------------------- shared payloads

/** An error as data: its class name (ConfigError, BackendUnavailableError, ...) and message. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The bad field of a ConfigError. */
  readonly field?: string;
}

/** The worker's tfjs memory (`tf.memory()`), and its active backend. */
export interface WorkerMemory {
  readonly numTensors: number;
  readonly numBytes: number;
  /** The active tfjs backend; undefined before the first run chose one. */
  readonly backend: string | undefined;
  /**
   * Each denoiser pool worker's tensors now and right after it loaded the model (its weights):
   * equal counts mean it leaked nothing. Empty without a pool.
   */
  readonly poolWorkers?: readonly { readonly numTensors: number; readonly modelTensors: number }[];
}

/** The sending side of a worker or a page (a `Worker`, the worker's `self`, a `MessagePort`). */
export interface MessageEndpoint<Out, In> {
  postMessage(message: Out): void;
  addEventListener(type: 'message', listener: (event: { readonly data: In }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: In }) => void): void;
}

/** An error turned into {@link WireError}; anything thrown that is not an Error becomes its string. */
export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const field = (error as { field?: unknown }).field;
    return { name: error.name, message: error.message, ...(typeof field === 'string' ? { field } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** An error the worker reported, rebuilt on the page with the original class name. */
export class RemoteError extends Error {
  /** The bad field, for a ConfigError. */
  readonly field: string | undefined;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.field = wire.field;
  }
}
