/** compare's timing: a warm-up of every level first, interleaved rounds, median and spread. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';
import { timeRatio } from './compare-timing.js';

const MODEL = fileURLToPath(new URL('../../../packages/models/fixtures/random-unet', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-compare-timing-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('timeRatio', () => {
  it('the median of the per-round ratios, with the lowest and highest', () => {
    expect(timeRatio([50, 40, 60], [100, 100, 100])).toEqual({ median: 0.5, min: 0.4, max: 0.6, runs: 3 });
    expect(timeRatio([45, 55], [100, 100])).toEqual({ median: 0.5, min: 0.45, max: 0.55, runs: 2 });
    expect(timeRatio([], [100]).runs).toBe(0);
  });
});

describe('compare --timing-repeats', () => {
  it('warms the model up at every level, then runs the sets in interleaved rounds and reports the median and spread', async () => {
    const out = join(dir, 'timing');
    const stdout = memorySink();
    const stderr = memorySink();
    const code = await runCli(
      [
        'compare', '--model-options', JSON.stringify({ path: MODEL }), '--backend', 'wasm', '--steps', '3', '--images', '2', '--guidance', '1',
        '--policies', 'none,fixed', '--held-out', 'none', '--no-noise-band', '--timing-repeats', '3', '--out', out,
      ],
      { io: { stdout, stderr } },
    );
    expect(code, stderr.text()).toBe(EXIT_CODES.ok);
    const err = stderr.text();
    // The warm-up comes before the first timed step; the fixture (3 levels, 32 px) has levels 0-2.
    expect(err).toMatch(/^compare: warmed up the model at levels 0, 1, 2 \([\d.]+ s\); timing starts now$/m);
    expect(err.indexOf('warmed up')).toBeLessThan(err.indexOf(' step 1/3'));
    // Rounds 2 and 3 of both sets, interleaved: none, fixed, none, fixed.
    const rounds = [...err.matchAll(/^(none|fixed) \(timing (\d)\/3\) step 1\/3/gm)].map((m) => `${m[1]}${m[2]}`);
    expect(rounds).toEqual(['none2', 'fixed2', 'none3', 'fixed3']);
    expect(err).not.toMatch(/different image/); // wasm is deterministic: every round gave the same images
    expect(stdout.text()).toMatch(/time: after a warm-up of every level; median of 3 interleaved rounds \(lowest-highest\)/);
    expect(stdout.text()).toMatch(/\nfixed +2x2 0x1 .*? \d\.\d{3} \(\d\.\d{3}-\d\.\d{3}\) /);
    const report = JSON.parse(await readFile(join(out, 'compare.json'), 'utf8'));
    const [none, fixed] = report.rows;
    expect(none.samplingMsRounds).toHaveLength(3);
    expect(fixed.samplingMsRounds).toHaveLength(3);
    const expected = timeRatio(fixed.samplingMsRounds, none.samplingMsRounds);
    expect(fixed.timeRatio).toBeCloseTo(expected.median, 12);
    expect(fixed.timeRatioRange).toEqual([expected.min, expected.max]);
    expect(none.timeRatio).toBe(1);
  }, 180_000);
});
