/**
 * The Laplacian pyramid of Burt & Adelson (1983) as used by the sliced Wasserstein distance of
 * Karras et al., "Progressive Growing of GANs" (ICLR 2018, `metrics/sliced_wasserstein.py`):
 * the 5x5 binomial filter [1 4 6 4 1]^2 / 256 with mirror borders, `down` = filter then keep
 * every other pixel (cv2.pyrDown), `up` = zero-insert then filter x4 (cv2.pyrUp). Level i is
 * `G_i - up(G_{i+1})`; the last level is the Gaussian `G_last` itself.
 */
import { ConfigError } from '@upshift/core';

/** Planar images: `n x c` planes of `h x w`, row-major, image-major. */
export interface PlanarImages {
  readonly data: Float64Array;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

const BINOMIAL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

/** scipy.ndimage "mirror" border: d c b | a b c d | c b a. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Separable 5-tap binomial filter of every plane, mirror borders, times `gain`. */
function binomialFilter(img: PlanarImages, gain: number): PlanarImages {
  const { n, c, h, w, data } = img;
  const tmp = new Float64Array(data.length);
  const out = new Float64Array(data.length);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -2; t <= 2; t++) s += BINOMIAL[t + 2]! * data[base + y * w + mirror(x + t, w)]!;
        tmp[base + y * w + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -2; t <= 2; t++) s += BINOMIAL[t + 2]! * tmp[base + mirror(y + t, h) * w + x]!;
        out[base + y * w + x] = s * gain;
      }
    }
  }
  return { ...img, data: out };
}

/** cv2.pyrDown: binomial filter, then every other pixel (sides must be even). */
export function pyramidDown(img: PlanarImages): PlanarImages {
  if (img.h % 2 !== 0 || img.w % 2 !== 0) throw new ConfigError('images.shape', [img.h, img.w], 'sides must be even to go down a pyramid level');
  const f = binomialFilter(img, 1);
  const h = img.h / 2;
  const w = img.w / 2;
  const out = new Float64Array(img.n * img.c * h * w);
  for (let p = 0; p < img.n * img.c; p++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(p * h + y) * w + x] = f.data[(p * img.h + 2 * y) * img.w + 2 * x]!;
  }
  return { n: img.n, c: img.c, h, w, data: out };
}

/** cv2.pyrUp: zero-insertion to twice the side, then the binomial filter x4. */
export function pyramidUp(img: PlanarImages): PlanarImages {
  const h = img.h * 2;
  const w = img.w * 2;
  const up = new Float64Array(img.n * img.c * h * w);
  for (let p = 0; p < img.n * img.c; p++) {
    for (let y = 0; y < img.h; y++) for (let x = 0; x < img.w; x++) up[(p * h + 2 * y) * w + 2 * x] = img.data[(p * img.h + y) * img.w + x]!;
  }
  return binomialFilter({ n: img.n, c: img.c, h, w, data: up }, 4);
}

/** Laplacian pyramid with `levels` levels, finest first; the last level is the low-pass residual. */
export function laplacianPyramid(img: PlanarImages, levels: number): PlanarImages[] {
  if (!Number.isInteger(levels) || levels < 1) throw new ConfigError('levels', levels, 'must be a positive integer');
  const gaussians: PlanarImages[] = [img];
  for (let k = 1; k < levels; k++) gaussians.push(pyramidDown(gaussians[k - 1]!));
  return gaussians.map((g, k) => {
    if (k === levels - 1) return g;
    const up = pyramidUp(gaussians[k + 1]!);
    const data = new Float64Array(g.data.length);
    for (let i = 0; i < data.length; i++) data[i] = g.data[i]! - up.data[i]!;
    return { ...g, data };
  });
}
