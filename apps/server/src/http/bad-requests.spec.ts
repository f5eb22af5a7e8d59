/**
 * Every kind of bad request gets a 4xx whose body names the field and its value, before
 * anything is queued; API keys and the per-key rate limit. No model is loaded here: nothing
 * these requests ask for may start.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, parseApiKeys } from './api-keys.js';
import { startServer } from '../serve.js';
import type { RunningServer } from '../serve.js';

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly url?: string;
  readonly body?: unknown;
  readonly payload?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly field: string;
  /** Text the message must contain (the value as written). */
  readonly shows: string;
}

const missing = randomUUID();
const CASES: Case[] = [
  { name: 'steps below 1', body: { config: { steps: 0 } }, status: 400, field: 'config.steps', shows: '= 0' },
  { name: 'steps above the limit', body: { config: { steps: 101 } }, status: 400, field: 'config.steps', shows: '= 101' },
  { name: 'steps not an integer', body: { config: { steps: 2.5 } }, status: 400, field: 'config.steps', shows: '= 2.5' },
  { name: 'batch above the limit', body: { config: { batch: 17 } }, status: 400, field: 'config.batch', shows: '= 17' },
  { name: 'resolution above the limit', body: { config: { resolution: { height: 256, width: 64 } } }, status: 400, field: 'config.resolution.height', shows: '= 256' },
  { name: 'unknown sampler', body: { config: { sampler: 'nope' } }, status: 400, field: 'config.sampler', shows: '"nope"' },
  { name: 'unknown policy', body: { config: { policy: 'fastest' } }, status: 400, field: 'config.policy', shows: '"fastest"' },
  { name: 'unknown schedule', body: { config: { schedule: 'linear-ish' } }, status: 400, field: 'config.schedule', shows: '"linear-ish"' },
  { name: 'unknown resizer', body: { config: { resizer: 'lanczos' } }, status: 400, field: 'config.resizer', shows: '"lanczos"' },
  { name: 'model not served', body: { config: { model: 'gaussian' } }, status: 400, field: 'config.model', shows: '"gaussian"' },
  { name: 'backend from a request', body: { config: { backend: 'cpu' } }, status: 400, field: 'config.backend', shows: '"cpu"' },
  { name: 'threads from a request', body: { config: { workers: 64 } }, status: 400, field: 'config.workers', shows: '= 64' },
  { name: 'a file path in model options', body: { config: { modelOptions: { path: '/etc' } } }, status: 400, field: 'config.modelOptions', shows: '/etc' },
  { name: 'policy options a plugin rejects', body: { config: { policy: 'budget', policyOptions: { fraction: 2 } } }, status: 400, field: 'config.policyOptions.fraction', shows: '= 2' },
  { name: 'sampler options a plugin rejects', body: { config: { sampler: 'ddim', samplerOptions: { eta: -1 } } }, status: 400, field: 'config.samplerOptions.eta', shows: '= -1' },
  { name: 'a misspelt config field', body: { config: { stpes: 3 } }, status: 400, field: 'config.stpes', shows: '= 3' },
  { name: 'seed out of range', body: { config: { seed: -1 } }, status: 400, field: 'config.seed', shows: '= -1' },
  { name: 'guidance not a number', body: { config: { guidance: 'high' } }, status: 400, field: 'config.guidance', shows: '"high"' },
  { name: 'labels not one per item', body: { config: { batch: 2, classLabels: [1, 2, 3] } }, status: 400, field: 'config.classLabels', shows: '[1,2,3]' },
  { name: 'config not an object', body: { config: 'fast' }, status: 400, field: 'config', shows: '"fast"' },
  // Found by scripts/bad-inputs.ts: accepted with 202 before, then failed once a worker ran them.
  { name: 'resizer options a plugin rejects', body: { config: { resizerOptions: { bogus: 1 } } }, status: 400, field: 'config.resizerOptions.bogus', shows: '= 1' },
  { name: 'stochastic steps after an upshift a sampler rejects', body: { config: { afterUpshift: { steps: -3 } } }, status: 400, field: 'config.afterUpshift.steps', shows: '= -3' },
  { name: 'more guidance levels than the model has', body: { config: { guidanceLevels: [1, 2, 3, 4, 5, 6, 7] } }, status: 400, field: 'config.guidanceLevels', shows: '[1,2,3,4,5,6,7]' },
  { name: 'a resolution the network cannot take', body: { config: { resolution: { height: 36, width: 36 } } }, status: 400, field: 'config.resolution', shows: '"36x36"' },
  { name: 'a class the model does not know', body: { config: { classLabels: 99 } }, status: 400, field: 'config.classLabels[0]', shows: '= 99' },
  { name: 'a budget below the cheapest plan', body: { config: { policy: 'budget', policyOptions: { fraction: 0.01 } } }, status: 400, field: 'config.policyOptions.fraction', shows: '= 0.01' },
  { name: 'count 0', body: { count: 0 }, status: 400, field: 'count', shows: '= 0' },
  { name: 'count above the limit', body: { count: 17 }, status: 400, field: 'count', shows: '= 17' },
  { name: 'an unknown body field', body: { config: {}, priority: 9 }, status: 400, field: 'priority', shows: '= 9' },
  { name: 'malformed JSON', payload: '{"config": {', headers: { 'content-type': 'application/json' }, status: 400, field: 'body', shows: 'body' },
  { name: 'a body over the limit', payload: JSON.stringify({ config: { pad: 'x'.repeat(4_300_000) } }), headers: { 'content-type': 'application/json' }, status: 413, field: 'body', shows: 'bytes' },
  { name: 'not JSON', payload: 'steps=3', headers: { 'content-type': 'text/plain' }, status: 415, field: 'content-type', shows: '"text/plain"' },
  { name: 'a checkpoint that is not base64', body: { checkpoint: 'not base64!' }, status: 400, field: 'checkpoint', shows: '"not base64!"' },
  { name: 'a checkpoint that is not one', body: { checkpoint: Buffer.from('hello, world').toString('base64') }, status: 400, field: 'checkpoint', shows: 'checkpoint' },
  { name: 'a truncated checkpoint', body: { checkpoint: 'VVBTSENLUFQ=' }, status: 400, field: 'checkpoint', shows: 'checkpoint' },
  { name: 'a checkpoint with count 2', body: { checkpoint: 'VVBTSENLUFQ=', count: 2 }, status: 400, field: 'count', shows: '= 2' },
  { name: 'a run id that is not a UUID', method: 'GET', url: '/v1/runs/latest', status: 400, field: 'id', shows: '"latest"' },
  { name: 'a missing run', method: 'GET', url: `/v1/runs/${missing}`, status: 404, field: 'id', shows: missing },
  { name: 'cancelling a missing run', method: 'DELETE', url: `/v1/runs/${missing}`, status: 404, field: 'id', shows: missing },
  { name: 'events of a missing run', method: 'GET', url: `/v1/runs/${missing}/events`, status: 404, field: 'id', shows: missing },
  { name: 'the image of a missing run', method: 'GET', url: `/v1/runs/${missing}/image.png`, status: 404, field: 'id', shows: missing },
  { name: 'a negative image item', method: 'GET', url: `/v1/runs/${missing}/image.png?item=-1`, status: 400, field: 'item', shows: '"-1"' },
  { name: 'a bad events cursor', method: 'GET', url: `/v1/runs/${missing}/events?from=soon`, status: 400, field: 'from', shows: '"soon"' },
  { name: 'an unknown route', method: 'GET', url: '/v1/jobs', status: 404, field: 'url', shows: '/v1/jobs' },
];

describe('bad requests', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, backend: 'cpu', rateLimit: { max: 1000, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`answer ${CASES.length} kinds of bad request with a 4xx naming the field and value, and queue nothing`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    for (const c of CASES) {
      const res = await server.app.inject({
        method: c.method ?? 'POST',
        url: c.url ?? '/v1/runs',
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.payload !== undefined ? { payload: c.payload } : c.body !== undefined ? { payload: c.body as object } : {}),
      });
      const body = res.json();
      expect({ case: c.name, status: res.statusCode, field: body.field }).toEqual({ case: c.name, status: c.status, field: c.field });
      expect(body.message, c.name).toContain(c.field === 'url' ? 'url' : c.field);
      expect(body.message, c.name).toContain(c.shows);
      expect(body.statusCode).toBe(c.status);
    }
    expect(await server.queue.depth()).toEqual({ waiting: 0, active: 0 });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).not.toMatch(/^upshift_runs_submitted_total\{/m);
  });

  it('a body over the limit on a real connection: the 413 reaches a client still sending, and the connection stays usable', async () => {
    // The body is sent in two parts: the second only after the 413 has arrived, as a client
    // writing a large body meets it. Closing the connection there (fastify's default) made the
    // client's write fail (fetch: "fetch failed", EPIPE) instead of showing the 413.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    const errors: Error[] = [];
    socket.on('error', (e) => errors.push(e));
    let received = '';
    const until = (pattern: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(received)) return void resolve();
          if (socket.destroyed) reject(new Error(`connection closed; received: ${received.slice(0, 300)}`));
        };
        socket.on('data', (c: Buffer) => {
          received += c.toString('latin1');
          check();
        });
        socket.on('close', check);
        check();
      });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const length = 5_000_000;
    socket.write(`POST /v1/runs HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
    socket.write(Buffer.alloc(1_000_000, 0x20));
    await until(/\r\n\r\n\{[^}]*\}/);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).not.toMatch(/^connection: close/im);
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as { field: string; value: number; message: string };
    expect(body).toMatchObject({ field: 'body', value: length });
    expect(body.message).toContain('larger than this server accepts (4194304 bytes)');
    await new Promise<void>((resolve, reject) => socket.write(Buffer.alloc(length - 1_000_000, 0x20), (e) => (e ? reject(e) : resolve())));
    received = '';
    socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    await until(/^HTTP\/1\.1 200 /);
    socket.destroy();
    expect(errors).toEqual([]);
  });

  it('sends no CORS headers: pages on other origins cannot call the API', async () => {
    const origin = 'https://elsewhere.example';
    const preflight = await server.app.inject({ method: 'OPTIONS', url: '/v1/runs', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await server.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('a batch that cannot fit the backend (embedded mode, wasm)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, backend: 'wasm' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is refused with 400 naming config.batch and saying how many fit, before anything is queued', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/runs', payload: { config: { batch: 16, resolution: { height: 128, width: 128 }, classLabels: 0 } } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'config.batch', value: 16 });
    expect(res.json().message).toMatch(/more than the wasm backend can hold: 4\.0 GiB.*at most \d+ images? fit/);
    expect(await server.queue.depth()).toEqual({ waiting: 0, active: 0 });
  });
});

describe('API keys and rate limits', () => {
  const alice = createApiKey('alice');
  const bob = createApiKey('bob');
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, backend: 'cpu', apiKeys: parseApiKeys(`${alice.entry}\n${bob.entry}`, 'test'), rateLimit: { max: 3, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await server?.close();
  });
  const get = (key?: string) =>
    server.app.inject({ method: 'GET', url: `/v1/runs/${randomUUID()}`, ...(key === undefined ? {} : { headers: { authorization: key } }) });

  it('stores keys hashed and rejects missing, malformed and unknown keys with 401 naming the authorization field', async () => {
    expect(alice.entry).toMatch(/^alice:sha256:[0-9a-f]{64}$/);
    expect(alice.entry).not.toContain(alice.key);
    const none = await get();
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ field: 'authorization', value: null });
    const wrong = await get(`Bearer ${createApiKey('mallory').key}`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().field).toBe('authorization');
    expect(wrong.json().message).toContain('unknown API key');
    expect(wrong.json().value).toMatch(/^Bearer upk\.\.\.|^Bearer upk_/);
    expect(wrong.json().value.length).toBeLessThan(20); // masked, never echoed whole
    const basic = await get('Basic dXNlcjpwYXNz');
    expect(basic.statusCode).toBe(401);
    expect(basic.json().message).toContain('expected "Bearer <API key>"');
    // Health and the OpenAPI document need no key.
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('answers 429 past the per-key limit, naming the key; other keys are not affected', async () => {
    for (let i = 0; i < 3; i++) expect((await get(`Bearer ${alice.key}`)).statusCode).toBe(404);
    const limited = await get(`Bearer ${alice.key}`);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ statusCode: 429, field: 'authorization', value: 'alice' });
    expect(limited.json().message).toContain('at most 3');
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await get(`Bearer ${bob.key}`)).statusCode).toBe(404);
  });
});
