/**
 * Benchmark (not a test): the denoiser pool against the single-thread run, side by side in one
 * process, on the shipped model. Two jobs:
 *
 * - `npm start`'s job: one 64x64 image per class (9), the model's recommended sampling (Euler,
 *   20 Karras steps, guidance 2, the spectral policy), batch 9;
 * - one image with guidance (batch 1: its two guidance halves are the only split there is).
 *
 * Each job runs alternately on this thread (`workers: 1`) and on the pool (`workers: "auto"`, or
 * `--workers N`), `--reps` times after a warm-up run of each (model loads, pool start, wasm
 * initialisation: reported, not timed). Steps per second and images per minute come from the
 * run's own wall time (subscribe to done, as `npm start` sees it); the ratio is single / pool of
 * the medians. The images of both sides are compared bit for bit. Prints the core count and the
 * load average before and after (other work on the machine skews wall-time ratios: re-run it
 * idle to quote it).
 *
 *   npm run bench:pool -- [--backend wasm] [--workers auto] [--reps 2] [--reps-small 3] [--steps 20]
 *
 * Goal (issue 11): >= 1.7x for the 9-image job on a 2-core machine.
 */
import 'reflect-metadata';
import { availableParallelism, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pipeline, collectRun, withRecommendedSampling } from '../src/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const backend = arg('--backend', 'wasm');
const workersArg = arg('--workers', 'auto');
const workers: 'auto' | number = workersArg === 'auto' ? 'auto' : Number(workersArg);
const reps = Number(arg('--reps', '2'));
const repsSmall = Number(arg('--reps-small', '3'));
const stepsArg = args.includes('--steps') ? Number(arg('--steps', '20')) : undefined;

const modelConfig = JSON.parse(readFileSync(fileURLToPath(new URL('../../models/assets/emoji-unet/config.json', import.meta.url)), 'utf8')) as {
  sampling: Record<string, unknown>;
  classes: string[];
};
// npm start = `upshift generate`: the model's recommendation, then generate's fallbacks.
const base = withRecommendedSampling({ model: 'emoji-unet', backend, seed: 0 }, modelConfig.sampling) as Record<string, unknown>;
if (stepsArg !== undefined) base['steps'] = stepsArg;
const classes = modelConfig.classes.length;
const jobs = [
  { name: `npm start's job (${classes} images, guidance ${String(base['guidance'])})`, config: { ...base, batch: classes, classLabels: Array.from({ length: classes }, (_, i) => i) }, reps },
  { name: `1 image, guidance ${String(base['guidance'])}`, config: { ...base, batch: 1, classLabels: [6] }, reps: repsSmall },
];

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Measured {
  readonly wallMs: number;
  readonly samplingMs: number;
  readonly steps: number;
  readonly images: number;
  readonly workers: number;
  readonly data: Float32Array;
}

async function measure(pipeline: Pipeline, config: Record<string, unknown>): Promise<Measured> {
  const t0 = performance.now();
  const { start, done } = await collectRun(pipeline.run(config));
  return { wallMs: performance.now() - t0, samplingMs: done.stats.ms, steps: done.stats.steps, images: done.image.shape[0], workers: start.workers, data: done.image.data };
}

function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

async function main(): Promise<void> {
  const loadBefore = load();
  console.log(`pool benchmark: ${availableParallelism()} cores, backend ${backend}, workers ${workersArg} vs 1, load average before ${loadBefore}`);
  console.log(`config: ${JSON.stringify(base)}`);
  const pipeline = new Pipeline();
  const log: string[] = [];
  try {
    // Warm-up (not timed): the model on this thread, the pool's workers each loading the model.
    let t0 = performance.now();
    await collectRun(pipeline.run({ ...jobs[1]!.config, steps: 1, workers: 1 }, { log: (m) => log.push(m) }));
    const localMs = performance.now() - t0;
    t0 = performance.now();
    const warm = await collectRun(pipeline.run({ ...jobs[0]!.config, steps: 1, workers }, { log: (m) => log.push(m) }));
    const poolMs = performance.now() - t0;
    console.log(`warm-up: model on this thread ${(localMs / 1000).toFixed(1)} s; pool of ${warm.start.workers} workers started and 1 step run in ${(poolMs / 1000).toFixed(1)} s`);

    const rows: string[] = [];
    for (const job of jobs) {
      const single: Measured[] = [];
      const pooled: Measured[] = [];
      for (let r = 0; r < job.reps; r++) {
        single.push(await measure(pipeline, { ...job.config, workers: 1 }));
        pooled.push(await measure(pipeline, { ...job.config, workers }));
        const [s, p] = [single.at(-1)!, pooled.at(-1)!];
        console.log(
          `  ${job.name} rep ${r + 1}: 1 thread ${(s.wallMs / 1000).toFixed(1)} s, ${p.workers} workers ${(p.wallMs / 1000).toFixed(1)} s, images ${same(s.data, p.data) ? 'bit-identical' : 'DIFFER'} (load ${load()})`,
        );
      }
      const identical = single.every((s, i) => same(s.data, pooled[i]!.data));
      const [s, p] = [median(single.map((m) => m.wallMs)), median(pooled.map((m) => m.wallMs))];
      const steps = single[0]!.steps;
      const images = single[0]!.images;
      const row = {
        job: job.name,
        workers: pooled[0]!.workers,
        singleStepsPerS: steps / (s / 1000),
        poolStepsPerS: steps / (p / 1000),
        singleImagesPerMin: images / (s / 60000),
        poolImagesPerMin: images / (p / 60000),
        ratio: s / p,
        samplingRatio: median(single.map((m) => m.samplingMs)) / median(pooled.map((m) => m.samplingMs)),
      };
      rows.push(
        `| ${row.job} | ${(s / 1000).toFixed(1)} s | ${(p / 1000).toFixed(1)} s (${row.workers} workers) | ${row.singleStepsPerS.toFixed(2)} -> ${row.poolStepsPerS.toFixed(2)} | ${row.singleImagesPerMin.toFixed(1)} -> ${row.poolImagesPerMin.toFixed(1)} | **${row.ratio.toFixed(2)}x** | ${identical ? 'yes' : 'NO'} |`,
      );
    }
    const loadAfter = load();
    console.log(`\n${availableParallelism()} cores, backend ${backend}; load average before ${loadBefore}, after ${loadAfter} (1, 5, 15 min)`);
    console.log('| job | 1 thread | pool | steps/s | images/min | ratio | bit-identical |');
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    const busy = Math.max(...[loadBefore, loadAfter].map((l) => Number(l.split(' ')[0])));
    if (busy > availableParallelism() * 0.75) console.log(`note: the machine was busy (load ${busy.toFixed(2)} on ${availableParallelism()} cores): wall-time ratios are skewed; re-run on an idle machine to quote them`);
  } finally {
    pipeline.dispose();
  }
}

await main();
