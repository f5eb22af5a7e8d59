/**
 * The page side of the page/worker protocol: the pipeline, as seen from the main thread.
 * `run(config)` is a cold Observable like `Pipeline.run`: subscribing posts `run`, the worker's
 * messages become the events (tensors replaced by plain data), `failed` becomes the error
 * channel (with the worker's error name and message) and unsubscribing posts `cancel`.
 * `memory()` resolves with the worker's tensor count once every run has cleaned up.
 *
 * A worker that dies or throws outside a run (an `error` event on the Worker) fails every run
 * in flight and every pending request with a {@link RemoteError} named `WorkerError`, so the
 * page never waits forever.
 */
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { RecommendedSampling } from '@upshift/models';
import type { PipelineConfig } from '@upshift/pipeline';
import type { BackendStatus } from './backend-list.js';
import { RemoteError } from './worker-protocol.js';
import type { MessageEndpoint, PageMessage, RemoteStepEvent, WorkerMemory, WorkerMessage, WireError } from './worker-protocol.js';

/** What the worker reported when it was ready. */
export interface PipelineWorkerInfo {
  readonly classes: readonly string[];
  readonly backends: readonly BackendStatus[];
  /** The model's recommended sampling settings (`config.json` -> `sampling`), if it has any. */
  readonly sampling: RecommendedSampling | undefined;
  /** The pipeline's defaults (`DEFAULT_PIPELINE_CONFIG`). */
  readonly defaults: PipelineConfig;
}

/** Options of {@link PipelineClient.run}. */
export interface RemoteRunOptions {
  /** Receives the run's log lines (backend choice, model loading). */
  readonly log?: (line: string) => void;
}

/** A failure the page can listen for: an `error` event of a Worker (or a closed port). */
export interface FailureSource {
  addEventListener(type: 'error' | 'messageerror', listener: (event: Event) => void): void;
}

interface ActiveRun {
  readonly subscriber: Subscriber<RemoteStepEvent>;
  readonly log: ((line: string) => void) | undefined;
}

/** Drives a pipeline worker from the page. */
export class PipelineClient {
  private nextRun = 1;
  private nextRequest = 1;
  private readonly runs = new Map<number, ActiveRun>();
  private readonly requests = new Map<number, { resolve: (memory: WorkerMemory) => void; reject: (error: Error) => void }>();
  private boot: { resolve: (info: PipelineWorkerInfo) => void; reject: (error: Error) => void } | undefined;
  private readonly onMessage = (event: { readonly data: WorkerMessage }): void => this.receive(event.data);

  /**
   * @param endpoint the Worker (or a MessagePort to it).
   * @param failures where worker crashes are reported (the Worker itself); optional.
   * @param log receives log lines that belong to no run.
   */
  constructor(
    private readonly endpoint: MessageEndpoint<PageMessage, WorkerMessage>,
    failures?: FailureSource,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    endpoint.addEventListener('message', this.onMessage);
    failures?.addEventListener('error', (event) => this.crash(describeFailure(event)));
    failures?.addEventListener('messageerror', () => this.crash('a message from the worker could not be read'));
  }

  /** Sends `init` and resolves when the worker has loaded the model config and checked the backends. */
  init(modelFolder: URL): Promise<PipelineWorkerInfo> {
    return new Promise((resolve, reject) => {
      this.boot = { resolve, reject };
      this.post({ type: 'init', modelFolder: modelFolder.href });
    });
  }

  /** A cold Observable of one run in the worker; unsubscribe to cancel it. */
  run(config: Partial<PipelineConfig>, options: RemoteRunOptions = {}): Observable<RemoteStepEvent> {
    return new Observable<RemoteStepEvent>((subscriber) => {
      const run = this.nextRun++;
      this.runs.set(run, { subscriber, log: options.log });
      this.post({ type: 'run', run, config });
      return () => {
        // Still listed: the page unsubscribed before the run ended, so the worker cancels it.
        if (this.runs.delete(run)) this.post({ type: 'cancel', run });
      };
    });
  }

  /** The worker's tfjs memory once every run (cancelled ones too) has freed its tensors. */
  memory(): Promise<WorkerMemory> {
    return new Promise((resolve, reject) => {
      const request = this.nextRequest++;
      this.requests.set(request, { resolve, reject });
      this.post({ type: 'memory', request });
    });
  }

  /** Stops listening; runs in flight and pending requests fail. */
  dispose(): void {
    this.endpoint.removeEventListener('message', this.onMessage);
    this.crash('the pipeline client was disposed');
  }

  private post(message: PageMessage): void {
    this.endpoint.postMessage(message);
  }

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.boot?.resolve({ classes: message.classes, backends: message.backends, sampling: message.sampling, defaults: message.defaults });
        this.boot = undefined;
        return;
      case 'boot-failed':
        this.boot?.reject(new RemoteError(message.error));
        this.boot = undefined;
        return;
      case 'memory': {
        const pending = this.requests.get(message.request);
        this.requests.delete(message.request);
        pending?.resolve(message.memory);
        return;
      }
      case 'log':
        if (message.run === undefined) this.log(message.line);
        else this.runs.get(message.run)?.log?.(message.line);
        return;
      case 'complete':
      case 'failed': {
        const active = this.runs.get(message.run);
        this.runs.delete(message.run);
        if (message.type === 'complete') active?.subscriber.complete();
        else active?.subscriber.error(new RemoteError(message.error));
        return;
      }
      default: {
        // A step-stream event: the message without its run number.
        const { run, ...event } = message;
        this.runs.get(run)?.subscriber.next(event as RemoteStepEvent);
      }
    }
  }

  private crash(reason: string): void {
    const error = (): RemoteError => new RemoteError({ name: 'WorkerError', message: reason } satisfies WireError);
    this.boot?.reject(error());
    this.boot = undefined;
    const runs = [...this.runs];
    this.runs.clear();
    for (const [run, { subscriber }] of runs) {
      // If the worker lives on, it stops the run (and frees it) rather than leave it running unseen.
      this.post({ type: 'cancel', run });
      subscriber.error(error());
    }
    const requests = [...this.requests.values()];
    this.requests.clear();
    for (const { reject } of requests) reject(error());
  }
}

/** The text of a Worker `error` event (an ErrorEvent when the worker threw, a plain Event when its script failed to load). */
function describeFailure(event: Event): string {
  const { message, filename, lineno } = event as ErrorEvent;
  if (typeof message === 'string' && message !== '') return `the pipeline worker failed: ${message}${filename ? ` (${filename}:${lineno})` : ''}`;
  return 'the pipeline worker failed to start (its script did not load)';
}
