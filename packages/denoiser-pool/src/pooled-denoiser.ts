/**
 * A {@link DenoiserPool}: each model call's batch — including the doubled batch of
 * classifier-free guidance, so that even one guided image keeps two workers busy — is split
 * into contiguous row ranges, one per worker; the rows go out as transferred `Float32Array`s,
 * each worker runs its model on them, and the answers are gathered in order. A guided call is
 * then combined with core's `combineGuidance`, exactly as a model that runs both halves in one
 * batch combines them, so a pool gives the single-thread numbers bit for bit whenever the
 * model treats batch rows independently (the Upshift UNet does, on cpu and wasm: tested).
 *
 * Pending and running: the pool keeps its own queue and hands a worker a request only when
 * that worker is idle, so "pending" means "not started". A cancelled call (its `signal`
 * aborts) or a failed one drops its pending requests at once and rejects; requests already
 * running finish on their worker (a synchronous tfjs kernel cannot be interrupted without
 * killing the thread and the model it holds) and their answers are dropped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type workerpool from 'workerpool';
import { ConfigError, DenoiserWorkerError, UpshiftError, combineGuidance, guidanceRowLabels, needsGuidance } from '@upshift/core';
import type { Denoiser, DenoiserContext, DenoiserPool, DenoiserPoolSpec, DenoiseOptions, WorkerMemory } from '@upshift/core';
import { POOL_METHOD, POOL_PROTOCOL_VERSION } from './pool-protocol.js';
import type { DenoisedReply, LoadedReply, MemoryReply, PoolReply, PoolRequest } from './pool-protocol.js';
import { splitRows } from './row-split.js';

/** The workerpool pool the denoiser drives (created by the provider). */
export type WorkerPool = ReturnType<typeof workerpool.pool>;

/** What {@link PooledDenoiser.start} needs. */
export interface PooledDenoiserInit {
  /** A workerpool pool of `workers` workers serving {@link POOL_METHOD}. */
  readonly pool: WorkerPool;
  /** Terminates the workerpool pool (Web Workers and threads alike). */
  readonly terminate: () => Promise<void>;
  readonly spec: DenoiserPoolSpec;
  readonly workers: number;
  /** The same model on this thread: name, channels, FLOPs and traits come from it. */
  readonly local: Denoiser;
}

interface Job {
  readonly request: PoolRequest;
  readonly transfer: Transferable[];
  readonly resolve: (reply: PoolReply) => void;
  readonly reject: (error: unknown) => void;
}

function isTerminated(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /terminated unexpectedly|Workerpool Worker error|Worker is terminated|worker terminated/i.test(message);
}

/** The pool's error for a failed request: what the worker threw, or that the worker stopped. */
function toWorkerError(error: unknown, disposed: boolean): Error {
  if (error instanceof UpshiftError) return error;
  if (disposed) return new UpshiftError('the denoiser pool was disposed');
  const e = (error ?? {}) as { name?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (isTerminated(error)) {
    const code = /exitCode: `(-?\d+)`/.exec(message)?.[1];
    const what = message.split('\n')[0]!.replace(/^Workerpool /, '');
    return new DenoiserWorkerError(
      `a denoiser worker stopped during a model call${code === undefined ? '' : ` (exit code ${code})`} (${what}); the pool starts a replacement`,
      'WorkerStopped',
    );
  }
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error';
  const failure = new DenoiserWorkerError(`a denoiser worker failed: ${name}: ${message}`, name);
  Object.defineProperty(failure, 'cause', { value: error });
  return failure;
}

/** A denoiser whose calls run on a pool of workers. Create it with {@link PooledDenoiser.start}. */
export class PooledDenoiser implements DenoiserPool {
  readonly name: string;
  readonly channels: number;
  readonly workers: number;
  readonly closed: Promise<void>;
  private readonly queue: Job[] = [];
  private running = 0;
  private disposed = false;
  private idleWaiters: (() => void)[] = [];
  private markClosed!: () => void;
  private loadedReplies: readonly LoadedReply[] = [];

  private constructor(private readonly init: PooledDenoiserInit) {
    this.name = init.local.name;
    this.channels = init.local.channels;
    this.workers = init.workers;
    this.closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  }

  /**
   * Loads the model on every worker (at once) and resolves with the pool; a worker that cannot
   * load it rejects the start, after every worker has been stopped.
   */
  static async start(init: PooledDenoiserInit): Promise<PooledDenoiser> {
    if (!Number.isInteger(init.workers) || init.workers < 1) throw new ConfigError('workers', init.workers, 'must be an integer >= 1');
    const pool = new PooledDenoiser(init);
    try {
      const replies = await Promise.all(Array.from({ length: init.workers }, () => pool.request({ type: 'load', version: POOL_PROTOCOL_VERSION, spec: init.spec }, [])));
      for (const reply of replies as LoadedReply[]) {
        if (reply.channels !== init.local.channels) {
          throw new UpshiftError(`denoiser worker ${reply.workerId} loaded "${reply.model}" with ${reply.channels} channels, this thread's model has ${init.local.channels}`);
        }
      }
      pool.loadedReplies = replies as LoadedReply[];
    } catch (error) {
      pool.dispose();
      await pool.closed;
      throw error;
    }
    return pool;
  }

  /** What each worker reported when it loaded the model at start. */
  get loaded(): readonly LoadedReply[] {
    return this.loadedReplies;
  }

  /** The local model's traits (levels, native resolution, spectrum, config), for the pipeline. */
  get numLevels(): unknown {
    return (this.init.local as unknown as Record<string, unknown>)['numLevels'];
  }
  get resolution(): unknown {
    return (this.init.local as unknown as Record<string, unknown>)['resolution'];
  }
  get spectrum(): unknown {
    return (this.init.local as unknown as Record<string, unknown>)['spectrum'];
  }
  get config(): unknown {
    return (this.init.local as unknown as Record<string, unknown>)['config'];
  }

  /** The local model's fingerprint: the workers load the same model (checkpoints move between the two). */
  fingerprint(): Promise<string> {
    const f = this.init.local.fingerprint;
    if (typeof f !== 'function') return Promise.reject(new UpshiftError(`model "${this.name}" has no fingerprint`));
    return f.call(this.init.local);
  }

  /** FLOPs of one call: the local model's count (the pool does the same work elsewhere). */
  flops(height: number, width: number, batch: number, ctx?: DenoiserContext): number {
    const f = this.init.local.flops;
    return f ? f.call(this.init.local, height, width, batch, ctx) : height * width * batch;
  }

  async denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext, options: DenoiseOptions = {}): Promise<tf.Tensor4D> {
    if (this.disposed) throw new UpshiftError('the denoiser pool was disposed');
    const signal = options.signal;
    signal?.throwIfAborted();
    if (x.rank !== 4 || x.shape[3] !== this.channels) throw new ConfigError('x.shape', x.shape, `must be NHWC with ${this.channels} channels`);
    const [n, h, w, c] = x.shape;
    const labels = ctx.classLabels ?? null;
    if (labels !== null && labels.length !== n) throw new ConfigError('classLabels', labels, `must have one entry per batch item (${n})`);
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) throw new ConfigError('sigma', sigma, 'must be a finite number >= 0');
    const guidance = ctx.guidance ?? 1;
    // Expanding guidance into its two halves (rows) lets every worker take a share even of one image.
    const guided = needsGuidance(ctx);
    const itemLabels = labels === null ? new Array<number | null>(n).fill(null) : [...labels];
    const rowLabels = guided ? guidanceRowLabels(itemLabels) : itemLabels;
    const rows = rowLabels.length;
    const per = h * w * c;
    const values = (await x.data()) as Float32Array;

    // One controller per call: the run's cancellation, or this call's first failure, drops the
    // call's pending requests.
    const call = new AbortController();
    const onAbort = (): void => call.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      const ranges = splitRows(rows, this.workers);
      const replies = ranges.map(([start, end]) => {
        const data = new Float32Array((end - start) * per);
        // Row r of a guided call is item r mod n (the unconditional half repeats the items).
        for (let r = start; r < end; r++) data.set(values.subarray((r % n) * per, (r % n + 1) * per), (r - start) * per);
        const request: PoolRequest = {
          type: 'denoise',
          version: POOL_PROTOCOL_VERSION,
          spec: this.init.spec,
          shape: [end - start, h, w, c],
          data,
          sigma,
          level: ctx.level,
          classLabels: rowLabels.slice(start, end),
          guidance: guided ? 1 : guidance,
        };
        return this.request(request, [data.buffer], call.signal);
      });
      const answers = await new Promise<DenoisedReply[]>((resolve, reject) => {
        call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
        Promise.all(replies).then((r) => resolve(r as DenoisedReply[]), (error: unknown) => {
          call.abort(error);
          reject(error);
        });
      });
      const out = new Float32Array(rows * per);
      answers.forEach((answer, i) => out.set(answer.data, ranges[i]![0] * per));
      signal?.throwIfAborted();
      const all = tf.tensor4d(out, [rows, h, w, c]);
      if (!guided) return all;
      try {
        const [cond, uncond] = tf.split(all, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
        try {
          return combineGuidance(cond, uncond, guidance);
        } finally {
          cond.dispose();
          uncond.dispose();
        }
      } finally {
        all.dispose();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!call.signal.aborted) call.abort(new UpshiftError('model call settled'));
    }
  }

  /**
   * Resolves when no request is running or pending (requests of a cancelled or failed call may
   * still be finishing on their workers after the call itself has settled).
   */
  whenIdle(): Promise<void> {
    if (this.disposed || (this.running === 0 && this.queue.length === 0)) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Asks every worker for its tfjs memory: waits until the pool is idle, then asks all workers
   * at once (so each answers exactly once).
   *
   * @throws UpshiftError if the workers that answered were not all different (a model call
   *   started meanwhile).
   */
  async workerMemory(): Promise<WorkerMemory[]> {
    await this.whenIdle();
    const replies = (await Promise.all(Array.from({ length: this.workers }, () => this.request({ type: 'memory', version: POOL_PROTOCOL_VERSION }, [])))) as MemoryReply[];
    if (new Set(replies.map((r) => r.workerId)).size !== this.workers) {
      throw new UpshiftError('workerMemory: not every worker answered (the pool was busy); call it while no model call runs');
    }
    return replies.map(({ workerId, backend, numTensors, numBytes, modelTensors, calls }) => ({ workerId, backend, numTensors, numBytes, modelTensors, calls }));
  }

  /** Stops every worker now; pending and running calls reject. The local model is not disposed. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new UpshiftError('the denoiser pool was disposed'));
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.init.terminate().then(
      () => this.markClosed(),
      () => this.markClosed(),
    );
  }

  /** Queues `request`; it goes to a worker as soon as one is idle (or is dropped if `signal` aborts first). */
  private request(request: PoolRequest, transfer: Transferable[], signal?: AbortSignal): Promise<PoolReply> {
    return new Promise<PoolReply>((resolve, reject) => {
      if (this.disposed) return reject(new UpshiftError('the denoiser pool was disposed'));
      const job: Job = { request, transfer, resolve, reject };
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(job);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    while (!this.disposed && this.running < this.workers && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      const done = (): void => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      };
      this.init.pool.exec(POOL_METHOD, [job.request], { transfer: job.transfer }).then(
        (reply: PoolReply) => {
          done();
          job.resolve(reply);
        },
        (error: unknown) => {
          done();
          job.reject(toWorkerError(error, this.disposed));
        },
      );
    }
  }
}
