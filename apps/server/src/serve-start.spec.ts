/**
 * Starting a server or worker with options that cannot work fails at once with a ConfigError
 * naming the option and value (the CLI turns `port` into `--port`), leaving nothing listening or
 * connected: a port in use, a public host without API keys, a host that is not on this machine,
 * and a Redis that cannot be reached (the service's own connections retry forever, so without the
 * start-up check `serve --redis` / `worker` would wait silently forever).
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { createApiKey, parseApiKeys } from './http/api-keys.js';
import { REDIS_PROBE_TIMEOUT_MS } from './queue/redis-probe.js';
import { DEFAULT_RUN_LIMITS } from './runs/run-limits.js';
import { startServer } from './serve.js';
import { startWorker } from './worker/run-worker.js';

async function refusal(start: () => Promise<unknown>): Promise<ConfigError> {
  try {
    await start();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('it started');
}

function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise((r) => server.close(r));
  return port;
}

describe('startServer / startWorker refuse what cannot work, at once', () => {
  it('a port in use: ConfigError port, naming the address; the server then starts on a free port', async () => {
    const { server: blocker, port } = await listening();
    try {
      const error = await refusal(() => startServer({ port, backend: 'cpu' }));
      expect(error.field).toBe('port');
      expect(error.value).toBe(port);
      expect(error.message).toContain(`127.0.0.1:${port} is already in use`);
      const ok = await startServer({ port: 0, backend: 'cpu' });
      await ok.close();
    } finally {
      blocker.close();
    }
  });

  it('a public host without API keys, and a host that is not on this machine: ConfigError host', async () => {
    const open = await refusal(() => startServer({ host: '0.0.0.0', port: 0, backend: 'cpu' }));
    expect(open.field).toBe('host');
    expect(open.message).toMatch(/^Invalid host = "0\.0\.0\.0": .*API keys/);
    const keys = parseApiKeys(createApiKey('ops').entry, 'test');
    // 192.0.2.1 (TEST-NET-1) is never an address of this machine.
    const away = await refusal(() => startServer({ host: '192.0.2.1', port: 0, backend: 'cpu', apiKeys: keys }));
    expect(away).toMatchObject({ field: 'host', value: '192.0.2.1' });
    expect(away.message).toContain('is not an address of this machine');
  });

  it('embedded mode with a backend nobody provides: UnknownPluginError backend, listing the registered ones', async () => {
    const error = await refusal(() => startServer({ port: 0, backend: 'tpu' }));
    expect(error).toMatchObject({ name: 'UnknownPluginError', field: 'backend', value: 'tpu' });
    expect(error.message).toContain('"wasm"');
  });

  it('a model nobody provides in limits.models: UnknownPluginError models, listing the registered ones, before anything listens', async () => {
    const limits = { ...DEFAULT_RUN_LIMITS, models: ['emoji-unet', 'nope'] };
    const error = await refusal(() => startServer({ port: 0, backend: 'cpu', limits }));
    expect(error).toMatchObject({ name: 'UnknownPluginError', field: 'models', value: 'nope' });
    expect(error.message).toBe('Invalid models = "nope": unknown name; registered: "emoji-unet"');
  });

  it('a Redis nobody answers at: ConfigError redis within the probe timeout, for serve and worker', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    for (const start of [() => startServer({ port: 0, redis: url }), () => startWorker({ redis: url })]) {
      const t0 = Date.now();
      const error = await refusal(start);
      expect(error).toMatchObject({ field: 'redis', value: url });
      expect(error.message).toMatch(/cannot reach Redis there \(ECONNREFUSED\)/);
      expect(Date.now() - t0).toBeLessThan(REDIS_PROBE_TIMEOUT_MS + 1000);
    }
  });
});
