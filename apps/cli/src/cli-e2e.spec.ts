/**
 * End to end: the real `upshift` entry point on the shipped model (wasm backend, a few steps),
 * and the error paths (exit codes, one-line messages, no files left behind).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function upshift(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', '@oxc-node/core/register', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('upshift generate (process)', () => {
  it('writes a real PNG and a sidecar from the shipped model', async () => {
    const out = join(dir, 'gen');
    const r = upshift(['generate', '--backend', 'wasm', '--steps', '4', '--class', 'flags', '--guidance', '1', '--policy', 'fixed', '--seed', '3', '--out', out, '--name', 'tiny']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['tiny-00.png', 'tiny.json']);
    const png = PNG.sync.read(await readFile(join(out, 'tiny-00.png')));
    expect([png.width, png.height]).toEqual([64, 64]);
    // A generated emoji is not a flat image: many distinct grey levels.
    const values = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) values.add(png.data[i]!);
    expect(values.size).toBeGreaterThan(20);
    const sidecar = JSON.parse(await readFile(join(out, 'tiny.json'), 'utf8'));
    expect(sidecar.config).toMatchObject({ policy: 'fixed', steps: 4, seed: 3, batch: 1, classLabels: [2], backend: 'wasm' });
    expect(sidecar.images).toEqual([{ file: 'tiny-00.png', classLabel: 2, className: 'Flags' }]);
    expect(sidecar.plan.steps).toHaveLength(4);
    expect(sidecar.stats.steps).toBe(4);
    expect(sidecar.stats.flopFraction).toBeGreaterThan(0);
    expect(sidecar.stats.flopFraction).toBeLessThan(1);
    expect(sidecar.steps.map((s: { level: number }) => s.level)).toEqual(sidecar.stats.levels);
    expect(r.stdout).toMatch(/FLOP fraction 0\.\d{3}/);
    expect(r.stdout).toContain(out);
  });

  it('uses a worker pool by default when there is more than one core; --workers 1 (this thread) writes the same PNGs', async () => {
    const common = ['generate', '--backend', 'wasm', '--steps', '2', '--class', 'all', '--batch', '2', '--guidance', '2', '--resolution', '32', '--policy', 'fixed', '--seed', '4', '--no-grid'];
    const [outA, outB] = [join(dir, 'pool-auto'), join(dir, 'pool-one')];
    const a = upshift([...common, '--out', outA]);
    const b = upshift([...common, '--workers', '1', '--out', outB]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [sa, sb] = await Promise.all([outA, outB].map(async (out) => JSON.parse(await readFile(join(out, 'upshift.json'), 'utf8'))));
    // 2 images with guidance = 4 rows per model call: "auto" takes min(cores, 4) workers, 1 if that is 1.
    const auto = Math.min(availableParallelism(), 4);
    expect(sa.workers).toBe(auto > 1 ? auto : 1);
    expect(sa.config.workers).toBe('auto');
    if (auto > 1) expect(a.stdout).toContain(`${auto} worker threads`);
    expect(sb.workers).toBe(1);
    expect(sb.config.workers).toBe(1);
    for (const file of ['upshift-00.png', 'upshift-01.png']) {
      expect((await readFile(join(outA, file))).equals(await readFile(join(outB, file))), file).toBe(true);
    }
  });

  it('rejects bad input with one line, exit code 2 and no output directory', () => {
    const out = join(dir, 'bad');
    for (const args of [
      ['--policy', 'nope'],
      ['--backend', 'tpu'],
      ['--steps', 'ten'],
      ['--policy-options', '{bad'],
      ['--frobnicate'],
    ]) {
      const r = upshift(['generate', '--out', out, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => l.length > 0);
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toContain(args[0]!.replace(/^--/, ''));
      expect(lines[0]).toContain(args[1] ?? args[0]!);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('runCli (in process)', () => {
  it('leaves no files when a run fails after it started (bad policy option found at plan time)', async () => {
    const out = join(dir, 'fail');
    const stderr = memorySink();
    const code = await runCli(['generate', '--backend', 'cpu', '--policy', 'fixed', '--policy-options', '{"level":9}', '--out', out, '--no-progress'], {
      io: { stdout: memorySink(), stderr },
    });
    expect(code).toBe(EXIT_CODES.badInput);
    expect(stderr.text()).toMatch(/^upshift: Invalid policyOptions\.level = 9: /);
    expect(existsSync(out)).toBe(false);
  });

  it('a model that cannot load is a one-line failure (exit 1) and writes nothing', async () => {
    const out = join(dir, 'noload');
    const stderr = memorySink();
    const code = await runCli(['generate', '--backend', 'cpu', '--model-options', `{"path":"${join(dir, 'missing-model')}"}`, '--out', out], {
      io: { stdout: memorySink(), stderr },
    });
    expect(code).toBe(EXIT_CODES.failure);
    // Progress is on, so the backend choice and the model load are announced first; the
    // failure itself is one line, with no stack trace.
    const lines = stderr.text().trim().split('\n');
    expect(lines.filter((l) => !/^(backend|model): /.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^upshift: /);
    expect(lines.at(-1)).toMatch(/ModelLoadError/);
    expect(stderr.text()).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it('Ctrl-C (abort) during the run exits 130 and writes nothing', async () => {
    const out = join(dir, 'interrupted');
    const controller = new AbortController();
    const lines: string[] = [];
    const stderr = {
      isTTY: false,
      write(t: string) {
        lines.push(t);
        if (t.includes(' step 1/')) controller.abort();
        return true;
      },
    };
    const code = await runCli(['generate', '--backend', 'wasm', '--steps', '6', '--class', '0', '--guidance', '1', '--out', out], {
      io: { stdout: memorySink(), stderr },
      signal: controller.signal,
    });
    expect(code).toBe(EXIT_CODES.interrupted);
    expect(lines.join('')).toMatch(/interrupted: no files were written/);
    expect(lines.filter((l) => l.includes(' step ')).length).toBeLessThan(6);
    expect(existsSync(out)).toBe(false);
  });
});
