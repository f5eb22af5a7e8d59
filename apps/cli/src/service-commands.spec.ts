/** `upshift serve` / `worker` / `api-key` options: each bad value is one ConfigError naming the flag; good ones become server options. */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defineServeOptions, defineWorkerOptions, resolveServeOptions, resolveWorkerOptions, runApiKey } from './service-commands.js';
import type { RawServeOptions, RawWorkerOptions } from './service-commands.js';
import { memorySink } from './cli-io.js';

function serveRaw(args: string[]): RawServeOptions {
  const cmd = defineServeOptions(new Command('serve').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts() as RawServeOptions;
}

function workerRaw(args: string[]): RawWorkerOptions {
  const cmd = defineWorkerOptions(new Command('worker').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts() as RawWorkerOptions;
}

describe('service command options', () => {
  it('turns serve flags into server options', () => {
    const o = resolveServeOptions(serveRaw(['--port', '0', '--redis', 'redis://127.0.0.1:6400', '--max-steps', '50', '--budget-p95', '9000', '--threads', 'auto']), {});
    expect(o).toMatchObject({ host: '127.0.0.1', port: 0, redis: 'redis://127.0.0.1:6400', threads: 'auto', limits: { maxSteps: 50, models: ['emoji-unet'] }, budget: { targetP95Ms: 9000 }, apiKeys: [] });
    expect(o.budget).toEqual({ targetP95Ms: 9000 }); // floor: the cheapest plan; margin: the default
    const floored = resolveServeOptions(serveRaw(['--budget-p95', '9000', '--budget-min-fraction', '0.2', '--budget-margin', '0.25']), {});
    expect(floored.budget).toEqual({ targetP95Ms: 9000, minFraction: 0.2, margin: 0.25 });
  });

  it('turns worker flags into worker options', () => {
    const o = resolveWorkerOptions(workerRaw(['--redis', 'redis://h:1', '--levels', '1-3', '--concurrency', '2', '--backend', 'cpu', '--checkpoint-every', '3', '--lock-ms', '5000']));
    expect(o).toMatchObject({ redis: 'redis://h:1', levels: { min: 1, max: 3 }, concurrency: 2, backend: 'cpu', checkpointEvery: 3, lockDurationMs: 5000, prefix: 'upshift', threads: 1 });
  });

  it.each([
    [['--port', '70000'], '--port', '"70000"'],
    [['--redis', 'http://x'], '--redis', '"http://x"'],
    [['--concurrency', '0'], '--concurrency', '"0"'],
    [['--max-steps', 'many'], '--max-steps', '"many"'],
    [['--budget-p95', 'fast'], '--budget-p95', '"fast"'],
    [['--budget-min-fraction', '0.2'], '--budget-min-fraction', '"0.2"'],
    [['--budget-p95', '9000', '--budget-margin', '0.95'], '--budget-margin', '"0.95"'],
    [['--prefix', 'a b'], '--prefix', '"a b"'],
    [['--threads', 'lots'], '--threads', '"lots"'],
  ])('serve %j: a ConfigError naming %s', (args, flag, shown) => {
    expect(() => resolveServeOptions(serveRaw(args), {})).toThrow(`Invalid ${flag} = ${shown}`);
  });

  it.each([
    [['--redis', 'redis://h:1', '--levels', '3-1'], '--levels'],
    [['--redis', 'redis://h:1', '--levels', '0-9'], '--levels'],
    [['--redis', 'redis://h:1', '--levels', 'coarse'], '--levels'],
    [['--redis', 'redis://h:1', '--lock-ms', '10'], '--lock-ms'],
  ])('worker %j: a ConfigError naming %s', (args, flag) => {
    expect(() => resolveWorkerOptions(workerRaw(args))).toThrow(`Invalid ${flag} =`);
  });

  it('reads hashed API keys from UPSHIFT_API_KEYS and rejects a plain key there', () => {
    const out = memorySink();
    runApiKey('alice', { stdout: out, stderr: memorySink() });
    const entry = /alice:sha256:[0-9a-f]{64}/.exec(out.text())![0];
    const key = /upk_\S+/.exec(out.text())![0];
    expect(resolveServeOptions(serveRaw([]), { UPSHIFT_API_KEYS: entry }).apiKeys).toEqual([{ name: 'alice', sha256: entry.split(':')[2] }]);
    expect(() => resolveServeOptions(serveRaw([]), { UPSHIFT_API_KEYS: key })).toThrow('Invalid UPSHIFT_API_KEYS');
  });
});
