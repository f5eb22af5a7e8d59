/**
 * Exact band powers of an upshifted run on i.i.d. Gaussian data (x0 ~ N(0, v) per pixel and
 * channel: the `gaussian` model of this package) for any plan — upshifts, downshifts
 * (bottleneck), several levels — and any resizer kind, relative to the same run at full
 * resolution, for the two kinds of sampler:
 *
 * - `euler`: Euler's step on the probability-flow ODE, x' = x + (s' - s) (x - D) / s, exactly as
 *   the Euler and DDIM(0) samplers take it (with D = v_k / (v_k + s^2) x the exact denoiser);
 * - `ode`: the probability-flow ODE solved exactly between grid points (the state is scaled by
 *   sqrt((v_k + s'^2) / (v_k + s^2)) per step): what the second-order samplers (Heun, DPM++ 2M)
 *   approximate;
 * - `ancestral`: the ancestral step of Euler-ancestral(eta) and DDPM (the same update in sigma
 *   space): an Euler step to s_down = sqrt(s'^2 - s_up^2), then fresh noise of std
 *   s_up = min(s', eta sqrt(s'^2 (s^2 - s'^2) / s^2));
 * - `sde`: the reverse SDE's exact Gaussian transition (mean factor (v_k + s'^2) / (v_k + s^2),
 *   fresh noise that keeps the marginal), which DPM++ 2M SDE approximates.
 *
 * Everything is linear, so the state stays zero-mean Gaussian; the data and every operator
 * are separable, so the covariance is kept as a sum of Kronecker squares `sum a_i (M_i (x) M_i)`
 * of 1-D matrices (from the reference operators of `level-operators.ts`, written from their
 * definitions, not from the resizers under test). A level change applies the operator T to
 * every term and adds the resizer's noise: exact pairs `sigma_hi^2 (I - T D)`, the detail prior
 * also `v_j (I - T D)` (white data: its prior is the data's own variance), bilinear nothing. The
 * final per-frequency power of the orthonormal 2-D DFT is `sum a_i d_i(fx) d_i(fy)` with
 * `d_i(f) = phi_f^H M_i phi_f`, summed over the bands of `@upshift/metrics` (rings
 * `round(|f| n)`), without the DC coefficient (each image's mean is removed before measuring).
 */
import { matmul, transpose } from './dense-matrix.js';
import type { DenseMatrix } from './dense-matrix.js';
import { bilinearUp1d, downLevels1d, upLevels1d } from './level-operators.js';
import type { ReferenceDownOperator } from './level-operators.js';

/** How the theory moves the state between levels. */
export type IidResizerKind = 'exact' | 'detail-prior' | 'bilinear';
/** Which process the sampler follows (see the file comment). */
export type IidProcess = 'euler' | 'ode' | 'ancestral' | 'sde';

/** Inputs of {@link predictIidBandPowers}. */
export interface IidTheoryInput {
  /** Per-pixel variance of the data at level 0. */
  readonly variance: number;
  /** Side of the (square) level-0 image. */
  readonly side: number;
  /** Full-resolution sigma grid (steps + 1 values, the last 0). */
  readonly sigmas: readonly number[];
  /** Level per step (any order: downshifts are exact too). */
  readonly levels: readonly number[];
  /** Down operator of the resizer ('box' or 'dct'; bilinear uses 'box' for its downs). */
  readonly op: ReferenceDownOperator;
  readonly resizer: IidResizerKind;
  readonly process: IidProcess;
  /** Ancestral noise scale of the `ancestral` process (default 1). */
  readonly eta?: number;
  /** Band edges in cycles per pixel (as `levelBandEdges`), ascending. */
  readonly bandEdges: readonly number[];
}

/** Predicted band energies (per image and channel) of the final samples. */
export interface IidBandPowers {
  /** Expected energy per band of this plan's samples. */
  readonly energy: number[];
  /** The same at full resolution (every step at level 0). */
  readonly fullEnergy: number[];
  /** energy / fullEnergy per band. */
  readonly ratio: number[];
}

interface Term {
  readonly a: number;
  readonly m: DenseMatrix;
}

/** Covariance `identity * I + sum a_i (M_i (x) M_i)` at side `side`. */
interface Covariance {
  readonly side: number;
  readonly identity: number;
  readonly terms: readonly Term[];
}

function scale(c: Covariance, f: number, addIdentity = 0): Covariance {
  return { side: c.side, identity: c.identity * f + addIdentity, terms: c.terms.map((t) => ({ a: t.a * f, m: t.m })) };
}

function congruence(c: Covariance, t: DenseMatrix): Covariance {
  const tt = transpose(t);
  const terms: Term[] = c.terms.map((x) => ({ a: x.a, m: matmul(matmul(t, x.m), tt) }));
  if (c.identity !== 0) terms.push({ a: c.identity, m: matmul(t, tt) });
  return { side: t.rows, identity: 0, terms };
}

/** Moves the covariance from level `from` to level `to` (side `n / 2^to`). */
function changeLevel(c: Covariance, input: IidTheoryInput, from: number, to: number, sigma: number): Covariance {
  const n = input.side;
  if (to > from) {
    // Down: D keeps i.i.d. noise i.i.d. at sigma / 2 per level; the signal is pooled exactly.
    return congruence(c, downLevels1d(input.op, n / 2 ** from, to - from));
  }
  const sideTo = n / 2 ** to;
  if (input.resizer === 'bilinear') return congruence(c, bilinearUp1d(n / 2 ** from, 2 ** (from - to)));
  const t = upLevels1d(input.op, sideTo, from - to);
  const p = matmul(t, downLevels1d(input.op, sideTo, from - to));
  const sHi = sigma / 2 ** to;
  // Noise in the detail the coarse grid lacks, and (detail prior) the data's own variance there.
  const fill = sHi * sHi + (input.resizer === 'detail-prior' ? input.variance / 4 ** to : 0);
  const moved = congruence(c, t);
  return { side: sideTo, identity: fill, terms: [...moved.terms, { a: -fill, m: p }] };
}

/** Propagates the plan and returns the level-0 covariance. */
function propagate(input: IidTheoryInput, levels: readonly number[]): Covariance {
  const { sigmas, variance } = input;
  let level = levels[0] ?? 0;
  const s0 = (sigmas[0] as number) / 2 ** level;
  let c: Covariance = { side: input.side / 2 ** level, identity: s0 * s0, terms: [] };
  for (let i = 0; i < levels.length; i++) {
    const to = levels[i] as number;
    if (to !== level) {
      c = changeLevel(c, input, level, to, sigmas[i] as number);
      level = to;
    }
    const vk = variance / 4 ** level;
    const s = (sigmas[i] as number) / 2 ** level;
    const sNext = (sigmas[i + 1] as number) / 2 ** level;
    const beta = vk / (vk + s * s);
    if (input.process === 'euler') {
      const m = 1 + ((sNext - s) / s) * (1 - beta);
      c = scale(c, m * m);
    } else if (input.process === 'ancestral') {
      const eta = input.eta ?? 1;
      const up = Math.min(sNext, eta * Math.sqrt((sNext * sNext * (s * s - sNext * sNext)) / (s * s)));
      const down = Math.sqrt(sNext * sNext - up * up);
      const m = beta + (down / s) * (1 - beta);
      c = scale(c, m * m, up * up);
    } else {
      const ratio = (vk + sNext * sNext) / (vk + s * s);
      if (input.process === 'ode') c = scale(c, ratio);
      else c = scale(c, ratio * ratio, vk + sNext * sNext - ratio * ratio * (vk + s * s));
    }
  }
  if (level !== 0) c = changeLevel(c, { ...input, resizer: 'exact' }, level, 0, 0);
  return c;
}

/** d(f) = phi_f^H M phi_f for every 1-D DFT frequency index f of side n. */
function dftDiagonal(m: DenseMatrix): Float64Array {
  const n = m.rows;
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let acc = 0;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) acc += (m.data[j * n + k] as number) * Math.cos((2 * Math.PI * f * (j - k)) / n);
    }
    out[f] = acc / n;
  }
  return out;
}

/** Round half to even (numpy's rule, as the radial spectrum uses). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Band of every 2-D DFT coefficient (rings round(|f| n), as `radialPowerSpectrum` + `bandEnergies`), -1 for DC. */
function bandIndex(n: number, edges: readonly number[]): Int32Array {
  const freq = (i: number) => (i < Math.ceil(n / 2) ? i : i - n) / n;
  const out = new Int32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (x === 0 && y === 0) {
        out[0] = -1;
        continue;
      }
      const f = roundHalfEven(Math.hypot(freq(y), freq(x)) * n) / n;
      let band = 0;
      while (band < edges.length && f > (edges[band] as number) + 1e-12) band++;
      out[y * n + x] = band;
    }
  }
  return out;
}

function bandEnergy(c: Covariance, edges: readonly number[]): number[] {
  const n = c.side;
  const bands = bandIndex(n, edges);
  const energy = new Array<number>(edges.length + 1).fill(0);
  const diags = c.terms.map((t) => ({ a: t.a, d: dftDiagonal(t.m) }));
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const b = bands[y * n + x] as number;
      if (b < 0) continue;
      let p = c.identity;
      for (const t of diags) p += t.a * (t.d[y] as number) * (t.d[x] as number);
      energy[b]! += p;
    }
  }
  return energy;
}

/** Predicted band energies of the plan's final samples and of the full-resolution run. */
export function predictIidBandPowers(input: IidTheoryInput): IidBandPowers {
  if (input.levels.length !== input.sigmas.length - 1) throw new Error('theory: one level per step');
  const energy = bandEnergy(propagate(input, input.levels), input.bandEdges);
  const fullEnergy = bandEnergy(propagate(input, input.levels.map(() => 0)), input.bandEdges);
  return { energy, fullEnergy, ratio: energy.map((e, i) => e / (fullEnergy[i] as number)) };
}
