/**
 * The page/worker protocol end to end in Node: the real {@link servePipeline} host and
 * {@link PipelineClient} on the two ends of a MessageChannel (structured cloning, like a Worker),
 * serving a real Pipeline on the tfjs cpu backend with the random-weights UNet fixture at 8 x 8.
 * The browser path (a real module Worker, wasm threads) is test/web-e2e.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { lastValueFrom, toArray } from 'rxjs';
import { container as globalContainer } from 'tsyringe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@upshift/backend-cpu';
import type { Denoiser } from '@upshift/core';
import type { RecommendedSampling } from '@upshift/models';
import { Pipeline, registerAll } from '@upshift/pipeline';
import { PipelineClient } from './pipeline-client.js';
import type { FailureSource } from './pipeline-client.js';
import { servePipeline } from './pipeline-host.js';
import type { PipelineWorkerApp } from './pipeline-host.js';
import type { MessageEndpoint, PageMessage, RemoteStepEvent, WorkerMessage } from './worker-protocol.js';

const RANDOM_UNET = fileURLToPath(new URL('../../../packages/models/fixtures/random-unet', import.meta.url));
const CONFIG = { model: 'emoji-unet', modelOptions: { path: RANDOM_UNET }, backend: 'cpu', steps: 3, seed: 2, resolution: { height: 8, width: 8 }, classLabels: 1, previews: true };

/** The two ends of a channel, typed as the page's and the worker's endpoints. */
function channel(): { page: MessagePort; worker: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  return { page: port1, worker: port2 };
}

interface Served {
  readonly client: PipelineClient;
  readonly pipeline: Pipeline;
  /** Denoisers that the app's `runOptions` handed to runs (the DI seam a denoiser pool uses). */
  readonly injected: Denoiser[];
  close(): void;
}

/** A host on one end (booting a cpu pipeline) and a client on the other. */
function serve(options: { injectDenoiser?: Denoiser; failBoot?: Error; failures?: FailureSource; sampling?: RecommendedSampling } = {}): Served {
  const { page, worker } = channel();
  const container = globalContainer.createChildContainer();
  registerAll(container, { backends: false });
  registerCpuBackend(container);
  const pipeline = new Pipeline(container);
  const injected: Denoiser[] = [];
  const stop = servePipeline(worker as unknown as MessageEndpoint<WorkerMessage, PageMessage>, async () => {
    if (options.failBoot) throw options.failBoot;
    const app: PipelineWorkerApp = {
      pipeline,
      classes: ['a', 'b', 'c'],
      backends: [{ name: 'cpu', priority: 0, available: true, note: 'tfjs cpu' }],
      backendLabel: (backend) => `${backend} (test)`,
      ...(options.sampling ? { sampling: options.sampling } : {}),
      ...(options.injectDenoiser
        ? {
            runOptions: () => {
              injected.push(options.injectDenoiser!);
              return { denoiser: options.injectDenoiser! };
            },
          }
        : {}),
    };
    return app;
  });
  const client = new PipelineClient(page as unknown as MessageEndpoint<PageMessage, WorkerMessage>, options.failures);
  worker.start();
  page.start();
  return {
    client,
    pipeline,
    injected,
    close: () => {
      stop();
      client.dispose();
      page.close();
      worker.close();
    },
  };
}

let baseline: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});

afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('servePipeline + PipelineClient over a MessageChannel', () => {
  it('boots with the classes, backends and the pipeline defaults, then streams a run as plain data', async () => {
    const served = serve();
    try {
      const info = await served.client.init(new URL('http://127.0.0.1/models/'));
      expect(info.classes).toEqual(['a', 'b', 'c']);
      expect(info.backends.map((b) => b.name)).toEqual(['cpu']);
      expect(info.defaults.sampler).toBe('euler');
      expect(await served.client.memory()).toEqual({ numTensors: baseline, numBytes: expect.any(Number), backend: 'cpu', poolWorkers: [] });

      const logs: string[] = [];
      const events = await lastValueFrom(served.client.run(CONFIG, { log: (line) => logs.push(line) }).pipe(toArray()));
      expect(events.map((e) => e.type)).toEqual(['start', 'step', 'step', 'step', 'done']);
      const start = events[0] as Extract<RemoteStepEvent, { type: 'start' }>;
      expect(start.backend).toBe('cpu');
      expect(start.backendLabel).toBe('cpu (test)');
      expect(start.plan.steps).toHaveLength(3);
      for (const step of events.filter((e) => e.type === 'step')) {
        expect('x' in step || 'denoised' in step).toBe(false); // no tensors cross
        expect(step.preview?.shape).toEqual([1, 8, 8, 3]);
        expect(step.preview?.data).toBeInstanceOf(Float32Array);
      }
      const done = events[4] as Extract<RemoteStepEvent, { type: 'done' }>;
      expect(done.image.shape).toEqual([1, 8, 8, 3]);
      expect(done.image.data.every(Number.isFinite)).toBe(true);
      expect(logs.some((line) => line.startsWith('model: loading'))).toBe(true);

      // The model stays cached in the "worker"; the run itself freed everything.
      const memory = await served.client.memory();
      expect(memory.numTensors).toBeGreaterThan(baseline + 10);
      served.pipeline.dispose();
      expect((await served.client.memory()).numTensors).toBe(baseline);
    } finally {
      served.close();
    }
  });

  it('fills what a run leaves out from the model\'s recommended sampling; what the page sets wins', async () => {
    const served = serve({ sampling: { sampler: 'heun', schedule: 'exponential', steps: 2, guidance: 3 } });
    try {
      const info = await served.client.init(new URL('http://127.0.0.1/models/'));
      expect(info.sampling).toEqual({ sampler: 'heun', schedule: 'exponential', steps: 2, guidance: 3 });
      const { steps: _steps, ...withoutSteps } = CONFIG;
      const events = await lastValueFrom(served.client.run({ ...withoutSteps, guidance: 1.5 }).pipe(toArray()));
      const start = events[0] as Extract<RemoteStepEvent, { type: 'start' }>;
      expect(start.config).toMatchObject({ sampler: 'heun', schedule: 'exponential', steps: 2, guidance: 1.5 });
      expect(events.filter((e) => e.type === 'step')).toHaveLength(2);
    } finally {
      served.pipeline.dispose();
      served.close();
    }
  });

  it('delivers a ConfigError with its name, message and field; the client stays usable', async () => {
    const served = serve();
    try {
      await served.client.init(new URL('http://127.0.0.1/models/'));
      const error = await lastValueFrom(served.client.run({ ...CONFIG, steps: 0 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'ConfigError', field: 'steps' });
      expect((error as Error).message).toMatch(/^Invalid steps = 0: /);
      const unknown = await lastValueFrom(served.client.run({ ...CONFIG, policy: 'nope' })).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ name: 'UnknownPluginError', field: 'policy' });
      const events = await lastValueFrom(served.client.run({ ...CONFIG, steps: 1 }).pipe(toArray()));
      expect(events.at(-1)?.type).toBe('done');
    } finally {
      served.pipeline.dispose();
      served.close();
    }
  });

  it('unsubscribing cancels the run in the worker: no further events, and its tensors are freed', async () => {
    const served = serve();
    try {
      await served.client.init(new URL('http://127.0.0.1/models/'));
      await lastValueFrom(served.client.run({ ...CONFIG, steps: 1 }).pipe(toArray())); // loads the model
      const withModel = (await served.client.memory()).numTensors;
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const subscription = served.client.run({ ...CONFIG, steps: 50 }).subscribe({
          next: (event) => {
            seen.push(event.type);
            if (event.type === 'step') {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => reject(new Error('the run completed although it was cancelled')),
        });
      });
      // Answered only once the cancelled run has cleaned up in the worker.
      expect((await served.client.memory()).numTensors).toBe(withModel);
      expect(seen).toEqual(['start', 'step']);
    } finally {
      served.pipeline.dispose();
      served.close();
    }
  });

  it('a run takes the denoiser the app injects through runOptions (how a denoiser pool plugs in)', async () => {
    const { createFactoryGaussianDenoiser } = await import('@upshift/testing');
    const inner = createFactoryGaussianDenoiser();
    let calls = 0;
    const counting: Denoiser = { ...inner, name: 'counting', denoise: (x, sigma, ctx) => (calls++, inner.denoise(x, sigma, ctx)) };
    const served = serve({ injectDenoiser: counting });
    try {
      await served.client.init(new URL('http://127.0.0.1/models/'));
      const events = await lastValueFrom(served.client.run({ ...CONFIG, model: 'gaussian-is-not-registered', steps: 4 }).pipe(toArray()));
      expect(events.at(-1)?.type).toBe('done');
      expect(served.injected).toHaveLength(1);
      expect(calls).toBe(4);
    } finally {
      served.pipeline.dispose();
      served.close();
    }
  });

  it('a failed boot rejects init with the error name and message', async () => {
    const failure = new Error('config.json: HTTP 404 Not Found');
    failure.name = 'ModelLoadError';
    const served = serve({ failBoot: failure });
    try {
      await expect(served.client.init(new URL('http://127.0.0.1/models/'))).rejects.toMatchObject({ name: 'ModelLoadError', message: 'config.json: HTTP 404 Not Found' });
    } finally {
      served.close();
    }
  });

  it('a worker error fails the runs in flight and pending requests instead of leaving them waiting', async () => {
    const failures = new EventTarget();
    const served = serve({ failures: failures as FailureSource });
    try {
      await served.client.init(new URL('http://127.0.0.1/models/'));
      const run = lastValueFrom(served.client.run({ ...CONFIG, steps: 50 })).catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const memory = served.client.memory().catch((e: unknown) => e); // waits for the run to end
      const crash = new Event('error');
      Object.assign(crash, { message: 'Uncaught RuntimeError: memory access out of bounds', filename: 'pipeline-worker.js', lineno: 1 });
      failures.dispatchEvent(crash);
      expect(await run).toMatchObject({ name: 'WorkerError', message: 'the pipeline worker failed: Uncaught RuntimeError: memory access out of bounds (pipeline-worker.js:1)' });
      expect(await memory).toMatchObject({ name: 'WorkerError' });
      // The client also asked the (still living) worker to stop that run.
      await served.pipeline.whenIdle();
    } finally {
      served.pipeline.dispose();
      served.close();
    }
  });
});
