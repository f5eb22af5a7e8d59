/**
 * The HTTP API in embedded mode, over real HTTP on loopback, with the shipped model on wasm:
 * a full round trip (the image equals a direct Pipeline run bit for bit), the SSE order,
 * cancel mid-run freeing the worker's tensors, metrics and the OpenAPI document.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, collectRun } from '@upshift/pipeline';
import { startServer } from '../serve.js';
import type { RunningServer } from '../serve.js';
import type { EmbeddedRunQueue } from '../queue/embedded-run-queue.js';
import { imageSha256 } from '../runs/run-executor.js';
import { readEvents, request, waitFor } from '../test-kit.js';

const CONFIG = { steps: 3, policy: 'pyramid', classLabels: 1, seed: 11 };

describe('upshift serve (embedded)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, backend: 'wasm', concurrency: 1, checkpointEvery: 2 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs a request over HTTP: 202 ids, SSE in order, record, PNG; the image equals a direct pipeline run bit for bit', async () => {
    const created = await request('POST', `${server.url}/v1/runs`, { config: CONFIG });
    expect(created.status).toBe(202);
    const id = created.body.ids[0] as string;
    expect(created.body.runs[0].state).toBe('queued');

    const events = await readEvents(`${server.url}/v1/runs/${id}/events`);
    const types = events.map((e) => e.type);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i));
    expect(types[0]).toBe('queued');
    expect(types[1]).toBe('start');
    expect(types.at(-1)).toBe('done');
    const steps = events.filter((e) => e.event.type === 'step').map((e) => (e.event as { index: number }).index);
    expect(steps).toEqual([0, 1, 2]);
    // A resolution change comes right before the step it moves the latent for, at that step's level.
    for (const [i, e] of events.entries()) {
      if (e.event.type !== 'resolution-change') continue;
      const next = events[i + 1]!.event;
      expect(next.type).toBe('step');
      expect(next.type === 'step' && next.index === e.event.index && next.level === e.event.to).toBe(true);
    }

    const record = (await request('GET', `${server.url}/v1/runs/${id}`)).body;
    expect(record.state).toBe('succeeded');
    expect(record.plan.steps).toHaveLength(3);
    // The plan made at submit (from the model's description) is the one the run made with the weights loaded.
    expect(created.body.runs[0].plan).toEqual(record.plan);
    expect(record.stats.flopFraction).toBeGreaterThan(0);
    expect(record.stats.flopFraction).toBeLessThan(1);
    expect(record.progress).toEqual({ step: 3, steps: 3, level: 0 });

    const png = await fetch(`${server.url}/v1/runs/${id}/image.png`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const decoded = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    expect([decoded.width, decoded.height]).toEqual([64, 64]);

    const pipeline = new Pipeline();
    try {
      const { done } = await collectRun(pipeline.run({ ...CONFIG, backend: 'wasm' }));
      expect(record.imageSha256).toBe(imageSha256(done.image));
    } finally {
      pipeline.dispose();
      await pipeline.whenIdle();
    }

    // Its last checkpoint, downloaded and posted back, resumes as a new run with the same image.
    expect(events.some((e) => e.type === 'checkpoint')).toBe(true);
    const checkpoint = await fetch(`${server.url}/v1/runs/${id}/checkpoint`);
    expect(checkpoint.status).toBe(200);
    const bytes = Buffer.from(await checkpoint.arrayBuffer());
    const resumed = await request('POST', `${server.url}/v1/runs`, { checkpoint: bytes.toString('base64'), config: { previews: true } });
    expect(resumed.status).toBe(202);
    const resumedEvents = await readEvents(`${server.url}/v1/runs/${resumed.body.ids[0]}/events`);
    const start = resumedEvents.find((e) => e.event.type === 'start')!.event;
    expect(start.type === 'start' && start.resumedAt).toBe(record.checkpoint.index);
    expect((await request('GET', `${server.url}/v1/runs/${resumed.body.ids[0]}`)).body.imageSha256).toBe(record.imageSha256);
    // Resuming keeps the checkpoint's own config: other fields are refused.
    const changed = await request('POST', `${server.url}/v1/runs`, { checkpoint: bytes.toString('base64'), config: { steps: 5 } });
    expect(changed.status).toBe(400);
    expect(changed.body).toMatchObject({ field: 'config.steps', value: 5 });
  });

  it('cancels a running run: the worker unsubscribes and frees every tensor, the stream ends with cancelled', async () => {
    // The slot's model is loaded by the first test: the baseline is the model's weights.
    const queue = server.queue as EmbeddedRunQueue;
    await queue.whenIdle();
    const baseline = tf.memory().numTensors;
    const created = await request('POST', `${server.url}/v1/runs`, { config: { steps: 60, policy: 'none', seed: 3 } });
    const id = created.body.ids[0] as string;
    let cancelled: Promise<{ status: number; body: any }> | undefined;
    const events = await readEvents(`${server.url}/v1/runs/${id}/events`, {}, (m) => {
      if (m.type === 'step' && cancelled === undefined) cancelled = request('DELETE', `${server.url}/v1/runs/${id}`);
    });
    const answer = await cancelled!;
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe('cancelled');
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(events.filter((e) => e.type === 'step').length).toBeLessThan(60);
    await queue.whenIdle();
    expect(tf.memory().numTensors).toBe(baseline);
    // A finished run cannot be cancelled again, and it has no image.
    expect((await request('DELETE', `${server.url}/v1/runs/${id}`)).status).toBe(409);
    const image = await request('GET', `${server.url}/v1/runs/${id}/image.png`);
    expect(image.status).toBe(409);
    expect(image.body.field).toBe('state');
  });

  it('serves /healthz, Prometheus /metrics with FLOPs against the full-resolution plan, and /openapi.json from the route schemas', async () => {
    const health = await request('GET', `${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', mode: 'embedded', queue: { slots: 1 } });
    const metrics = await fetch(`${server.url}/metrics`);
    const text = await metrics.text();
    const value = (name: string): number => Number(new RegExp(`^${name}\\{policy="pyramid"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('upshift_flops_total')).toBeGreaterThan(0);
    expect(value('upshift_flops_total') / value('upshift_flops_full_resolution_total')).toBeLessThan(1);
    expect(text).toMatch(/^upshift_queue_depth\{state="waiting"\} 0$/m);
    expect(text).toMatch(/^upshift_run_latency_seconds_count\{policy="pyramid"\} 2$/m);
    expect(text).toMatch(/^upshift_runs_finished_total\{state="cancelled"\} 1$/m);

    const doc = (await request('GET', `${server.url}/openapi.json`)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/runs', '/v1/runs/{id}', '/v1/runs/{id}/events', '/v1/runs/{id}/image.png', '/healthz', '/metrics']));
    const body = doc.paths['/v1/runs'].post.requestBody.content['application/json'].schema;
    expect(body.properties.count.maximum).toBe(16);
    expect(body.properties.config.properties.steps.maximum).toBe(100);
    expect(body.properties.config.properties.backend).toBeUndefined();
    expect(body.additionalProperties).toBe(false);
  });

  it('keeps previews low-rate and as PNG data URLs', async () => {
    const created = await request('POST', `${server.url}/v1/runs`, { config: { ...CONFIG, previews: true } });
    const events = await readEvents(`${server.url}/v1/runs/${created.body.ids[0]}/events`);
    const previews = events.flatMap((e) => (e.event.type === 'step' && e.event.preview ? [e.event.preview] : []));
    expect(previews.length).toBeGreaterThanOrEqual(1);
    expect(previews[0]).toMatch(/^data:image\/png;base64,/);
    await waitFor(async () => ((await server.queue.depth()).active === 0 ? true : undefined), 10_000, 'the queue to empty');
  });
});
