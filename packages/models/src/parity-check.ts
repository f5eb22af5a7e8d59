/**
 * Compares the tfjs model with the PyTorch outputs stored in parity.safetensors (written by
 * tools/train/export.py: NHWC `level{k}.x`, `level{k}.sigma`, int32 `level{k}.label` with the
 * null class = numClasses, and fp32 `level{k}.out`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelLoadError } from '@upshift/core';
import { parseSafetensors, readFloat32, readInt32 } from './safetensors.js';
import type { SafetensorsFile } from './safetensors.js';
import type { UNetDenoiser } from './unet-denoiser.js';
import { edmCoefficients } from './unet-denoiser.js';

/** Parity at one level. */
export interface LevelParity {
  readonly level: number;
  /** ||y_tfjs - y_torch|| / ||y_torch|| over the level's batch. */
  readonly relError: number;
  /**
   * The same for the network's share of the output, y - c_skip x: what is left when the
   * identity-like skip path is removed. A model whose zero-initialised output layers have
   * barely trained makes `relError` small whatever the network computes; this one does not.
   */
  readonly networkRelError: number;
  /** ||y_torch - c_skip x|| / ||y_torch||: how much the network contributes at all. */
  readonly networkShare: number;
  /** Batch size and side. */
  readonly batch: number;
  readonly side: number;
}

function entry(st: SafetensorsFile, name: string) {
  const e = st.tensors.get(name);
  if (!e) throw new ModelLoadError(st.file, 'missing', name);
  return e;
}

function norm(a: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Runs the model on every level of a parity file and measures the relative errors. */
export function checkParity(model: UNetDenoiser, parity: ArrayBuffer | ArrayBufferView, file = 'parity.safetensors'): LevelParity[] {
  const st = parseSafetensors(parity, file);
  const out: LevelParity[] = [];
  for (let k = 0; ; k++) {
    if (!st.tensors.has(`level${k}.x`)) break;
    const xe = entry(st, `level${k}.x`);
    const [n, h, w, c] = xe.shape as [number, number, number, number];
    const x = readFloat32(xe, file);
    const sigma = Array.from(readFloat32(entry(st, `level${k}.sigma`), file));
    const labels = Array.from(readInt32(entry(st, `level${k}.label`), file), (l) => (l === model.config.nullClass ? null : l));
    const ref = readFloat32(entry(st, `level${k}.out`), file);
    const got = tf.tidy(() => model.denoise(tf.tensor4d(x, [n, h, w, c]), sigma, { level: k, classLabels: labels }).dataSync() as Float32Array);
    const sd = model.config.preconditioning.sigmaData[k]!;
    const per = h * w * c;
    const diff = new Float64Array(ref.length);
    const refNet = new Float64Array(ref.length);
    const gotNet = new Float64Array(ref.length);
    for (let i = 0; i < ref.length; i++) {
      const skip = edmCoefficients(sigma[Math.floor(i / per)]!, sd).cSkip * x[i]!;
      diff[i] = got[i]! - ref[i]!;
      refNet[i] = ref[i]! - skip;
      gotNet[i] = got[i]! - skip;
    }
    const netDiff = gotNet.map((v, i) => v - refNet[i]!);
    out.push({
      level: k,
      relError: norm(diff) / norm(ref),
      networkRelError: norm(netDiff) / norm(refNet),
      networkShare: norm(refNet) / norm(ref),
      batch: n,
      side: h,
    });
  }
  if (out.length === 0) throw new ModelLoadError(file, 'no level0.x tensor: not a parity file', 'level0.x');
  return out;
}
