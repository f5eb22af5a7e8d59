/**
 * Inputs that used to be found late or blamed on the wrong thing (found by
 * scripts/bad-inputs.ts), each refused at once with one line naming the real cause: a model
 * folder whose config.json recommends a bad sampling setting (the file and `sampling.<field>`,
 * not an option the user never typed; the user's own choice still wins), `eval` / `compare`
 * folders that cannot take files (before any sampling), `serve` options that cannot work (a port
 * in use, an unreachable Redis: named as the flag, exit 2, no hang), and a model folder served
 * over http(s), whose classes count (`--class 2` was refused as "out of range; classes: (none)").
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';

const SHIPPED = fileURLToPath(new URL('../../../packages/models/assets/emoji-unet/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-early-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A model folder: the shipped config with `sampling` changed, the shipped weights linked. */
async function modelWithSampling(name: string, sampling: Record<string, unknown>): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder);
  const config = JSON.parse(readFileSync(join(SHIPPED, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, sampling: { ...config['sampling'], ...sampling } }));
  symlinkSync(join(SHIPPED, 'model.safetensors'), join(folder, 'model.safetensors'));
  return folder;
}

async function cli(args: string[]): Promise<{ code: number; stderr: string; ms: number }> {
  const stderr = memorySink();
  const t0 = Date.now();
  const code = await runCli(args, { io: { stdout: memorySink(), stderr } });
  return { code, stderr: stderr.text(), ms: Date.now() - t0 };
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('upshift: '));

describe("a model's bad recommended sampling", () => {
  it.each([
    ['policy', { policy: 'warp' }, 'sampling.policy = "warp": unknown name'],
    ['sampler', { sampler: 'nope' }, 'sampling.sampler = "nope": unknown name'],
    ['policy options', { policy: 'budget', policyOptions: { fraction: 7 } }, 'sampling.policyOptions.fraction = 7'],
    ['resizer options', { resizerOptions: { bogus: 1 } }, 'sampling.resizerOptions.bogus = 1'],
    ['stochastic steps', { afterUpshift: { steps: 'x' } }, 'sampling.afterUpshift.steps = "x"'],
  ])('%s: the model file is named (exit 1), not an option the user never gave; nothing written', async (name, sampling, says) => {
    const model = await modelWithSampling(`bad-${name.replace(' ', '-')}`, sampling);
    const out = join(dir, `out-${name.replace(' ', '-')}`);
    const r = await cli(['generate', '--backend', 'cpu', '--workers', '1', '--class', '0', '--model-options', JSON.stringify({ path: model }), '--out', out, '--no-progress']);
    expect(r.code).toBe(EXIT_CODES.failure);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Cannot load model file ${join(model, 'config.json')}: invalid field ${says}`);
    expect(existsSync(out)).toBe(false);
  });

  it("the user's own choice wins over a bad recommendation: --policy none runs", async () => {
    const model = await modelWithSampling('bad-overridden', { policy: 'warp' });
    const out = join(dir, 'out-overridden');
    const r = await cli(['generate', '--backend', 'cpu', '--workers', '1', '--class', '0', '--guidance', '1', '--steps', '1', '--resolution', '16', '--policy', 'none', '--no-grid', '--model-options', JSON.stringify({ path: model }), '--out', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(await readdir(out)).toContain('upshift-00.png');
  });
});

describe('a model folder served over http', () => {
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      const name = (req.url ?? '/').replace(/^\/model\//, '');
      if (!['config.json', 'model.safetensors'].includes(name)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(join(SHIPPED, name)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('its config.json is read up front: --class by name or index, and its recommended sampling, as for a local folder', async () => {
    const out = join(dir, 'out-http');
    const r = await cli(['generate', '--backend', 'cpu', '--workers', '1', '--class', '2', '--guidance', '1', '--steps', '1', '--resolution', '16', '--no-grid', '--model-options', JSON.stringify({ path: `${base}/model` }), '--out', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT_CODES.ok);
    const sidecar = JSON.parse(readFileSync(join(out, 'upshift.json'), 'utf8')) as { config: Record<string, unknown>; images: unknown[] };
    expect(sidecar.images).toEqual([{ file: 'upshift-00.png', classLabel: 2, className: 'Flags' }]);
    // the model's recommendation (config.json -> sampling) fills what the command line leaves out
    const { sampling } = JSON.parse(readFileSync(join(SHIPPED, 'config.json'), 'utf8')) as { sampling: Record<string, unknown> };
    expect(sidecar.config).toMatchObject({ policy: sampling['policy'], policyOptions: sampling['policyOptions'], guidanceInterval: sampling['guidanceInterval'], guidance: 1 });
  });

  it('a URL with no model there: exit 1 naming the URL of its config.json, not --class', async () => {
    const r = await cli(['generate', '--backend', 'cpu', '--class', '2', '--model-options', JSON.stringify({ path: `${base}/nothing` }), '--out', join(dir, 'out-404')]);
    expect(r.code).toBe(EXIT_CODES.failure);
    expect(errorLines(r.stderr)).toEqual([`upshift: ModelLoadError: Cannot load model file ${base}/nothing/config.json: cannot fetch it (HTTP 404 Not Found)`]);
  });
});

describe('eval and compare check their folders before any sampling', () => {
  const file = (): string => {
    const f = join(dir, 'a-file');
    writeFileSync(f, 'x');
    return f;
  };
  it.each([
    ['eval --cache-dir <a file>', () => ['eval', '--parts', 'analytic', '--cache-dir', file(), '--out', join(dir, 'docs')], '--cache-dir'],
    ['eval --out /proc/...', () => ['eval', '--parts', 'analytic', '--cache-dir', join(dir, 'cache'), '--out', '/proc/upshift-early'], '--out'],
    ['compare --cache-dir <a file>', () => ['compare', '--backend', 'cpu', '--images', '2', '--steps', '2', '--held-out', 'none', '--cache-dir', file(), '--out', join(dir, 'cmp')], '--cache-dir'],
  ])('%s: exit 2 naming the option, in seconds, nothing created', async (_name, args, flag) => {
    const r = await cli([...args(), '--no-progress']);
    expect(r.code).toBe(EXIT_CODES.badInput);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^upshift: Invalid ${flag} = `));
    expect(r.ms).toBeLessThan(10_000);
    for (const made of ['docs', 'cache', 'cmp']) expect(existsSync(join(dir, made))).toBe(false);
  });
});

describe('serve options that cannot work', () => {
  it('a port in use: exit 2 naming --port and the port', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as { port: number }).port)));
    try {
      const r = await cli(['serve', '--port', String(port), '--backend', 'cpu']);
      expect(r.code).toBe(EXIT_CODES.badInput);
      expect(errorLines(r.stderr)).toEqual([`upshift: Invalid --port = ${port}: 127.0.0.1:${port} is already in use (another server there? --port 0 picks a free port)`]);
    } finally {
      blocker.close();
    }
  });

  it('an unreachable Redis: exit 2 naming --redis, within seconds (not a silent wait)', async () => {
    const r = await cli(['serve', '--port', '0', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(EXIT_CODES.badInput);
    expect(errorLines(r.stderr)).toEqual(['upshift: Invalid --redis = "redis://127.0.0.1:1": cannot reach Redis there (ECONNREFUSED)']);
    expect(r.ms).toBeLessThan(8000);
  });
});
