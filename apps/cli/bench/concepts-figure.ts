/**
 * The figure of docs/concepts.md: the shipped model's recommended grid (20 Karras steps) under
 * the pyramid policy — the level of each step, the full-resolution sigma of the grid and the
 * per-pixel sigma the model sees at that level (sigma / 2^level). Planned by the real pipeline
 * (a run stopped before its first step), rendered with the eval's Vega-Lite renderer.
 *
 *   node --import @oxc-node/core/register apps/cli/bench/concepts-figure.ts [docs/concepts-plan.png]
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { lastValueFrom, toArray } from 'rxjs';
import type { TopLevelSpec } from 'vega-lite';
import { Pipeline } from '@upshift/pipeline';
import { renderFigure } from '../src/eval/figure-render.js';

const out = process.argv[2] ?? 'docs/concepts-plan.png';
const pipeline = new Pipeline();
try {
  const events = await lastValueFrom(pipeline.run({ policy: 'pyramid', steps: 20, backend: 'cpu', workers: 1 }, { stopBefore: 0 }).pipe(toArray()));
  const start = events.find((e) => e.type === 'start');
  if (!start || start.type !== 'start') throw new Error('no start event');
  const values = start.plan.steps.flatMap((s) => [
    { step: s.index + 1, sigma: s.sigma, series: 'grid sigma (full resolution)', level: `level ${s.level}: ${64 / 2 ** s.level} px` },
    { step: s.index + 1, sigma: s.sigma / 2 ** s.level, series: 'per-pixel sigma at the step\'s level (sigma / 2^level)', level: `level ${s.level}: ${64 / 2 ** s.level} px` },
  ]);
  const spec = {
    title: { text: `Pyramid plan on 20 Karras steps: FLOP fraction ${start.plan.flopFraction.toFixed(2)}`, anchor: 'start' },
    width: 520,
    height: 260,
    data: { values },
    layer: [
      { transform: [{ filter: "datum.series === 'grid sigma (full resolution)'" }], mark: { type: 'line', color: '#888888', strokeDash: [4, 3] }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'sigma', type: 'quantitative' } } },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1 } },
          y: { field: 'sigma', type: 'quantitative', title: 'sigma (log)', scale: { type: 'log' } },
          color: { field: 'level', type: 'nominal', title: 'runs at' },
          shape: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 500 } },
        },
      },
    ],
  } as unknown as TopLevelSpec;
  const figure = await renderFigure(spec, { scale: 2 });
  writeFileSync(out, figure.png);
  console.log(`wrote ${out} (${figure.width}x${figure.height}); levels ${start.plan.steps.map((s) => s.level).join(' ')}`);
} finally {
  pipeline.dispose();
}
