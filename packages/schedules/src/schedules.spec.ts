import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { container } from 'tsyringe';
import { ConfigError, ScheduleFactory } from '@upshift/core';
import {
  cosineAlphaBar,
  createExponentialSchedule,
  createFlowMatchingSchedule,
  createKarrasSchedule,
  createVpCosineSchedule,
  createVpLinearSchedule,
  karrasSigmas,
  registerSchedules,
  vpLinearAlphasCumprod,
  type SigmaSchedule,
} from './index.js';

interface Reference {
  karras: { sigmas: number[] };
  exponential: { sigmas: number[] };
  vpLinear: { indices: number[]; alphasCumprod: number[]; t: number[]; sigmaAtT: number[]; sigmas: number[] };
  vpCosine: { t: number[]; alphaBar: number[]; sigmas: number[]; shiftedSigmas: number[] };
  flowMatching: { sigmas: number[]; shiftedSigmas: number[] };
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/reference.json', import.meta.url), 'utf8')) as Reference;

function expectClose(actual: readonly number[], expected: readonly number[], rel = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1e-12, Math.abs(e)));
  });
}

function expectConfigError(fn: () => unknown, field: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  expect((caught as ConfigError).field).toBe(field);
}

const all: Record<string, () => SigmaSchedule> = {
  karras: () => createKarrasSchedule(),
  exponential: () => createExponentialSchedule(),
  'vp-linear': () => createVpLinearSchedule(),
  'vp-cosine': () => createVpCosineSchedule(),
  'vp-cosine shift 2': () => createVpCosineSchedule({ shift: 2 }),
  'flow-matching': () => createFlowMatchingSchedule(),
  'flow-matching shift 3': () => createFlowMatchingSchedule({ shift: 3 }),
};

describe('reference values (fixtures/generate.py, numpy)', () => {
  it('Karras (0.002, 80, rho 7, n = 10) matches numpy and the published k-diffusion values', () => {
    expectClose(karrasSigmas(10, 0.002, 80, 7), ref.karras.sigmas);
    // k-diffusion get_sigmas_karras(10, 0.002, 80, 7), printed to 4 decimals.
    const published = [80.0, 42.4152, 21.1087, 9.7232, 4.0661, 1.5017, 0.47, 0.1166, 0.0204, 0.002, 0];
    karrasSigmas(10, 0.002, 80, 7).forEach((s, i) => expect(s).toBeCloseTo(published[i]!, 4));
  });
  it('exponential grid matches numpy', () => {
    expectClose(createExponentialSchedule().sigmas(10), ref.exponential.sigmas);
  });
  it('DDPM linear alphas_cumprod and t -> sigma match numpy', () => {
    const ac = vpLinearAlphasCumprod();
    expectClose(ref.vpLinear.indices.map((i) => ac[i]!), ref.vpLinear.alphasCumprod, 1e-10);
    // Published: DDPM's sqrt(alphaBar_T) = 0.00635 (Ho et al. 2020, Table/App. ~ "L_T ~ 1e-5").
    expect(Math.sqrt(ac[999]!)).toBeCloseTo(0.00635, 5);
    const s = createVpLinearSchedule();
    expectClose(ref.vpLinear.t.map((t) => s.tToSigma(t)), ref.vpLinear.sigmaAtT);
    expectClose(s.sigmas(10), ref.vpLinear.sigmas);
  });
  it('cosine alpha-bar and grids (plain and shift 2) match numpy', () => {
    expectClose(ref.vpCosine.t.map((t) => cosineAlphaBar(t)), ref.vpCosine.alphaBar, 1e-12);
    expectClose(createVpCosineSchedule().sigmas(10), ref.vpCosine.sigmas, 1e-8);
    expectClose(createVpCosineSchedule({ shift: 2 }).sigmas(10), ref.vpCosine.shiftedSigmas, 1e-8);
    // alphaBar(t) -> sigma agrees with the schedule's own map.
    const s = createVpCosineSchedule();
    for (const t of [0.1, 0.5, 0.9]) {
      const a = cosineAlphaBar(t);
      expect(s.tToSigma(t)).toBeCloseTo(Math.sqrt((1 - a) / a), 12);
    }
  });
  it('flow matching grids (plain and SD3 shift 3) match numpy', () => {
    expectClose(createFlowMatchingSchedule().sigmas(10), ref.flowMatching.sigmas);
    expectClose(createFlowMatchingSchedule({ shift: 3 }).sigmas(10), ref.flowMatching.shiftedSigmas);
  });
});

describe.each(Object.entries(all))('%s schedule', (_name, make) => {
  const schedule = make();
  it.each([1, 2, 7, 50, 1500])('gives %i strictly decreasing sigmas ending in 0', (n) => {
    const s = schedule.sigmas(n);
    expect(s).toHaveLength(n + 1);
    expect(s[0]).toBe(schedule.sigmaMax);
    expect(s[n]).toBe(0);
    if (n > 1) expect(s[n - 1]).toBe(schedule.sigmaMin);
    for (let i = 0; i < n; i++) expect(s[i]!).toBeGreaterThan(s[i + 1]!);
  });
  it('round-trips t <-> sigma <-> logSNR', () => {
    for (const t of [0.05, 0.3, 0.5, 0.77, 0.95]) {
      const sigma = schedule.tToSigma(t);
      expect(schedule.sigmaToT(sigma)).toBeCloseTo(t, 9);
      expect(schedule.tToLogSnr(t)).toBeCloseTo(-2 * Math.log(sigma), 9);
      expect(schedule.logSnrToT(schedule.tToLogSnr(t))).toBeCloseTo(t, 9);
    }
    expect(schedule.tToSigma(0.9)).toBeGreaterThan(schedule.tToSigma(0.1));
  });
  it('the grid lies on the schedule: uniform in t between sigmaMax and sigmaMin', () => {
    const s = schedule.sigmas(9);
    const ts = s.slice(0, -1).map((x) => schedule.sigmaToT(x));
    const dt = ts[0]! - ts[1]!;
    ts.slice(1).forEach((t, i) => expect(ts[i]! - t).toBeCloseTo(dt, 8));
  });
  it('rejects bad steps, t and sigma with ConfigError naming the field', () => {
    expectConfigError(() => schedule.sigmas(0), 'steps');
    expectConfigError(() => schedule.sigmas(2.5), 'steps');
    expectConfigError(() => schedule.tToSigma(-0.01), 't');
    expectConfigError(() => schedule.tToSigma(1.01), 't');
    expectConfigError(() => schedule.tToSigma(Number.NaN), 't');
    expectConfigError(() => schedule.sigmaToT(-1), 'sigma');
  });
});

describe('option validation', () => {
  it('Karras: sigmaMin >= sigmaMax, rho <= 0, unknown keys', () => {
    expectConfigError(() => createKarrasSchedule({ sigmaMin: 80, sigmaMax: 80 }), 'sigmaMin');
    expectConfigError(() => createKarrasSchedule({ sigmaMin: 100 }), 'sigmaMin');
    expectConfigError(() => createKarrasSchedule({ sigmaMin: 0 }), 'sigmaMin');
    expectConfigError(() => createKarrasSchedule({ rho: 0 }), 'rho');
    expectConfigError(() => createKarrasSchedule({ rho: -7 }), 'rho');
    expectConfigError(() => createKarrasSchedule({ rho: 'seven' } as never), 'rho');
    expectConfigError(() => createKarrasSchedule({ sigmaMn: 1 } as never), 'sigmaMn');
  });
  it('VP / flow: bad betas, shift, range', () => {
    expectConfigError(() => createVpLinearSchedule({ betaStart: 0 }), 'betaStart');
    expectConfigError(() => createVpLinearSchedule({ betaEnd: 1e-5 }), 'betaEnd');
    expectConfigError(() => createVpLinearSchedule({ trainSteps: 1 }), 'trainSteps');
    expectConfigError(() => createVpLinearSchedule({ sigmaMax: 1000 }), 'sigmaMax');
    expectConfigError(() => createVpCosineSchedule({ shift: 0 }), 'shift');
    expectConfigError(() => createFlowMatchingSchedule({ sigmaMin: 5, sigmaMax: 1 }), 'sigmaMin');
  });
  it('factories prefix the field with scheduleOptions', () => {
    const c = container.createChildContainer();
    registerSchedules(c);
    const factories = c.resolveAll(ScheduleFactory);
    expect(factories.map((f) => f.name)).toEqual(['karras', 'exponential', 'vp-linear', 'vp-cosine', 'flow-matching']);
    const byName = new Map(factories.map((f) => [f.name, f]));
    expectConfigError(() => byName.get('karras')!.create({ rho: 0 }, c), 'scheduleOptions.rho');
    expectConfigError(() => byName.get('karras')!.create({ sigmaMin: 9, sigmaMax: 1 }, c), 'scheduleOptions.sigmaMin');
    expectConfigError(() => byName.get('vp-linear')!.create({ sigmaMax: 1e6 }, c), 'scheduleOptions.sigmaMax');
    expectConfigError(() => byName.get('flow-matching')!.create(42, c), 'scheduleOptions');
    const k = byName.get('karras')!.create({ sigmaMax: 10 }, c) as SigmaSchedule;
    expect(k.sigmas(3)[0]).toBe(10);
    expect((byName.get('exponential')!.create(undefined, c) as SigmaSchedule).sigmaMin).toBe(0.002);
  });
});
