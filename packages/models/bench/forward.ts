/**
 * Forward-pass benchmark of the UNet denoiser: ms per `denoise` call at 64/32/16/8 px, batch 1
 * and 8, on the tfjs cpu and wasm backends, and the 64 -> 16 px speed ratio (what a level-2
 * step saves over a full-resolution one).
 *
 *   npx tsx bench/forward.ts [--model DIR | --synthetic] [--backends cpu,wasm] [--sides 64,32,16,8]
 *                            [--batches 1,8] [--seconds 2] [--guidance W]
 *
 * Model: DIR, else the shipped assets/emoji-unet if exported, else fixtures/tiny-unet.
 * `--synthetic` builds random weights with the shipped architecture (model.py's
 * default_config, 9 classes) to time the real network before it is trained.
 * wasm in Node runs single-threaded with SIMD (tfjs does not use threads in Node).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countUNetFlops, createModel, encodeSafetensors, loadModel, unetLayout } from '../src/index.js';
import type { SafetensorsInput, UNetArchitecture, UNetDenoiser } from '../src/index.js';

const SHIPPED_ARCH: UNetArchitecture = {
  architecture: 'upshift-unet-v1',
  inChannels: 3,
  channels: [32, 64, 128, 160],
  numResBlocks: [1, 1, 2, 2],
  attentionStages: [2, 3],
  attentionHeads: 4,
  groups: 16,
  embDim: 256,
  fourierDim: 64,
  numClasses: 9,
  numLevels: 4,
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const list = (s: string): number[] => s.split(',').map(Number);

/** A model of `arch` with random weights (F32), built in memory. */
function syntheticModel(arch: UNetArchitecture): UNetDenoiser {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
    return (seed >>> 0) / 2 ** 32 - 0.5;
  };
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, shape] of unetLayout(arch).parameters) {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? size / shape[0]! : 1;
    const data = new Float32Array(size);
    const isNormWeight = name.includes('norm') && name.endsWith('.weight');
    for (let i = 0; i < size; i++) data[i] = isNormWeight ? 1 : (rand() * 3.4) / Math.sqrt(fanIn);
    tensors.set(name, { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer) });
  }
  const config = {
    format: 'upshift-model',
    version: 1,
    name: 'synthetic-emoji-unet',
    architecture: arch,
    preconditioning: { type: 'edm', sigmaData: [0.6, 0.6, 0.57, 0.52] },
    nullClass: arch.numClasses,
    weights: { file: 'model.safetensors', dtype: 'F32', layout: 'pytorch' },
  };
  return createModel({ config, weights: encodeSafetensors(tensors) });
}

async function pickModel(): Promise<UNetDenoiser> {
  if (process.argv.includes('--synthetic')) return syntheticModel(SHIPPED_ARCH);
  const shipped = fileURLToPath(new URL('../assets/emoji-unet/', import.meta.url));
  const fallback = existsSync(`${shipped}config.json`) ? shipped : fileURLToPath(new URL('../fixtures/tiny-unet/', import.meta.url));
  return loadModel(arg('model', fallback));
}

async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** Mean and min ms of `denoise` calls: one warm-up, then until `seconds` have passed (at least 2 calls). */
async function time(model: UNetDenoiser, side: number, batch: number, guidance: number): Promise<{ mean: number; min: number; calls: number }> {
  const x = tf.randomNormal([batch, side, side, 3]) as tf.Tensor4D;
  const labels = Array.from({ length: batch }, (_, i) => i % model.config.architecture.numClasses);
  const ctx = { level: 0, classLabels: labels, guidance };
  const call = async (): Promise<number> => {
    const t0 = performance.now();
    const y = model.denoise(x, 1.3, ctx);
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await call();
  const budget = Number(arg('seconds', '2')) * 1000;
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 2 || performance.now() - start < budget) times.push(await call());
  x.dispose();
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, min: Math.min(...times), calls: times.length };
}

async function main(): Promise<void> {
  const backends = arg('backends', 'cpu,wasm').split(',');
  const sides = list(arg('sides', '64,32,16,8'));
  const batches = list(arg('batches', '1,8'));
  const guidance = Number(arg('guidance', '1'));
  await useBackend(backends[0]!);
  const model = await pickModel();
  const arch = model.config.architecture;
  console.log(`model ${model.name}: ${(model.parameterCount / 1e6).toFixed(2)} M params, channels [${arch.channels}], guidance ${guidance}`);
  console.log(`GFLOP per image: ${sides.map((s) => `${s}px ${(countUNetFlops(arch, s, s) / 1e9).toFixed(3)}`).join(', ')}`);
  const rows: Record<string, string | number>[] = [];
  for (const backend of backends) {
    await useBackend(backend);
    for (const batch of batches) {
      const ms = new Map<number, number>();
      for (const side of sides) {
        const t = await time(model, side, batch, guidance);
        ms.set(side, t.mean);
        const flops = model.flops(side, side, batch, { level: 0, classLabels: [0], guidance });
        rows.push({ backend, batch, side, 'ms/call': +t.mean.toFixed(1), 'min ms': +t.min.toFixed(1), calls: t.calls, 'ms/image': +(t.mean / batch).toFixed(1), GFLOPs: +(flops / t.mean / 1e6).toFixed(2) });
        console.log(JSON.stringify(rows[rows.length - 1]));
      }
      if (ms.has(64) && ms.has(16)) console.log(`${backend} batch ${batch}: 64px / 16px time ratio = ${(ms.get(64)! / ms.get(16)!).toFixed(2)} (FLOP ratio ${(countUNetFlops(arch, 64, 64) / countUNetFlops(arch, 16, 16)).toFixed(2)})`);
    }
  }
  console.table(rows);
  model.dispose();
}

await main();
