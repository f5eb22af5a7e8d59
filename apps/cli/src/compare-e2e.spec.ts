/**
 * `upshift compare` end to end, in process, on the small random test model (32 px, classes
 * a / b / c) and a held-out archive written by numpy (fixtures/held-out-32.npz): class-matched
 * reference draws, the noise-band set, the report, the cache, and bad reference options
 * rejected before any sampling.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';

const MODEL = fileURLToPath(new URL('../../../packages/models/fixtures/random-unet', import.meta.url));
const HELD_OUT = fileURLToPath(new URL('../fixtures/held-out-32.npz', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (out: string): string[] => [
  'compare', '--model-options', JSON.stringify({ path: MODEL }), '--backend', 'wasm', '--steps', '2', '--images', '3', '--batch', '2', '--guidance', '1',
  '--policies', 'none,fixed', '--held-out', HELD_OUT, '--reference-draws', '2', '--out', out, '--no-progress',
];

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = memorySink();
  const stderr = memorySink();
  const code = await runCli(args, { io: { stdout, stderr } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('upshift compare (in process)', () => {
  it('reports SWD against class-matched draws, the noise band and each policy against it; a cached rerun gives the same report', async () => {
    const out = join(dir, 'ok');
    const cache = join(dir, 'cache');
    const first = await run([...base(out), '--cache-dir', cache]);
    expect(first.stderr).not.toMatch(/upshift: /);
    expect(first.code).toBe(EXIT_CODES.ok);
    expect(first.stdout).toMatch(/vs data = mean over 2 class-matched draws of 3 held-out images \(of 18, seed 0\)/);
    // 3 images in chunks of 2: seeds 0-1 for every policy, 2-3 for the noise-band set.
    expect(first.stdout).toMatch(/\nnone seeds 2-3 /);
    expect(first.stdout).toMatch(/noise band of SWD vs data: [\d.]+ \/ [\d.]+ \(/);
    expect(first.stdout).toMatch(/\n {2}fixed {2}[-+][\d.]+ \([\d.]+x\) \/ [-+][\d.]+ \([\d.]+x\)\n/);
    expect((await readdir(out)).sort()).toEqual(['compare-grid.png', 'compare.json']);
    const report = JSON.parse(await readFile(join(out, 'compare.json'), 'utf8'));
    // Class-matched: the fixture's labels are archive index % 3, the run's labels 0, 1, 2.
    expect(report.heldOut).toMatchObject({ poolSize: 18, draws: 2, seed: 0, imagesPerDraw: 3 });
    for (const d of report.heldOut.archiveIndices) expect(d.map((i: number) => i % 3).sort()).toEqual([0, 1, 2]);
    expect(report.noiseBand.seeds).toEqual(['0-1', '2-3']);
    expect(report).toMatchObject({ images: 3, batch: 2, seeds: { sets: '0-1', noiseBand: '2-3' } });
    expect(report.rows.map((r: { label: string; role: string }) => [r.label, r.role])).toEqual([['none', 'policy'], ['fixed', 'policy'], ['none seeds 2-3', 'noise-band']]);
    // FLOPs of both chunks: the merged plan is the sum, the fraction unchanged.
    expect(report.rows[1].stats.flopFraction).toBeCloseTo(report.rows[1].plannedFlopFraction, 12);
    expect(report.rows[1].vsFull).toHaveLength(2);
    expect(report.rows[2].psnr).toBeUndefined();
    expect(report.gridRows).toEqual(['none', 'fixed']);
    expect((await readdir(cache)).filter((f) => f.endsWith('.json'))).toHaveLength(6);

    // With progress on, each reused set says so on stderr.
    const again = await run([...base(join(dir, 'again')).filter((a) => a !== '--no-progress'), '--cache-dir', cache]);
    expect(again.code).toBe(EXIT_CODES.ok);
    expect(again.stderr.match(/ reused /g)).toHaveLength(6);
    const second = JSON.parse(await readFile(join(dir, 'again', 'compare.json'), 'utf8'));
    const metrics = (r: { swdVsData: unknown; swdVsFull: unknown; psnr?: number }): unknown => [r.swdVsData, r.swdVsFull, r.psnr];
    expect(second.rows.map(metrics)).toEqual(report.rows.map(metrics));
  });

  it('rejects bad reference and noise-band options with exit 2 before any sampling', async () => {
    for (const [args, message] of [
      [['--reference-multiple', '7'], /Invalid --reference-multiple = 7: the held-out split .* is too small: class \d \([abc]\) has 6 reference images, 7 needed/],
      [['--noise-band-seed', '1'], /Invalid --noise-band-seed = "1": its seeds 1-2 overlap the sets' seeds 0-1/],
      [['--no-noise-band', '--noise-band-seed', '5'], /--noise-band-seed/],
      [['--reference-draws', '0'], /Invalid --reference-draws = "0": must be >= 1/],
      [['--held-out', join(dir, 'missing.npz')], /Invalid --held-out/],
    ] as const) {
      const out = join(dir, 'bad');
      const r = await run([...base(out), ...args]);
      expect(r.code, args.join(' ')).toBe(EXIT_CODES.badInput);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});
