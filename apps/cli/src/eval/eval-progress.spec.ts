import { describe, expect, it } from 'vitest';
import { memorySink } from '../cli-io.js';
import { createEvalProgress, etaMs, formatDuration } from './eval-progress.js';

describe('eval progress', () => {
  it('ETA is the time per FLOP so far times the FLOPs left', () => {
    expect(etaMs(10_000, 1e9, 4e9)).toBeCloseTo(30_000, 6);
    expect(etaMs(0, 0, 4e9)).toBeUndefined();
    expect(formatDuration(3_723_000)).toBe('1h 02m');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(12_000)).toBe('12s');
  });

  it('prints one line per finished set with the ETA weighted by planned FLOPs (no terminal)', () => {
    const sink = memorySink();
    let t = 0;
    const progress = createEvalProgress(sink, 3, 4e9, () => t);
    for (const [label, flops, ms] of [['a', 1e9, 60_000], ['b', 2e9, 120_000], ['c', 1e9, 60_000]] as const) {
      const reporter = progress.startSet(label, flops);
      reporter.start(label, 2);
      t += ms;
      progress.endSet();
    }
    progress.stop();
    expect(sink.text().split('\n').filter(Boolean)).toEqual(['eval [1/3] a: 1m 00s; ETA 3m 00s', 'eval [2/3] b: 2m 00s; ETA 1m 00s', 'eval [3/3] c: 1m 00s; ETA 0s']);
  });
});
