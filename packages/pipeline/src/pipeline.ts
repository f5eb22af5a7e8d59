/**
 * The runner: `run(config)` returns a cold Observable of step events (Angular
 * `HttpXhrBackend.handle` style: nothing happens until subscription; unsubscribing cancels the
 * run before its next model call and frees every tensor it holds). Plugins are picked by name
 * from the container's factories; each run gets a child container for its run-scoped services.
 * Loaded models are cached per (backend, model, modelOptions) so side-by-side runs of several
 * policies load the weights once; the cache holds one backend's models at a time, so switching
 * backend frees the weights loaded on the previous one (after the runs still using them end).
 */
import { Observable } from 'rxjs';
import { container as globalContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import * as tf from '@tensorflow/tfjs-core';
import { DenoiserFactory, UpshiftError, resolutionAtLevel } from '@upshift/core';
import type { Denoiser, DenoiserPool, DenoiserPoolProvider, DenoiserPoolSpec, ModelIdentity, PluginFactory, RunCheckpoint, StartEvent, StepEvent, StepHook } from '@upshift/core';
import { checkConfigContinues, validateCheckpoint } from './checkpoint-validation.js';
import { modelIdentity } from './model-identity.js';
import { classLabelsOf, parsePipelineConfig } from './pipeline-config.js';
import type { PipelineConfig } from './pipeline-config.js';
import { checkResumable } from './run-checkpoint.js';
import { checkRunOptions } from './run-options.js';
import { checkStopBefore, resolveRunStages } from './run-stages.js';
import type { CheckpointOptions, LevelRange } from './run-stages.js';
import { denoiserTraits } from './denoiser-traits.js';
import { findFactory } from './plugin-lookup.js';
import { registerAll } from './register-all.js';
import { cancelRun, createRunControl } from './run-control.js';
import type { RunControl } from './run-control.js';
import { runLoop } from './run-loop.js';
import { disposeQuietly } from './dispose-quietly.js';
import { DEFAULT_RESOLUTION, activateBackend, setUpRun } from './run-setup.js';
import type { AutoBackendMemo } from './run-setup.js';

/** Per-run options that are not part of the JSON config. */
export interface RunOptions {
  /** Use this denoiser instead of creating one from `config.model` (the run does not dispose it). */
  readonly denoiser?: Denoiser;
  /** Step hooks of this run, called after the container's `StepHookToken` hooks. */
  readonly hooks?: readonly StepHook[];
  /** Receives log lines (backend choice, model loading). Default: none. */
  readonly log?: (message: string) => void;
  /** Emit `checkpoint` events: at level changes and / or every K steps. Default: none. */
  readonly checkpoints?: CheckpointOptions;
  /**
   * Continue this checkpoint's run (from `pipeline.run` of this or another process, or
   * `decodeCheckpoint`). `config` may then be `undefined` (the checkpoint's config is used) or a
   * config whose fields all match the checkpoint's except `backend` and `previews`; fields it
   * leaves out are the checkpoint's (`{ backend: 'wasm' }` is enough to move a run). The
   * resumed run emits `start` (with `resumedFrom`), then the remaining steps; its image is bit
   * for bit the uninterrupted run's on the same backend.
   */
  readonly resumeFrom?: RunCheckpoint;
  /** Suspend before this step index (a `suspended` event with reason `stop-before`). */
  readonly stopBefore?: number;
  /**
   * The levels this run may run (stage routing: e.g. `{ min: 1 }` on a cheap worker, `{ max: 0 }`
   * on a GPU worker). The run suspends before the first step at a level outside the range
   * (reason `level-range`).
   */
  readonly levels?: LevelRange;
  /**
   * Aborting this signal suspends the run at the next step boundary (reason `requested`), e.g. a
   * worker draining on SIGTERM. Unsubscribing instead cancels without a checkpoint.
   */
  readonly suspendSignal?: AbortSignal;
  /** Log diagnostics too (where the backend's code comes from, e.g. the .wasm file). Default false. */
  readonly verbose?: boolean;
}

/** Composes registered plugins into runs. */
export class Pipeline {
  private readonly container: DependencyContainer;
  private readonly ownsContainer: boolean;
  private readonly models = new Map<string, { readonly backend: string; readonly name: string; readonly model: Promise<Denoiser> }>();
  private readonly loaded = new Set<Denoiser>();
  /** Runs using each cached model right now. */
  private readonly uses = new Map<Denoiser, number>();
  /** Models evicted by a backend switch, disposed when their last run ends. */
  private readonly retired = new Set<Denoiser>();
  private readonly active = new Map<RunControl, Promise<void>>();
  /** What `backend: "auto"` chose: selected (and logged) once per Pipeline. */
  private readonly autoBackend: AutoBackendMemo = { provider: undefined };
  private disposed = false;
  private released = false;

  /**
   * @param container holds the plugin factories (see {@link registerAll}). Default: a child of
   *   tsyringe's global container with every plugin package registered.
   */
  constructor(container?: DependencyContainer) {
    this.ownsContainer = container === undefined;
    if (container === undefined) {
      container = globalContainer.createChildContainer();
      registerAll(container);
    }
    this.container = container;
  }

  /**
   * A cold Observable of the run's events: `start` (the plan), then per step an optional
   * `checkpoint`, an optional `resolution-change` and a `step`, then `done` (the image as plain
   * data and the stats) — or `suspended` (with a checkpoint) when the run stops early
   * ({@link RunOptions.stopBefore}, {@link RunOptions.levels}, {@link RunOptions.suspendSignal}).
   * Config errors (`ConfigError`), bad checkpoints (`CheckpointError`), plugin errors and hook
   * errors (`HookError`) go to the error channel. `config` is validated with
   * {@link parsePipelineConfig} (absent fields take the defaults).
   */
  run(config: Partial<PipelineConfig> | unknown, options: RunOptions = {}): Observable<StepEvent> {
    return new Observable<StepEvent>((subscriber) => {
      const control: RunControl = createRunControl();
      if (this.disposed) {
        subscriber.error(new UpshiftError('this Pipeline has been disposed'));
        return;
      }
      let settle!: () => void;
      this.active.set(control, new Promise<void>((resolve) => (settle = resolve)));
      // The run leaves `active` before its subscriber hears the end, so `dispose()` called from
      // a `complete` / `error` handler frees the models at once.
      const finish = (): void => {
        this.active.delete(control);
        settle();
        if (this.disposed && this.active.size === 0) this.release();
      };
      this.execute(config, options, control, (event) => {
        if (control.cancelled === undefined) subscriber.next(event);
      }).then(
        () => {
          finish();
          subscriber.complete();
        },
        (error: unknown) => {
          finish();
          subscriber.error(error);
        },
      );
      return () => cancelRun(control, 'unsubscribed');
    });
  }

  /**
   * The denoiser pools this Pipeline has started and not stopped, e.g. to ask each worker for
   * its memory (`pool.workerMemory()`) between runs.
   */
  pools(): DenoiserPool[] {
    return [...this.loaded].filter((d): d is DenoiserPool => typeof (d as Partial<DenoiserPool>).workerMemory === 'function');
  }

  /** Resolves when every run has finished cleaning up (also runs cancelled by unsubscribing). */
  async whenIdle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  /**
   * Cancels running runs (their subscribers get a RunCancelledError) and frees the cached
   * models — at once, or as soon as the running runs have cleaned up. Models passed in
   * {@link RunOptions.denoiser} are not disposed.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const control of this.active.keys()) cancelRun(control, 'the pipeline was disposed');
    if (this.active.size === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    for (const model of this.loaded) disposeQuietly(model.dispose?.bind(model));
    this.loaded.clear();
    this.models.clear();
    if (this.ownsContainer) void this.container.dispose();
  }

  private async execute(config: unknown, options: RunOptions, control: RunControl, emit: (event: StepEvent) => void): Promise<void> {
    // Cheap checks first: stage options, the checkpoint and its config, before a backend starts.
    checkRunOptions(options);
    const stages = resolveRunStages(options);
    const resumeFrom = options.resumeFrom === undefined ? undefined : validateCheckpoint(options.resumeFrom);
    if (resumeFrom !== undefined) {
      // Fields the caller leaves out are the checkpoint's (not the defaults): `{ backend: 'wasm' }` moves a run.
      if (config === undefined) config = resumeFrom.config;
      else if (config !== null && typeof config === 'object' && !Array.isArray(config)) config = { ...resumeFrom.config, ...config };
      checkConfigContinues(parsePipelineConfig(resumeFrom.config, { defaults: false }), parsePipelineConfig(config));
    }
    if (stages.stopBefore !== undefined) checkStopBefore(stages, parsePipelineConfig(config).steps, resumeFrom?.index);
    const child = this.container.createChildContainer();
    const held: Denoiser[] = [];
    try {
      const setup = await setUpRun({
        root: this.container,
        child,
        config,
        control,
        log: options.log ?? (() => undefined),
        ...(options.verbose ? { verbose: true } : {}),
        autoBackend: this.autoBackend,
        ...(options.denoiser ? { denoiser: options.denoiser } : {}),
        ...(options.hooks ? { hooks: options.hooks } : {}),
        denoiserSource: async (factory, cfg, backend) => {
          const model = await this.model(factory, cfg, backend, options.log);
          held.push(model);
          this.uses.set(model, (this.uses.get(model) ?? 0) + 1);
          return model;
        },
        poolSource: async (provider, spec, workers, local) => {
          const pool = await this.pool(provider, spec, workers, local, options.log);
          held.push(pool);
          this.uses.set(pool, (this.uses.get(pool) ?? 0) + 1);
          return pool;
        },
      });
      let identity: Promise<ModelIdentity> | undefined;
      const model = (): Promise<ModelIdentity> => (identity ??= modelIdentity(setup.denoiser));
      if (resumeFrom !== undefined) checkResumable(resumeFrom, setup, await model());
      const start: StartEvent = {
        type: 'start',
        plan: setup.plan,
        config: setup.config as unknown as Record<string, unknown>,
        backend: setup.backend,
        workers: setup.workers,
        ...(resumeFrom !== undefined ? { resumedFrom: resumeFrom.index } : {}),
      };
      await runLoop(setup, control, emit, {
        start,
        stages,
        model,
        ...(resumeFrom ? { resumeFrom } : {}),
        ...(options.suspendSignal ? { suspendSignal: options.suspendSignal } : {}),
      });
    } finally {
      await child.dispose();
      for (const denoiser of held) this.unuse(denoiser);
    }
  }

  /** One run stopped using `model`: a retired model is disposed when no run uses it. */
  private unuse(model: Denoiser): void {
    const left = (this.uses.get(model) ?? 1) - 1;
    if (left > 0) {
      this.uses.set(model, left);
      return;
    }
    this.uses.delete(model);
    if (this.retired.delete(model)) disposeQuietly(model.dispose?.bind(model));
  }

  /**
   * Evicts the models cached for backends other than `backend`: tfjs runs one backend at a
   * time, and a model's weights live on the backend that loaded it, so keeping them would hold
   * a second copy of every weight (in wasm memory or on the GPU) for nothing.
   */
  private retireOtherBackends(backend: string, log?: (message: string) => void): void {
    for (const [key, entry] of this.models) {
      if (entry.backend === backend) continue;
      this.models.delete(key);
      entry.model.then(
        (model) => {
          if (!this.loaded.delete(model)) return;
          log?.(`model: freeing "${entry.name}" on ${entry.backend} (the run uses ${backend})`);
          if (this.uses.has(model)) this.retired.add(model);
          else disposeQuietly(model.dispose?.bind(model));
        },
        () => undefined,
      );
    }
  }

  /**
   * The cached pool of `workers` workers for (backend, model, modelOptions), started on first
   * use; reused by later runs, stopped by `dispose()` (or when a run switches backend).
   */
  private pool(provider: DenoiserPoolProvider, spec: DenoiserPoolSpec, workers: number, local: Denoiser, log?: (message: string) => void): Promise<DenoiserPool> {
    const key = `${spec.backend}\u0000${spec.model}\u0000${JSON.stringify(spec.modelOptions ?? null)}\u0000pool ${workers}`;
    const cached = this.models.get(key)?.model as Promise<DenoiserPool> | undefined;
    if (cached !== undefined) return cached;
    log?.(`workers: starting ${workers} ${provider.name === 'web-workers' ? 'Web Workers' : 'worker threads'}, each loading "${spec.model}" on ${spec.backend}`);
    const entry = provider.create(spec, workers, local).then((pool) => {
      if (this.released) {
        pool.dispose();
        throw new UpshiftError('this Pipeline has been disposed');
      }
      this.loaded.add(pool);
      return pool;
    });
    entry.catch(() => this.models.delete(key));
    this.models.set(key, { backend: spec.backend, name: `${spec.model} (${workers} workers)`, model: entry });
    return entry;
  }

  /**
   * Times a model call of `config`'s model on its backend (activated if need be): `batch` images at
   * `level` (zeros at sigma 1, with the config's first class label and its guidance), `repeats`
   * times, returning the fastest (the first call at a new size pays the backend's warm-up), for
   * time estimates such as the CLI's. Uses (and caches) the same model a run of `config` uses; makes
   * no event and leaves no tensor. Call it while no other run computes (e.g. from a step hook,
   * which pauses its run), or the time includes theirs.
   */
  async timeModelCall(config: Partial<PipelineConfig> | unknown, level = 0, batch = 1, repeats = 2): Promise<{ readonly flops: number; readonly ms: number }> {
    if (this.disposed) throw new UpshiftError('this Pipeline has been disposed');
    const parsed = parsePipelineConfig(config);
    // The config's backend (active already during a run; "auto" reuses the Pipeline's choice).
    const backend = await activateBackend(this.container, parsed.backend, () => undefined, this.autoBackend);
    const model = await this.model(findFactory(this.container, DenoiserFactory, 'model', parsed.model), parsed, backend);
    const full = parsed.resolution ?? denoiserTraits(model).resolution ?? DEFAULT_RESOLUTION;
    const { height, width } = resolutionAtLevel(full, level);
    const label = classLabelsOf(parsed)[0] ?? null;
    const ctx = { level, classLabels: new Array<number | null>(batch).fill(label), guidance: parsed.guidance ?? 1 };
    const x = tf.zeros([batch, height, width, model.channels]) as tf.Tensor4D;
    try {
      let ms = Infinity;
      for (let i = 0; i < Math.max(1, repeats); i++) {
        const t0 = performance.now();
        const out = await model.denoise(x, 1, ctx);
        await out.data();
        ms = Math.min(ms, performance.now() - t0);
        out.dispose();
      }
      return { flops: model.flops ? model.flops(height, width, batch, ctx) : height * width * batch, ms };
    } finally {
      x.dispose();
    }
  }

  /** The cached denoiser of (backend, model, modelOptions), created on first use. */
  private model(factory: PluginFactory<Denoiser>, config: PipelineConfig, backend: string, log?: (message: string) => void): Promise<Denoiser> {
    const key = `${backend}\u0000${config.model}\u0000${JSON.stringify(config.modelOptions ?? null)}`;
    this.retireOtherBackends(backend, log);
    let entry = this.models.get(key)?.model;
    if (entry === undefined) {
      log?.(`model: loading "${config.model}" on ${backend}`);
      entry = Promise.resolve(factory.create(config.modelOptions, this.container)).then((model) => {
        if (this.released) {
          disposeQuietly(model.dispose?.bind(model));
          throw new UpshiftError('this Pipeline has been disposed');
        }
        this.loaded.add(model);
        return model;
      });
      entry.catch(() => this.models.delete(key));
      this.models.set(key, { backend, name: config.model, model: entry });
    }
    return entry;
  }
}
