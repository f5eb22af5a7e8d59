import { describe, expect, it } from 'vitest';
import type { SwdDrawSummary } from '@upshift/metrics';
import { checkAgainstNoiseBand, meanAndSpread, noiseBand } from '@upshift/metrics';
import type { CompareRow } from './compare-report.js';
import { compareWarnings, formatCompareReport, runLengthLevels } from './compare-report.js';

/** A summary with raw SWD values (x1e3 when printed) per level over two draws. */
const swd = (...levels: [number, number][]): SwdDrawSummary => ({
  draws: 2,
  levels: levels.map(([a, b], k) => ({ side: 64 >> k, ...meanAndSpread([a / 1e3, b / 1e3]), values: [a / 1e3, b / 1e3] })),
});

const row = (label: string, role: CompareRow['role'], data: SwdDrawSummary, extra: Partial<CompareRow> = {}): CompareRow => ({
  label,
  policy: label.split(' ')[0]!,
  seed: role === 'policy' ? 0 : 1,
  role,
  levels: '0x20',
  plannedFlopFraction: 1,
  measuredFlopFraction: 1,
  timeRatio: 1,
  samplingMs: 1000,
  ...(role === 'policy' ? { psnr: Infinity, ssim: 1 } : {}),
  swdVsFull: [0, 0, 0],
  swdVsData: data,
  cached: false,
  ...extra,
});

describe('compare report', () => {
  const full = swd([79, 80], [60, 61], [172, 174]);
  const second = swd([81, 81], [63, 63], [175, 175]);
  const band = noiseBand([full, second]);
  const pyramidData = swd([144, 145], [61, 62], [145, 144]);
  const rows = [
    row('none', 'policy', full),
    row('pyramid', 'policy', pyramidData, { levels: '2x8 1x2 0x10', plannedFlopFraction: 0.55, measuredFlopFraction: 0.55, psnr: 19.5, ssim: 0.8, vsFull: checkAgainstNoiseBand(pyramidData, full, band) }),
    row('none seed 1', 'noise-band', second),
  ];

  it('run-length encodes level lists', () => {
    expect(runLengthLevels([3, 3, 3, 2, 1, 1, 0, 0, 0, 0])).toBe('3x3 2x1 1x2 0x4');
    expect(runLengthLevels([])).toBe('');
  });

  it('prints the noise band, each policy in multiples of it, and warns about unresolved levels', () => {
    const warnings = compareWarnings(rows, band, 36);
    // pyramid at 32 px: +1.0 vs a band of 2.5 -> not resolved; 64 and 16 px are.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^pyramid: SWD vs data differs from full resolution by \+1\.0 at 32 px \(band 2\.5\): inside the noise band, not resolved with 36 images$/);
    const text = formatCompareReport(
      { images: 36, height: 64, width: 64, steps: 20, sampler: 'euler', guidance: 2, backend: 'wasm', swdSides: '64/32/16', reference: { file: 'x.npz', draws: 2, perDraw: 36, seed: 0, poolSize: 411 } },
      rows,
      band,
      warnings,
    );
    expect(text).toContain('mean over 2 class-matched draws of 36 held-out images (of 411, seed 0)');
    expect(text).toMatch(/noise band of SWD vs data: 1\.5 \/ 2\.5 \/ 2\.0 \(1\.9 % \/ 4\.0 % \/ 1\.1 %/);
    expect(text).toMatch(/\n {2}pyramid {2}\+65\.0 \(43\.3x\) \/ \+1\.0 \(0\.4x\) \/ -28\.5 \(14\.2x\)\n/);
    expect(text).toMatch(/\nwarning: pyramid: SWD vs data differs/);
    // The table: SWD vs data means and the draw spread, '-' for unpaired metrics of the noise-band row.
    const lines = text.split('\n');
    const pyramid = lines.find((l) => l.startsWith('pyramid '))!;
    expect(pyramid).toMatch(/2x8 1x2 0x10 +0\.550 +0\.550 +1\.000 +19\.50 +0\.800 +0\.0 \/ 0\.0 \/ 0\.0 +144\.5 \/ 61\.5 \/ 144\.5 +0\.7 \/ 0\.7 \/ 0\.7$/);
    expect(lines.find((l) => l.startsWith('none seed 1'))).toMatch(/ - +- +/);
  });

  it('warns when there is no noise band or no held-out data', () => {
    const noBand = rows.slice(0, 2).map((r) => ({ ...r, vsFull: undefined }));
    expect(compareWarnings(noBand, undefined, 9)).toEqual([expect.stringMatching(/no noise band/)]);
    const noData = rows.map((r) => { const { swdVsData: _drop, vsFull: _v, ...rest } = r; return rest as CompareRow; });
    expect(compareWarnings(noData, undefined, 9)).toEqual([expect.stringMatching(/no held-out data/)]);
  });
});
