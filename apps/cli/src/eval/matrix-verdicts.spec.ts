import { describe, expect, it } from 'vitest';
import type { SetMeasurement } from './eval-measure.js';
import { analyticVerdict, matrixVerdict } from './matrix-verdicts.js';

const cell = (sampler: string, resizer: string, measured: number, theory: number): SetMeasurement => ({
  id: `analytic/${sampler}/${resizer}/fixed`,
  part: 'analytic',
  role: 'cell',
  label: `${sampler} ${resizer} fixed`,
  policy: 'fixed',
  sampler,
  resizer,
  status: 'measured',
  bandRatio: { ratio: [1, 1, measured], se: [0.01, 0.01, 0.01] },
  theory: { ratio: [1, 1, theory], process: 'euler', operator: 'box', resizer: 'exact' },
});

describe('analytic verdicts', () => {
  it('within tolerance matches; outside differs, with the band; only dpmpp-2m names its documented limit', () => {
    expect(analyticVerdict(cell('euler', 'box-exact', 0.82, 0.8))).toEqual({ status: 'matches theory', reasons: [] });
    const euler = analyticVerdict(cell('euler', 'box-exact', 0.9, 0.8));
    expect(euler.status).toBe('differs from theory');
    expect(euler.reasons).toEqual([expect.stringMatching(/^band 2: measured 0.900, theory 0.800/)]);
    const dpm = analyticVerdict(cell('dpmpp-2m', 'dct-exact', 0.9, 0.8));
    expect(dpm.status).toBe('differs from theory');
    expect(dpm.reasons[0]).toMatch(/documented limit of dpmpp-2m \(onLevelChange "resize"/);
    expect(analyticVerdict(cell('dpmpp-2m {"onLevelChange":"first-order"}', 'box-exact', 0.7, 0.8)).reasons[0]).toMatch(/"first-order"/);
    expect(analyticVerdict(cell('dpmpp-2m', 'bilinear', 0.1, 0.0)).reasons[0]).toMatch(/^band 2/);
  });

  it("the model's matrix: bilinear is unsafe, another down operator and a carried history are cautions, stochastic samplers' PSNR is flagged", () => {
    const m = (sampler: string, resizer: string) => matrixVerdict({ ...cell(sampler, resizer, 1, 1), part: 'matrix' }, undefined, undefined, 'box');
    expect(m('euler', 'box-exact')).toEqual({ status: 'ok', reasons: [] });
    expect(m('euler', 'bilinear').status).toBe('unsafe');
    expect(m('euler', 'dct-exact')).toMatchObject({ status: 'caution', reasons: [expect.stringMatching(/down operator dct/)] });
    const withSwd = (sampler: string, resizer: string, swd: number) => ({ ...cell(sampler, resizer, 1, 1), part: 'matrix', swdVsData: [{ side: 64, mean: swd, std: 1 }] });
    const band = { images: 9, swd: [{ side: 64, width: 7, relative: 0.08, values: [] }] };
    expect(matrixVerdict(withSwd('euler', 'dct-exact', 133), withSwd('euler', 'box-exact', 144), band, 'box').reasons).toEqual([expect.stringMatching(/no sign of harm, SWD 64 px -11.0 vs box-exact's, band 7.0/)]);
    expect(matrixVerdict(withSwd('euler', 'dct-exact', 160), withSwd('euler', 'box-exact', 144), band, 'box').reasons).toEqual([expect.stringMatching(/box-pooled data$/), expect.stringMatching(/SWD 64 px 16.0 above box-exact's/)]);
    expect(m('dpmpp-2m', 'box-exact')).toMatchObject({ status: 'caution', reasons: [expect.stringMatching(/multistep history/)] });
    expect(m('dpmpp-2m-sde', 'box-exact')).toMatchObject({ status: 'caution', reasons: [expect.stringMatching(/stochastic sampler/)] });
  });
});
