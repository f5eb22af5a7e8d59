// Analysis: the noise band and the policies' differences at 9 / 18 / 36 images per set, from the
// sets `compare --cache-dir` kept (the first n images of each set: one per class for n = 9k).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkAgainstNoiseBand, drawClassMatchedReference, noiseBand, swdOverDraws, takeImages } from '@upshift/metrics';
import type { ImageBatch } from '@upshift/metrics';
import { readHeldOutPool } from './src/npz-images.js';

const dir = process.argv[2]!;
const sizes = (process.argv[3] ?? '9,18,36').split(',').map(Number);
const sets = new Map<string, { image: ImageBatch; labels: (number | null)[] }>();
for (const f of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
  const c = JSON.parse(await readFile(join(dir, f), 'utf8'));
  const bytes = Buffer.from(c.record.done.image.float32, 'base64');
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  sets.set(c.label, { image: { data, shape: c.record.done.image.shape }, labels: c.key.config.classLabels });
}
const pool = await readHeldOutPool('.cache/dataset/emoji64.npz');
const first = (b: ImageBatch, n: number): ImageBatch => takeImages(b, Array.from({ length: n }, (_, i) => i));
for (const n of sizes) {
  const full = sets.get('none')!;
  const draws = drawClassMatchedReference(pool.labels, full.labels.slice(0, n), { seed: 0, draws: 5 }).map((d) => takeImages(pool.images, d));
  const s = (label: string) => swdOverDraws(first(sets.get(label)!.image, n), draws, { minResolution: 16 });
  const a = s('none');
  const noiseLabel = [...sets.keys()].find((k) => k.startsWith('none seed'))!;
  const b = s(noiseLabel);
  const band = noiseBand([a, b]);
  const f = (v: number) => (v * 1e3).toFixed(1);
  console.log(`n=${n}: none ${a.levels.map((l) => f(l.mean)).join('/')}  ${noiseLabel} ${b.levels.map((l) => f(l.mean)).join('/')}  band ${band.levels.map((l) => `${f(l.width)} (${(100 * l.relative).toFixed(1)}%)`).join(' / ')}`);
  for (const label of sets.keys()) {
    if (label === 'none' || label === noiseLabel) continue;
    const p = s(label);
    const c = checkAgainstNoiseBand(p, a, band);
    console.log(`   ${label.padEnd(24)} ${p.levels.map((l) => f(l.mean)).join('/')}  diff ${c.map((x) => `${f(x.difference)} (${x.ratio.toFixed(1)}x${x.resolved ? '' : ' UNRESOLVED'})`).join(' / ')}`);
  }
}
