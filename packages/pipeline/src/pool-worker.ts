/**
 * The worker script of the default denoiser pool (Node worker threads): every plugin package
 * registered (no pool inside a worker), models created by name. `registerAll` points the pool
 * at this file (`.ts` from source, `.js` when built).
 */
import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs-core';
import { serveDenoiserPool } from '@upshift/denoiser-pool';
import { createPoolWorkerLoader } from './pool-worker-loader.js';
import { registerAll } from './register-all.js';

// Quiet like the thread that started it: the CLI sets UPSHIFT_QUIET_TFJS=1 (unless --verbose)
// when it silences tfjs's warnings (the "install tfjs-node" banner) on its own thread.
if (process.env['UPSHIFT_QUIET_TFJS'] === '1') tf.enableProdMode();

serveDenoiserPool(createPoolWorkerLoader((container) => registerAll(container, { pool: false })));
