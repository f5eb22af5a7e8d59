/**
 * Ctrl-C: `generate` ends at once even in the middle of a long model call, writing nothing;
 * while files are being written a handler removes the temporaries first.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtomicOutput } from './atomic-output.js';
import { memorySink } from './cli-io.js';
import { commandOf, installInterrupts } from './interrupts.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-sigint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C in upshift generate (process)', () => {
  it('ends the process at once in the middle of a model call, and writes nothing', async () => {
    const out = join(dir, 'out');
    // One thread (no pool: the model call blocks it), 4 images at 64 px with guidance (8 forward
    // passes): every model call takes seconds on wasm; 6 steps, so one is always running.
    const args = ['generate', '--backend', 'wasm', '--workers', '1', '--policy', 'none', '--steps', '6', '--batch', '4', '--class', '0', '--out', out];
    const child = spawn(process.execPath, ['--import', '@oxc-node/core/register', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const stepDone = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += String(d);
        if (/step 1\/6/.test(stderr)) resolve();
      }),
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    await stepDone;
    await new Promise((r) => setTimeout(r, 200)); // step 2's model call is running now
    const sent = performance.now();
    child.kill('SIGINT');
    const { code, signal, at } = await exited;
    expect(signal === 'SIGINT' || code === 130, `code ${code}, signal ${signal}`).toBe(true);
    // A model call takes seconds; the process ended well within one (the old handler waited for it).
    const stepMs = Number(/step 1\/6 .* (\d+) ms/.exec(stderr)?.[1]);
    expect(stepMs).toBeGreaterThan(1000);
    expect(at - sent).toBeLessThan(Math.min(1500, 0.75 * stepMs));
    expect(stderr).not.toMatch(/step 6\/6/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});

describe('installInterrupts', () => {
  it('generate: no SIGINT handler while sampling; one while files are pending, gone after the commit', async () => {
    const before = process.listenerCount('SIGINT');
    installInterrupts(['generate', '--steps', '3'], new AbortController(), memorySink());
    expect(process.listenerCount('SIGINT')).toBe(before);
    const output = new AtomicOutput();
    await output.write(join(dir, 'pending', 'a.png'), 'x');
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    await output.commit();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('finds the command after leading options', () => {
    expect(commandOf(['generate', '--out', 'x'])).toBe('generate');
    expect(commandOf(['--version'])).toBeUndefined();
    expect(commandOf(['serve', '--port', '1'])).toBe('serve');
  });
});
