/**
 * Generating a batch to PNG: one image per class with the model's recommended settings,
 * written with pngjs (the pipeline's images are NHWC float32 in [-1, 1]).
 *
 *   node --import @oxc-node/core/register examples/src/batch-to-png.ts [out-dir]
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { collectRun, Pipeline } from '@upshift/pipeline';
import { QUICK, STEPS } from './quick.js';

const out = process.argv[2] ?? 'out/examples';
const batch = QUICK ? 2 : 9;
const pipeline = new Pipeline();
try {
  const { done } = await collectRun(pipeline.run({ policy: 'pyramid', steps: STEPS, batch, classLabels: Array.from({ length: batch }, (_, i) => i), backend: 'wasm' }));
  const [n, h, w, c] = done.image.shape;
  await mkdir(out, { recursive: true });
  for (let i = 0; i < n; i++) {
    const png = new PNG({ width: w, height: h });
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < 3; ch++) png.data[p * 4 + ch] = Math.max(0, Math.min(255, Math.round((done.image.data[(i * h * w + p) * c + ch]! + 1) * 127.5)));
      png.data[p * 4 + 3] = 255;
    }
    await writeFile(join(out, `image-${i}.png`), PNG.sync.write(png));
  }
  console.log(`wrote ${n} PNG files (${h}x${w}) to ${out}; FLOP fraction ${done.stats.flopFraction.toFixed(3)}`);
} finally {
  pipeline.dispose();
}
