import { describe, expect, it } from 'vitest';
import type { UpshiftPlan } from '@upshift/core';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';
import { estimateRunTime, formatDuration, longRunNote } from './time-estimate.js';

const plan = (flops: number): UpshiftPlan => ({ flops }) as UpshiftPlan;

describe('estimateRunTime', () => {
  it('the plan at the rate of step 1', () => {
    const e = estimateRunTime(plan(1e12), { flops: 2e9, ms: 4000 }); // 0.5 GFLOP/s
    expect(e.flopsPerSecond).toBeCloseTo(5e8, 0);
    expect(e.totalMs).toBeCloseTo(2e6, 0);
    expect(e.remainingMs).toBeCloseTo(2e6 - 4000, 0);
    expect([formatDuration(42_000), formatDuration(210_000), formatDuration(2e6), formatDuration(9e6)]).toEqual(['42 s', '3.5 min', '33 min', '2.5 h']);
  });

  it('a note only for runs over five minutes, with the numbers it comes from', () => {
    expect(longRunNote(estimateRunTime(plan(2.9e11), { flops: 1e9, ms: 1000 }), 'wasm', 'x')).toBeUndefined(); // 4.8 min
    expect(longRunNote(estimateRunTime(plan(1e12), { flops: 2e9, ms: 4000 }), 'cpu', 'the rate of a model call at 1/2 side')).toBe(
      'note: this run will take about 33 min on cpu (the plan\'s 1000 GFLOP at 0.50 GFLOP/s: the rate of a model call at 1/2 side); --backend wasm ran the model ~10x faster than cpu on a 2-core machine; fewer --steps, fewer images (--batch, --class) or a smaller --resolution shorten it; Ctrl-C stops it',
    );
  });
});

describe('generate --backend cpu at the defaults', () => {
  it('says it will take many minutes right after step 1, from a timed model call (then is stopped here)', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const stderr = {
      isTTY: false,
      write(t: string) {
        lines.push(t);
        if (t.startsWith('note: this run will take')) controller.abort();
        return true;
      },
    };
    const code = await runCli(['generate', '--backend', 'cpu', '--out', '/tmp/upshift-cpu-estimate-never-written'], { io: { stdout: memorySink(), stderr }, signal: controller.signal });
    expect(code).toBe(EXIT_CODES.interrupted);
    const text = lines.join('');
    const note = /note: this run will take about ([\d.]+) (min|h) on cpu \(the plan's (\d+) GFLOP at ([\d.]+) GFLOP\/s: the rate of a model call at 1\/2 side( on one thread, times \d+ worker threads)?\)/.exec(text);
    expect(note, text).not.toBeNull();
    // 9 images x 20 steps of the model's recommended plan (guidance 2 on 6 of them, 1/4 side above
    // sigma 20): ~770 GFLOP, 0.53 of a full-resolution run guided at every step (1,448 GFLOP).
    expect(Number(note![3])).toBeGreaterThan(600);
    expect(Number(note![3])).toBeLessThan(900);
    const minutes = Number(note![1]) * (note![2] === 'h' ? 60 : 1);
    expect(minutes).toBeGreaterThan(5);
    // It came after step 1 and before step 2.
    expect(text.indexOf('generate step 1/20')).toBeLessThan(text.indexOf('note: this run'));
    expect(text).not.toContain('generate step 2/20');
  }, 120_000);
});
