/**
 * Fixture of the "process exits after dispose" spec: a default Pipeline (the default pool and
 * its worker script) runs a small job on two workers, disposes, and ends WITHOUT process.exit:
 * if a worker thread or any other handle stayed alive, the process would not exit.
 */
import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { Pipeline, collectRun } from './index.js';

const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));
const pipeline = new Pipeline();
const { start, done } = await collectRun(
  pipeline.run({ model: 'emoji-unet', modelOptions: { path: RANDOM_UNET }, backend: 'wasm', workers: 2, batch: 2, classLabels: [0, 1], guidance: 2, steps: 2 }),
);
process.stdout.write(`${JSON.stringify({ workers: start.workers, shape: done.image.shape, pools: pipeline.pools().length })}\n`);
pipeline.dispose();
