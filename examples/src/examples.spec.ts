/**
 * Every example runs (in quick mode: a few steps, one or two images) as a user would run it,
 * in its own Node process, and prints what it promises — so the examples never rot.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

async function example(name: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', '@oxc-node/core/register', join('src', `${name}.ts`), ...args], {
    cwd: root,
    env: { ...process.env, UPSHIFT_EXAMPLE_QUICK: '1', UPSHIFT_QUIET_TFJS: '1' },
    timeout: 170_000,
  });
  return stdout;
}

describe('examples (quick mode)', () => {
  it('custom-policy: a user policy picked by name plans coarse-then-full', async () => {
    const out = await example('custom-policy');
    // 3 Karras steps start at sigma 80 (above 5: the coarsest level), then full resolution.
    expect(out).toMatch(/levels per step: 3 0 0/);
    expect(out).toMatch(/FLOP fraction: planned 0\.\d+, measured 0\.\d+/);
  }, 180_000);

  it('level-hook: the hook upshifts early and the subscriber sees it', async () => {
    const out = await example('level-hook');
    expect(out).toMatch(/hook: step \d+: level [12] -> 0/);
    expect(out).toMatch(/level [12] -> 0 \(hook upshift-below\)/);
    expect(out).toMatch(/done: levels/);
  }, 180_000);

  it('swap-backends: cpu and wasm give the same image to float rounding', async () => {
    const out = await example('swap-backends');
    const diff = Number(/largest pixel difference ([\d.e+-]+)/.exec(out)?.[1]);
    expect(diff).toBeLessThan(1e-2);
    expect(out).toContain('same FLOPs: true');
  }, 180_000);

  it('batch-to-png: writes one PNG per image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshift-example-'));
    try {
      const out = await example('batch-to-png', [dir]);
      expect(out).toMatch(/wrote 2 PNG files \(64x64\)/);
      expect((await readdir(dir)).sort()).toEqual(['image-0.png', 'image-1.png']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('measure-policy: FLOPs, paired PSNR / SSIM and SWD against full resolution', async () => {
    const out = await example('measure-policy', ['fixed']);
    expect(out).toMatch(/fixed: FLOP fraction 0\.\d+/);
    expect(out).toMatch(/paired PSNR [\d.]+ dB, SSIM 0\.\d+, SWD vs full [\d.]+ \/ [\d.]+ \/ [\d.]+/);
  }, 180_000);
});
