/**
 * The worker side of the page/worker protocol: serves a {@link Pipeline} over a message
 * endpoint. Each `run` message subscribes to `pipeline.run(config)` and forwards the step
 * stream as plain data (the tensors never leave the worker); `cancel` unsubscribes, which stops
 * the run before its next model call and frees its tensors; `memory` answers with
 * `tf.memory()` once every run has cleaned up (`pipeline.whenIdle()`), which is how the page
 * and its end-to-end test check that nothing leaked.
 *
 * A run's config is the page's, with every field it leaves out taken from the model's
 * recommended sampling (so the sampler, schedule and resizer the form does not show are the
 * model's choice), then from the pipeline's defaults.
 *
 * What the worker runs is given by `boot` (called once, on `init`): the pipeline (with the
 * denoiser pool registered in its container), config defaults of the app's own
 * ({@link PipelineWorkerApp.configDefaults}: whether runs use the pool here) and, through
 * {@link PipelineWorkerApp.runOptions}, anything a run takes by injection. `memory` also asks
 * every pool worker for its `tf.memory()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Subscription } from 'rxjs';
import type { StepEvent } from '@upshift/core';
import type { RecommendedSampling } from '@upshift/models';
import { DEFAULT_PIPELINE_CONFIG, withRecommendedSampling } from '@upshift/pipeline';
import type { Pipeline, PipelineConfig, RunOptions } from '@upshift/pipeline';
import type { BackendStatus } from './backend-list.js';
import { toWireError } from './worker-protocol.js';
import type { InitMessage, MessageEndpoint, PageMessage, WorkerMemory, WorkerMessage } from './worker-protocol.js';

/** What the worker serves, made by the `boot` function from the page's `init` message. */
export interface PipelineWorkerApp {
  readonly pipeline: Pipeline;
  /** The model's class names (the page's class menu). */
  readonly classes: readonly string[];
  /** Each registered backend's capability here, best first. */
  readonly backends: readonly BackendStatus[];
  /**
   * The model's recommended sampling (`config.json` -> `sampling`): every field a run's config
   * leaves out is taken from it (`withRecommendedSampling`), then from the pipeline's defaults.
   */
  readonly sampling?: RecommendedSampling;
  /**
   * Fields a run's config leaves out, taken before the model's recommendation (e.g. `workers`:
   * the app's choice of a denoiser pool for this page). Default: none.
   */
  readonly configDefaults?: Partial<PipelineConfig>;
  /** Extra options of a run (e.g. `hooks`). The host sets `log` itself. Default: none. */
  runOptions?(config: Partial<PipelineConfig>): Omit<RunOptions, 'log'>;
  /** A label of the active backend for people (e.g. `wasm (2 threads)`). Default: its name. */
  backendLabel?(backend: string): string;
}

/** tfjs's memory and active backend (without initialising a backend when none is active yet). */
export function workerMemory(): WorkerMemory {
  const backend = tf.getBackend() as string | undefined;
  const { numTensors, numBytes } = tf.engine().state;
  return { numTensors, numBytes, backend: backend || undefined };
}

/** Once every run has cleaned up: each pool worker's tensor counts (see {@link WorkerMemory.poolWorkers}). */
async function poolWorkersMemory(pipeline: Pipeline): Promise<NonNullable<WorkerMemory['poolWorkers']>> {
  await pipeline.whenIdle();
  const reports = await Promise.all(pipeline.pools().map((pool) => pool.workerMemory().catch(() => [])));
  return reports.flat().map(({ numTensors, modelTensors }) => ({ numTensors, modelTensors }));
}

/**
 * Serves `boot`'s app on `endpoint` (the worker's `self`). Returns a function that stops
 * listening, cancels the runs in flight and disposes the pipeline.
 */
export function servePipeline(endpoint: MessageEndpoint<WorkerMessage, PageMessage>, boot: (init: InitMessage) => Promise<PipelineWorkerApp>): () => void {
  let app: Promise<PipelineWorkerApp> | undefined;
  /** Runs in flight; undefined while a run waits for the app. */
  const runs = new Map<number, Subscription | undefined>();
  const post = (message: WorkerMessage): void => endpoint.postMessage(message);

  const forward = (run: number, event: StepEvent, label: (backend: string) => string): void => {
    switch (event.type) {
      case 'start':
        post({ ...event, run, backendLabel: label(event.backend) });
        break;
      case 'step': {
        // The tensors are valid only during the event and cannot cross; the preview is data.
        const { x: _x, denoised: _denoised, ...rest } = event;
        post({ ...rest, run });
        break;
      }
      case 'checkpoint':
      case 'suspended':
        break; // the page asks for neither
      default:
        post({ ...event, run });
    }
  };

  const start = async (run: number, config: Partial<PipelineConfig>): Promise<void> => {
    runs.set(run, undefined); // pending until the app is up; a cancel meanwhile removes it
    let served: PipelineWorkerApp;
    try {
      if (app === undefined) throw new Error('the worker got a run before init');
      served = await app;
    } catch (error) {
      if (runs.delete(run)) post({ type: 'failed', run, error: toWireError(error) });
      return;
    }
    if (!runs.has(run)) return;
    const label = served.backendLabel ?? ((backend: string) => backend);
    const options: RunOptions = { ...served.runOptions?.(config), log: (line) => post({ type: 'log', run, line }) };
    const subscription = served.pipeline.run(withRecommendedSampling({ ...served.configDefaults, ...config }, served.sampling), options).subscribe({
      next: (event) => forward(run, event, label),
      error: (error: unknown) => {
        runs.delete(run);
        post({ type: 'failed', run, error: toWireError(error) });
      },
      complete: () => {
        runs.delete(run);
        post({ type: 'complete', run });
      },
    });
    if (subscription.closed) runs.delete(run);
    else runs.set(run, subscription);
  };

  const listener = (event: { readonly data: PageMessage }): void => {
    const message = event.data;
    switch (message.type) {
      case 'init':
        if (app !== undefined) return;
        app = boot(message);
        app.then(
          ({ classes, backends, sampling }) => post({ type: 'ready', classes, backends, sampling, defaults: DEFAULT_PIPELINE_CONFIG }),
          (error: unknown) => post({ type: 'boot-failed', error: toWireError(error) }),
        );
        break;
      case 'run':
        void start(message.run, message.config);
        break;
      case 'cancel':
        runs.get(message.run)?.unsubscribe();
        runs.delete(message.run);
        break;
      case 'memory': {
        const pools = app === undefined ? Promise.resolve([]) : app.then((served) => poolWorkersMemory(served.pipeline), () => []);
        void pools.then((poolWorkers) => post({ type: 'memory', request: message.request, memory: { ...workerMemory(), poolWorkers } }));
        break;
      }
    }
  };
  endpoint.addEventListener('message', listener);

  return () => {
    endpoint.removeEventListener('message', listener);
    for (const subscription of runs.values()) subscription?.unsubscribe();
    runs.clear();
    void app?.then((served) => served.pipeline.dispose(), () => undefined);
  };
}
