/**
 * Benchmark (not a test): the per-step cost of each sampler's own arithmetic, excluding the
 * denoiser, relative to one model forward at 64x64. Goal: under 1 %.
 *
 *   pnpm --filter @upshift/samplers bench -- [--backend cpu|wasm] [--model <dir> | --stand-in] [--reps N]
 *
 * Sampler overhead = (time of a step with the analytic Gaussian denoiser) - (model calls of
 * that step) x (time of one Gaussian denoiser call), median over reps, on a [1, 64, 64, 3]
 * latent. The reference "model" is, by default, the shipped emoji UNet
 * (packages/models/assets/emoji-unet, loaded with @upshift/models `loadModel`; one forward
 * without guidance, so the ratios are upper bounds for guided runs, which batch two); with
 * `--model <dir>` another exported model; with `--stand-in` a documented conv stack: conv3x3
 * 3->64, four conv3x3 64->64 with ReLU, conv3x3 64->3 at 64x64 (~1.2 GFLOP). wasm runs
 * single-threaded with SIMD in Node (tfjs does not start threads there).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNoiseSource } from '@upshift/core';
import type { Latent, Sampler } from '@upshift/core';
import { loadModel } from '@upshift/models';
import { createGaussianDenoiser } from '@upshift/testing';
import { SAMPLER_FACTORIES } from '../src/index.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 15);
const backend = arg('--backend') ?? 'cpu';
const shape: [number, number, number, number] = [1, 64, 64, 3];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(fn: () => void | Promise<void>, n = reps): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function convStack(): { name: string; forward: (x: tf.Tensor4D) => tf.Tensor4D } {
  const noise = createNoiseSource(1);
  const w = (i: number, o: number) => tf.tidy(() => tf.mul(noise.normal([3, 3, i, o]), 1 / Math.sqrt(9 * i)) as tf.Tensor4D);
  const layers = [w(3, 64), w(64, 64), w(64, 64), w(64, 64), w(64, 64), w(64, 3)];
  return {
    name: 'stand-in conv stack (6 conv3x3, 64 ch, ~1.2 GFLOP)',
    forward: (x) =>
      tf.tidy(() => {
        let h: tf.Tensor4D = x;
        layers.forEach((k, i) => {
          h = tf.conv2d(h, k, 1, 'same');
          if (i < layers.length - 1) h = tf.relu(h);
        });
        return h;
      }),
  };
}

async function referenceModel(): Promise<{ name: string; forward: (x: tf.Tensor4D) => tf.Tensor4D; dispose: () => void }> {
  if (args.includes('--stand-in')) return { ...convStack(), dispose: () => undefined };
  const dir = arg('--model') ?? fileURLToPath(new URL('../../models/assets/emoji-unet/', import.meta.url));
  const model = await loadModel(dir);
  const gflop = model.flops(64, 64, 1, { level: 0 }) / 1e9;
  return {
    name: `UNet ${model.name} (${gflop.toFixed(2)} GFLOP per 64x64 forward, ${dir})`,
    forward: (x) => model.denoise(x, 1, { level: 0 }),
    dispose: () => model.dispose(),
  };
}

async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

async function main(): Promise<void> {
  await useBackend(backend);
  const gaussian = createGaussianDenoiser({ mean: 0.1, std: 0.5, channels: 3 });
  const x = tf.tidy(() => tf.mul(createNoiseSource(2).normal<tf.Rank.R4>(shape), 5) as tf.Tensor4D);
  const model = await referenceModel();
  const readAndFree = (t: tf.Tensor): void => {
    t.dataSync();
    t.dispose();
  };
  const tModel = await timeIt(() => readAndFree(model.forward(x)), Math.max(3, Math.floor(reps / 3)));
  const tDenoise = await timeIt(() => readAndFree(gaussian.denoise(x, 5, { level: 0 })));
  console.log(`backend ${tf.getBackend()}, latent ${shape.join('x')}, reps ${reps}`);
  console.log(`reference model: ${model.name}: ${tModel.toFixed(2)} ms per forward`);
  console.log(`gaussian denoiser: ${tDenoise.toFixed(3)} ms per call\n`);
  console.log('sampler            step ms  calls  own ms   own / model');
  for (const factory of SAMPLER_FACTORIES) {
    const sampler = (await factory.create(undefined, undefined as never)) as Sampler;
    const noise = createNoiseSource(3);
    // Warm the state with two steps so multistep samplers run their full (second-order) step.
    let state = sampler.initState();
    let latent: Latent = { x: x.clone(), level: 0, sigma: 8 };
    for (const next of [6, 5]) {
      const out = await sampler.step({ denoiser: gaussian, latent, sigmaNext: next, state, ctx: { level: 0 }, noise });
      latent.x.dispose();
      out.denoised.dispose();
      latent = out.latent;
      state = out.state;
    }
    let calls = 0;
    const tStep = await timeIt(async () => {
      // Each timed step consumes a copy of the warmed state (the same history every time).
      const probeState = Object.fromEntries(
        Object.entries(state).map(([k, v]) => [k, v instanceof tf.Tensor ? v.clone() : v]),
      ) as typeof state;
      const out = await sampler.step({ denoiser: gaussian, latent, sigmaNext: 4, state: probeState, ctx: { level: 0 }, noise });
      out.latent.x.dataSync();
      calls = out.modelCalls;
      out.latent.x.dispose();
      out.denoised.dispose();
      sampler.disposeState(out.state);
    });
    const own = Math.max(0, tStep - calls * tDenoise);
    console.log(
      `${sampler.name.padEnd(18)} ${tStep.toFixed(3).padStart(7)}  ${String(calls).padStart(5)}  ${own.toFixed(3).padStart(6)}   ${((100 * own) / tModel).toFixed(3).padStart(7)} %`,
    );
    latent.x.dispose();
    sampler.disposeState(state);
  }
  x.dispose();
  gaussian.dispose();
  model.dispose();
}

await main();
