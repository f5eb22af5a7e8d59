import { describe, expect, it } from 'vitest';
import type { Measurements, SetMeasurement } from './eval-measure.js';
import { bandReading, dominates, matrixReading, policyReading } from './results-markdown.js';

const row = (label: string, flops: number, inBands: number[], psnr: number, swd: number[]): SetMeasurement => ({
  id: `policies/${label}`,
  part: 'policies',
  role: label === 'none' ? 'reference' : 'policy',
  label,
  policy: label,
  status: 'measured',
  images: 9,
  flopFraction: { planned: flops, measured: flops },
  psnr,
  swdVsFullInBands: inBands,
  swdVsData: swd.map((mean, i) => ({ side: 64 >> i, mean, std: 1 })),
});

describe('the reading of the policy table', () => {
  const sets = [
    row('none', 1, [0, 0, 0], Number.NaN, [80, 80, 200]),
    row('cheap', 0.5, [10, 20, -5], 19, [150, 120, 180]),
    row('halfway', 0.55, [8, 25, -4], 19.5, [135, 130, 185]),
    row('late', 0.7, [0.2, 2.5, 0], 25, [82, 85, 200]),
    row('bet', 0.8, [2, 8, -3], 21, [95, 100, 190]),
  ];
  const m: Measurements = { sets, bands: { policies: { images: 9, swd: [64, 32, 16].map((side) => ({ side, width: 5, relative: 0.05, values: [] })) } }, timing: {} };

  it('reads 1-3 bands as not resolved, finds where savings stop being free and which policy is dominated', () => {
    expect(sets.slice(1).map(bandReading)).toEqual(['loss', 'loss', 'unresolved', 'loss']);
    expect(dominates(sets[3]!, sets[4]!)).toBe(true); // fewer FLOPs, higher PSNR, lower SWD by > 1 band where it matters
    expect(dominates(sets[1]!, sets[2]!)).toBe(false); // cheaper, but worse at 64 px
    const text = policyReading(m).join('\n');
    expect(text).toContain('**No policy is within the noise band**');
    expect(text).toContain('**Worse by 1-3 bands (not resolved at this size)**: late (0.70 FLOPs, +2.5 bands at 32 px)');
    expect(text).toMatch(/cheapest policy without a resolved loss is late at 0\.700 .* every cheaper policy loses resolvably: cheap .*, halfway .*\. So do bet \(0\.80 FLOPs/);
    expect(text).toContain('bet by late');
    expect(text).toContain('lowest SWD vs data at 64 px halfway (135.0; next cheap, 3.0 bands behind: not resolved); at 32 px cheap (120.0; next halfway, 2.0 bands behind: not resolved)');
  });

  it("reads the model's matrix: twins, each sampler's own bar, losses per sampler, verdicts counted with what was not measured", () => {
    const ref = (sampler: string, swd64: number): SetMeasurement => ({ ...row('none', 1, [0, 0, 0], Number.NaN, [swd64, 80, 200]), id: `matrix/${sampler}/none`, part: 'matrix', role: 'reference', sampler });
    const cellOf = (sampler: string, inBands: number[], status: SetMeasurement['status'] = 'measured'): SetMeasurement => ({ ...row('fixed', 0.53, inBands, 19, [100, 100, 200]), id: `matrix/${sampler}/box-exact/fixed`, part: 'matrix', role: 'cell', sampler, resizer: 'box-exact', status });
    const bil = { ...cellOf('euler', [40, 60, 5]), id: 'matrix/euler/bilinear/fixed', resizer: 'bilinear', swdVsData: [{ side: 64, mean: 300, std: 1 }] };
    const sets = [ref('euler', 80), ref('ddim', 80), ref('heun', 120), cellOf('euler', [8, 30, -5]), cellOf('ddim', [8, 30, -5]), cellOf('heun', [-4, 0.3, -6]), cellOf('ddpm', [], 'missing'), bil];
    const verdicts = new Map([['matrix/euler/box-exact/fixed', { status: 'ok' as const, reasons: [] }], ['matrix/ddim/box-exact/fixed', { status: 'ok' as const, reasons: [] }], ['matrix/heun/box-exact/fixed', { status: 'caution' as const, reasons: ['x'] }]]);
    const text = matrixReading({ sets, bands: { matrix: { images: 9, swd: [{ side: 64, width: 5, relative: 0.05, values: [] }] } }, timing: {} }, verdicts).join('\n');
    expect(text).toContain('ddim = euler');
    expect(text).toContain('heun (120.0) is further from the data at 64 px than euler (80.0)');
    expect(text).toMatch(/a resolved loss for euler fixed \+8\.0 \/ \+30\.0 \/ -5\.0; ddim .* No resolved loss for heun fixed -4\.0/);
    expect(text).toContain('**Resizers against box-exact** (SWD 64 px, same sampler and plan, in bands): bilinear +40.0 to +40.0 (1 cell, resolved: worse)');
    expect(text).toContain('(4 of 5 cells measured): 2 ok, 1 caution, 0 unsafe, 0 fails');
    expect(text).toContain('The cell marked "not measured" was not sampled');
  });
});
