import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { parseIntegerOption, parseJsonObjectOption, parseNumberOption, parseResolutionOption } from './option-values.js';
import { labelsFor, parseClassOption } from './class-labels.js';
import { parsePolicyList } from './policy-list.js';
import { resolvePipelineOptions } from './pipeline-options.js';
import { configFingerprint } from './model-classes.js';
import { EVAL_SAMPLING } from './eval/eval-options.js';
import { samplingLine } from './eval/eval-command.js';
import { formatTable } from './text-table.js';

const CLASSES = ['Activities', 'Animals & Nature', 'Flags', 'Food & Drink'];

describe('option values', () => {
  it('parses integers strictly and names the flag and value in errors', () => {
    expect(parseIntegerOption('--steps', ' 30 ', { min: 1 })).toBe(30);
    for (const bad of ['ten', '3.5', '1e3', '', '0x10']) expect(() => parseIntegerOption('--steps', bad)).toThrow(ConfigError);
    expect(() => parseIntegerOption('--steps', 'ten')).toThrow('Invalid --steps = "ten": must be an integer');
    expect(() => parseIntegerOption('--steps', '0', { min: 1 })).toThrow('Invalid --steps = "0": must be >= 1');
  });

  it('parses numbers, JSON objects and resolutions', () => {
    expect(parseNumberOption('--guidance', '2.5')).toBe(2.5);
    expect(() => parseNumberOption('--guidance', 'NaN')).toThrow(/--guidance/);
    expect(parseJsonObjectOption('--policy-options', '{"fraction":0.4}')).toEqual({ fraction: 0.4 });
    expect(() => parseJsonObjectOption('--policy-options', '{bad')).toThrow(/Invalid --policy-options = "\{bad": is not valid JSON/);
    expect(() => parseJsonObjectOption('--policy-options', '[1]')).toThrow(/must be a JSON object/);
    expect(parseResolutionOption('--resolution', '64')).toEqual({ height: 64, width: 64 });
    expect(parseResolutionOption('--resolution', '32x64')).toEqual({ height: 32, width: 64 });
    expect(() => parseResolutionOption('--resolution', '64x')).toThrow(/--resolution/);
  });

  it('builds pipeline fields from raw strings with the pipeline defaults', () => {
    const c = resolvePipelineOptions({ policy: 'pyramid', steps: '12', seed: '7', policyOptions: '{"stages":[]}', backend: 'cpu' });
    expect(c).toMatchObject({ model: 'emoji-unet', sampler: 'euler', policy: 'pyramid', steps: 12, seed: 7, backend: 'cpu', guidance: 2, policyOptions: { stages: [] } });
    expect(c).not.toHaveProperty('samplerOptions');
    expect(() => resolvePipelineOptions({ seed: '-1' })).toThrow(/--seed/);
    expect(() => resolvePipelineOptions({ upshiftNoise: 'warm' })).toThrow(/--upshift-noise/);
    expect(() => resolvePipelineOptions({ sampler: '  ' })).toThrow(/--sampler/);
  });
});

describe("the model's recommended sampling settings", () => {
  const recommended = { sampler: 'dpmpp-2m', steps: 24, guidance: 3, guidanceInterval: { sigmaMax: 5 }, policy: 'pyramid', policyOptions: { stages: [{ level: 1, sigma: 3 }] }, afterUpshift: { steps: 1 } };

  it('fill what the user left out; the user wins; then the command fallbacks and the pipeline defaults', () => {
    expect(resolvePipelineOptions({}, { steps: 20, policy: 'spectral' }, recommended)).toMatchObject({ ...recommended, schedule: 'karras', resizer: 'box-exact' });
    const mine = resolvePipelineOptions({ sampler: 'heun', steps: '10', policy: 'fixed' }, { steps: 20 }, recommended);
    expect(mine).toMatchObject({ sampler: 'heun', steps: 10, policy: 'fixed', guidance: 3 });
    expect(mine).not.toHaveProperty('policyOptions'); // the recommended stages belong to the recommended policy
    expect(resolvePipelineOptions({}, { steps: 20, policy: 'spectral' })).toMatchObject({ steps: 20, policy: 'spectral', sampler: 'euler', guidance: 2 });
  });

  it('--guidance-levels, --guidance-interval and --after-upshift, with "none" turning a recommendation off', () => {
    const c = resolvePipelineOptions({ guidanceLevels: '2, 3,4', guidanceInterval: '0.3,5', afterUpshift: '{"steps":2,"mode":"churn"}' });
    expect(c).toMatchObject({ guidanceLevels: [2, 3, 4], guidanceInterval: { sigmaMin: 0.3, sigmaMax: 5 }, afterUpshift: { steps: 2, mode: 'churn' } });
    expect(resolvePipelineOptions({ guidanceInterval: ',5' }).guidanceInterval).toEqual({ sigmaMax: 5 });
    const off = resolvePipelineOptions({ guidanceInterval: 'none', afterUpshift: 'none' }, { steps: 20 }, recommended);
    expect(off).not.toHaveProperty('guidanceInterval');
    expect(off).not.toHaveProperty('afterUpshift');
    expect(() => resolvePipelineOptions({ guidanceLevels: '2,,3' })).toThrow(/--guidance-levels = "?2,,3"?/);
    expect(() => resolvePipelineOptions({ guidanceLevels: '2,-1' })).toThrow(/--guidance-levels/);
    expect(() => resolvePipelineOptions({ guidanceInterval: '5,1' })).toThrow(/--guidance-interval = "?5,1"?: lo must be below hi/);
    expect(() => resolvePipelineOptions({ guidanceInterval: '5' })).toThrow(/--guidance-interval/);
    expect(() => resolvePipelineOptions({ afterUpshift: '[1]' })).toThrow(/--after-upshift/);
  });

  it("eval ignores the recommendation: its own settings fill what the user leaves out, so its page and cache do not move with it", () => {
    const c = resolvePipelineOptions({}, EVAL_SAMPLING, recommended);
    expect(c).toMatchObject({ sampler: 'euler', schedule: 'karras', steps: 20, guidance: 2, resizer: 'box-exact', upshiftNoise: 'coupled' });
    for (const field of ['guidanceInterval', 'afterUpshift', 'policyOptions']) expect(c).not.toHaveProperty(field);
    expect(resolvePipelineOptions({ sampler: 'heun', guidanceInterval: ',5' }, EVAL_SAMPLING, recommended)).toMatchObject({ sampler: 'heun', steps: 20, guidanceInterval: { sigmaMax: 5 } });
    expect(samplingLine({ ...c, seed: 0 } as never, 1)).toMatch(/^euler sampler .*20 steps on the karras schedule, guidance 2, .*not the model's recommended sampling/);
    expect(samplingLine({ ...c, guidanceInterval: { sigmaMax: 5 }, seed: 0 } as never, 1)).toMatch(/guidance 2 only for sigma in \(0, 5\].*noise band: 1\)$/);
  });
});

describe('model fingerprint (run-cache keys)', () => {
  const config = { name: 'm', architecture: { channels: [8] }, sampling: { sampler: 'euler', steps: 20 } };
  it("ignores the recommended sampling and key order; changes with anything else in config.json", () => {
    const fp = configFingerprint(JSON.stringify(config));
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(configFingerprint(JSON.stringify({ ...config, sampling: { sampler: 'heun', guidanceInterval: { sigmaMax: 5 } } }))).toBe(fp);
    expect(configFingerprint(JSON.stringify({ sampling: config.sampling, architecture: config.architecture, name: 'm' }))).toBe(fp);
    expect(configFingerprint(JSON.stringify({ ...config, architecture: { channels: [16] } }))).not.toBe(fp);
  });
});

describe('--workers', () => {
  it('defaults to "auto" (a worker per core); takes a count; 1 is the single-thread path; bad values name the flag', () => {
    expect(resolvePipelineOptions({}).workers).toBe('auto');
    expect(resolvePipelineOptions({ workers: 'AUTO' }).workers).toBe('auto');
    expect(resolvePipelineOptions({ workers: '3' }).workers).toBe(3);
    expect(resolvePipelineOptions({ workers: '1' }).workers).toBe(1);
    expect(() => resolvePipelineOptions({ workers: '0' })).toThrow('Invalid --workers = "0": must be >= 1');
    expect(() => resolvePipelineOptions({ workers: 'all' })).toThrow(/--workers = "all": must be an integer/);
    expect(() => resolvePipelineOptions({ workers: '1000' })).toThrow(/--workers = "1000": must be <= 256/);
  });
});

describe('--class', () => {
  it('accepts names (any case, unique prefix), indices, all and none', () => {
    expect(parseClassOption('flags', CLASSES)).toEqual({ kind: 'one', label: 2 });
    expect(parseClassOption('Anim', CLASSES)).toEqual({ kind: 'one', label: 1 });
    expect(parseClassOption('3', CLASSES)).toEqual({ kind: 'one', label: 3 });
    expect(parseClassOption('ALL', CLASSES)).toEqual({ kind: 'all' });
    expect(parseClassOption('none', CLASSES)).toEqual({ kind: 'none' });
    expect(parseClassOption('all', [])).toEqual({ kind: 'none' });
  });

  it('rejects unknown, ambiguous and out-of-range classes, listing the known ones', () => {
    expect(() => parseClassOption('martians', CLASSES)).toThrow(/Invalid --class = "martians": unknown class.*0 "Activities"/);
    expect(() => parseClassOption('a', CLASSES)).toThrow(/ambiguous/);
    expect(() => parseClassOption('4', CLASSES)).toThrow(/out of range/);
  });

  it('cycles labels for all', () => {
    expect(labelsFor({ kind: 'all' }, 6, 4)).toEqual([0, 1, 2, 3, 0, 1]);
    expect(labelsFor({ kind: 'none' }, 2, 4)).toEqual([null, null]);
  });
});

describe('--policies', () => {
  it('splits names and JSON options at top-level commas', () => {
    const specs = parsePolicyList('none, pyramid ,budget:{"fraction":0.3,"maxLevel":2}');
    expect(specs.map((s) => s.policy)).toEqual(['none', 'pyramid', 'budget']);
    expect(specs[2]!.policyOptions).toEqual({ fraction: 0.3, maxLevel: 2 });
    expect(specs[2]!.label).toBe('budget {"fraction":0.3,"maxLevel":2}');
  });

  it('rejects empty items, bad JSON and duplicates', () => {
    expect(() => parsePolicyList('none,,fixed')).toThrow(/--policies/);
    expect(() => parsePolicyList('budget:{fraction}')).toThrow(/--policies \(budget\)/);
    expect(() => parsePolicyList('fixed,fixed')).toThrow(/twice/);
  });
});

describe('formatTable', () => {
  it('pads columns and right-aligns numbers', () => {
    const t = formatTable(['policy', 'x'], [['none', '1.00'], ['spectral', '10.50']]);
    expect(t.split('\n')).toEqual(['policy        x', '--------  -----', 'none       1.00', 'spectral  10.50', '']);
  });
});
