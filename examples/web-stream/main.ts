/**
 * The step stream in a page: `@upshift/pipeline` runs the shipped emoji UNet in the browser
 * (the tfjs wasm backend, on the page's own thread) and the page subscribes to the run's events:
 * `start` draws the plan (level and sigma per step), `resolution-change` and `step` mark the
 * current step, each step's x0 estimate (config `previews: true`) is drawn on a canvas as it
 * arrives, and `done` draws the final image. apps/web is the full demo (a Web Worker, every
 * backend, a form, a comparison); this is the smallest page that shows the idea.
 *
 *   npx vite examples/web-stream        then open the URL it prints
 *
 * The URL's query picks the run: `?policy=spectral&steps=20&class=5&seed=1`.
 */
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import type { ImageData4D, StepEvent } from '@upshift/core';
import { Pipeline, registerAll } from '@upshift/pipeline';
// The tfjs wasm binaries as same-origin URLs that Vite emits (tfjs never fetches them from a CDN;
// it wants all three named). The page is not cross-origin isolated, so tfjs loads the SIMD one
// and runs on one thread (apps/web shows the threaded setup).
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

const query = new URLSearchParams(location.search);
const number = (name: string, fallback: number): number => (query.has(name) ? Number(query.get(name)) : fallback);
/** Sigma with 3 significant digits (80.0 ... 0.00200). */
const fmt = (sigma: number): string => sigma.toPrecision(3);

/** The run: a few steps of the pyramid policy (16 px, then 32, then 64), one image of class 3. */
const config = {
  policy: query.get('policy') ?? 'pyramid',
  steps: number('steps', 6),
  classLabels: number('class', 3),
  seed: number('seed', 0),
  backend: 'wasm',
  workers: 1,
  // Each `step` event carries its x0 estimate as plain data (the tensors die with the event).
  previews: true,
  // The shipped model, served beside the page (vite.config.ts): an http(s) URL is fetched.
  modelOptions: { path: new URL('emoji-unet/', location.href).href },
};

// Every plugin package, with the wasm backend told where its binaries are.
const plugins = container.createChildContainer();
const wasmPaths = { 'tfjs-backend-wasm.wasm': plainWasm, 'tfjs-backend-wasm-simd.wasm': simdWasm, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm };
registerAll(plugins, { backendOptions: { wasm: { wasmPaths } } });
const pipeline = new Pipeline(plugins);

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $('status');
const planCells: HTMLTableCellElement[] = [];
const t0 = performance.now();

/** Draws item 0 of an NHWC image in [-1, 1] (the model's range) on `canvas`, at its own size. */
function draw(canvas: HTMLCanvasElement, image: ImageData4D): void {
  const [, height, width, channels] = image.shape;
  canvas.width = width;
  canvas.height = height;
  const pixels = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) pixels.data[4 * i + c] = ((image.data[channels * i + c]! + 1) / 2) * 255; // clamped, rounded
    pixels.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
}

/** Draws the plan: one column per step, its level (and side in px) and its sigma. */
function showPlan(event: Extract<StepEvent, { type: 'start' }>): void {
  const side = (level: number) => `${64 >> level} px`;
  const rows = [
    ['step', (i: number) => String(i + 1)],
    ['level', (i: number) => `${event.plan.steps[i]!.level} (${side(event.plan.steps[i]!.level)})`],
    ['sigma', (i: number) => fmt(event.plan.steps[i]!.sigma)],
  ] as const;
  for (const [name, cell] of rows) {
    const tr = $('plan').appendChild(document.createElement('tr'));
    tr.appendChild(document.createElement('th')).textContent = name;
    event.plan.steps.forEach((step, i) => {
      const td = tr.appendChild(document.createElement('td'));
      td.textContent = cell(i);
      td.dataset['level'] = String(step.level);
      if (name === 'step') planCells.push(td);
    });
  }
}

/** Appends an event to the list, with its fields as data attributes (the end-to-end test reads them). */
function log(event: StepEvent, text: string, fields: Record<string, string | number> = {}): void {
  const li = $('events').appendChild(document.createElement('li'));
  li.dataset['type'] = event.type;
  for (const [key, value] of Object.entries(fields)) li.dataset[key] = String(value);
  li.textContent = text;
}

function onEvent(event: StepEvent): void {
  switch (event.type) {
    case 'start':
      showPlan(event);
      log(event, `start: ${event.plan.policy} plan, levels ${event.plan.steps.map((s) => s.level).join(' ')}, FLOP fraction ${event.plan.flopFraction.toFixed(2)}, on ${event.backend}`, {
        levels: event.plan.steps.map((s) => s.level).join(' '),
      });
      status.textContent = 'running…';
      document.body.dataset['state'] = 'running';
      break;
    case 'resolution-change':
      log(event, `before step ${event.index + 1}: level ${event.from} -> ${event.to} (per-pixel sigma ${fmt(event.sigmaBefore)} -> ${fmt(event.sigmaAfter)})`, {
        index: event.index,
        from: event.from,
        to: event.to,
      });
      break;
    case 'step': {
      // event.x and event.denoised are tensors, valid only now; event.preview is plain data.
      if (event.preview) draw($('preview'), event.preview);
      planCells.forEach((td, i) => (td.className = i < event.index ? 'done' : i === event.index ? 'current' : ''));
      const size = event.preview ? `${event.preview.shape[2]}x${event.preview.shape[1]}` : '';
      status.textContent = `step ${event.index + 1}/${event.steps} at level ${event.level} (${size}), sigma ${fmt(event.sigma)}`;
      log(event, `step ${event.index + 1}/${event.steps}: level ${event.level}, sigma ${fmt(event.sigma)} -> ${fmt(event.sigmaNext)}, ${Math.round(event.ms)} ms`, {
        index: event.index,
        level: event.level,
        sigma: event.sigma,
        preview: size,
      });
      break;
    }
    case 'done':
      draw($('final'), event.image);
      planCells.forEach((td) => (td.className = 'done'));
      status.textContent = `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (model load included), FLOP fraction ${event.stats.flopFraction.toFixed(2)}`;
      log(event, `done: levels ${event.stats.levels.join(' ')}, ${event.stats.modelCalls} model calls`, { levels: event.stats.levels.join(' ') });
      break;
    default:
      break; // checkpoint / suspended: this run asks for neither
  }
}

/** The end of the run either way: free the model, then say so (with tfjs's tensor count: 0). */
function finish(state: 'done' | 'failed', error?: unknown): void {
  if (error !== undefined) {
    status.textContent = 'failed';
    $('error').hidden = false;
    $('error').textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  pipeline.dispose();
  // The engine's count (tf.memory() would throw if the run failed before a backend was ready).
  document.body.dataset['tensors'] = String(tf.engine().state.numTensors);
  document.body.dataset['state'] = state;
}

pipeline.run(config).subscribe({
  next: onEvent,
  error: (error: unknown) => finish('failed', error),
  complete: () => finish('done'),
});
