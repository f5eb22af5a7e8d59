/**
 * Benchmark (not a test): UNet forward passes at 64, 32 and 16 px on every available backend,
 * batch 1 and 16, side by side in one process. Prints ms per call, GFLOP/s and, per backend
 * and batch, the 64 -> 16 px speed ratio (16 would mean cost proportional to pixels; less means
 * fixed per-call cost such as kernel dispatch dominates at small sizes).
 *
 *   node --import @oxc-node/core/register packages/backend-webgpu/bench/unet-bench.ts \
 *     [--model DIR] [--backends webgpu,wasm,cpu] [--sizes 64,32,16] [--batches 1,16]
 *     [--min-ms 1500] [--max-reps 30] [--max-config-s 30] [--wasm-dir DIR] [--json FILE]
 *
 * A backend entry may carry tfjs flags for a before/after comparison in the same run, e.g.
 * `--backends webgpu,webgpu:WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=256`. Configurations whose
 * estimated time (from the GFLOP/s already measured on that backend) exceeds --max-config-s
 * are skipped and listed, so slow backends cannot eat the time budget.
 *
 * Also built into a standalone bundle for a GPU machine without Node: tools/gpu/prepare-bundle.sh.
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendProvider, DenoiserContext } from '@upshift/core';
import { cpuBackendProvider } from '@upshift/backend-cpu';
import { createWasmBackendProvider } from '@upshift/backend-wasm';
import { loadModel } from '@upshift/models';
import { webGpuBackendProvider } from '../src/index.js';

interface Args {
  model: string;
  backends: string[];
  sizes: number[];
  batches: number[];
  minMs: number;
  maxReps: number;
  maxConfigS: number;
  wasmDir: string | undefined;
  json: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.lastIndexOf(`--${name}`); // the last one wins: wrappers pass defaults first
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (name: string, fallback: string) => (get(name) ?? fallback).split(',').filter(Boolean);
  return {
    model: get('model') ?? fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url)),
    backends: list('backends', 'webgpu,wasm,cpu'),
    sizes: list('sizes', '64,32,16').map(Number),
    batches: list('batches', '1,16').map(Number),
    minMs: Number(get('min-ms') ?? 1500),
    maxReps: Number(get('max-reps') ?? 30),
    maxConfigS: Number(get('max-config-s') ?? 30),
    wasmDir: get('wasm-dir'),
    json: get('json'),
  };
}

interface Row {
  backend: string;
  detail: string;
  size: number;
  batch: number;
  msPerCall: number;
  firstCallMs: number;
  reps: number;
  gflops: number;
}

const args = parseArgs(process.argv.slice(2));
const providers: Record<string, BackendProvider> = {
  cpu: cpuBackendProvider,
  wasm: createWasmBackendProvider(args.wasmDir === undefined ? undefined : { wasmPaths: args.wasmDir }),
  webgpu: webGpuBackendProvider,
};
const rows: Row[] = [];
const skipped: { backend: string; reason: string }[] = [];
const save = () => {
  if (args.json) writeFileSync(args.json, JSON.stringify({ args, rows, skipped }, null, 2));
};

console.log(`UNet forward benchmark: model ${args.model}, sizes ${args.sizes.join('/')}, batches ${args.batches.join('/')}`);
for (const entry of args.backends) {
  const [base = '', ...flagParts] = entry.split(':');
  const name = entry;
  const provider = providers[base];
  if (provider === undefined) throw new Error(`unknown backend "${base}" (known: ${Object.keys(providers).join(', ')})`);
  const flags = flagParts.flatMap((f) => f.split('+')).map((f) => f.split('=') as [string, string]);
  const savedFlags = flags.map(([k]) => [k, tf.env().get(k)] as const);
  for (const [k, v] of flags) tf.env().set(k, v === 'true' ? true : v === 'false' ? false : Number(v));
  const capability = await provider.check();
  if (!capability.available) {
    console.log(`${name}: skipped (${capability.reason})`);
    skipped.push({ backend: name, reason: capability.reason });
    save();
    continue;
  }
  try {
    await provider.activate();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`${name}: skipped (activation failed: ${reason})`);
    skipped.push({ backend: name, reason });
    save();
    continue;
  }
  const detail = capability.detail ?? '';
  console.log(`${name}: ${detail}`);
  const model = await loadModel(args.model);
  const resolution = model.config.resolution ?? 64;
  let bestGflops = 0;
  // Cheapest first, so the GFLOP/s measured so far can predict the cost of the next one.
  for (const batch of [...args.batches].sort((a, b) => a - b)) {
    for (const size of [...args.sizes].sort((a, b) => a - b)) {
      const level = Math.round(Math.log2(resolution / size));
      const ctx: DenoiserContext = { level, classLabels: new Array(batch).fill(0) };
      const flops = model.flops(size, size, batch, ctx);
      const estimateS = bestGflops > 0 ? (3 * flops) / (bestGflops * 1e9) : 0;
      if (estimateS > args.maxConfigS) {
        console.log(`  ${name.padEnd(6)} ${String(size).padStart(3)} px  batch ${String(batch).padStart(2)}: skipped (estimated ${estimateS.toFixed(0)} s > --max-config-s ${args.maxConfigS})`);
        skipped.push({ backend: name, reason: `${size} px batch ${batch}: estimated ${estimateS.toFixed(0)} s` });
        continue;
      }
      const x = tf.randomNormal([batch, size, size, model.channels]) as tf.Tensor4D;
      const call = async () => {
        const y = model.denoise(x, 1.5, ctx);
        await y.data(); // the sync point: read back, as a sampler step would
        y.dispose();
      };
      let t = performance.now();
      await call(); // warm-up: shader compilation, buffer pools
      const firstCallMs = performance.now() - t;
      const times: number[] = [];
      const start = performance.now();
      while (times.length < args.maxReps && (times.length < 2 || performance.now() - start < args.minMs)) {
        t = performance.now();
        await call();
        times.push(performance.now() - t);
      }
      x.dispose();
      times.sort((a, b) => a - b);
      const msPerCall = times[Math.floor(times.length / 2)]!;
      const gflops = flops / (msPerCall * 1e6);
      bestGflops = Math.max(bestGflops, gflops);
      const row: Row = { backend: name, detail, size, batch, msPerCall, firstCallMs, reps: times.length, gflops };
      rows.push(row);
      save();
      console.log(
        `  ${name.padEnd(6)} ${String(size).padStart(3)} px  batch ${String(batch).padStart(2)}: ${msPerCall.toFixed(2).padStart(9)} ms/call` +
          `  ${gflops.toFixed(2).padStart(7)} GFLOP/s  (median of ${times.length}; first call ${firstCallMs.toFixed(0)} ms)`,
      );
    }
  }
  model.dispose();
  for (const [k, v] of savedFlags) tf.env().set(k, v);
}

console.log('\nSide by side (ms per call):');
const backends = [...new Set(rows.map((r) => r.backend))];
backends.forEach((b, i) => console.log(`  [${i + 1}] ${b}`));
console.log(`  ${'size'.padEnd(4)} ${'batch'.padEnd(5)} ${backends.map((_, i) => `[${i + 1}]`.padStart(12)).join(' ')}`);
for (const batch of args.batches) {
  for (const size of args.sizes) {
    const cells = backends.map((b) => rows.find((r) => r.backend === b && r.size === size && r.batch === batch));
    console.log(`  ${String(size).padEnd(4)} ${String(batch).padEnd(5)} ${cells.map((c) => (c ? c.msPerCall.toFixed(2) : '-').padStart(12)).join(' ')}`);
  }
}
const hi = Math.max(...args.sizes);
const lo = Math.min(...args.sizes);
console.log(`\nSpeed ratio ${hi} -> ${lo} px (ms at ${hi} / ms at ${lo}; ${(hi / lo) ** 2} if cost were proportional to pixels):`);
for (const b of backends) {
  for (const batch of args.batches) {
    const a = rows.find((r) => r.backend === b && r.size === hi && r.batch === batch);
    const c = rows.find((r) => r.backend === b && r.size === lo && r.batch === batch);
    if (a && c) console.log(`  ${b} batch ${String(batch).padStart(2)}: ${(a.msPerCall / c.msPerCall).toFixed(2)}x`);
  }
}
save();
process.exit(0);
