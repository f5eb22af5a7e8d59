/**
 * The worker script of the default denoiser pool (Node worker threads): every plugin package
 * registered (no pool inside a worker), models created by name. `registerAll` points the pool
 * at this file (`.ts` from source, `.js` when built).
 */
import 'reflect-metadata';
import { serveDenoiserPool } from '@upshift/denoiser-pool';
import { createPoolWorkerLoader } from './pool-worker-loader.js';
import { registerAll } from './register-all.js';

serveDenoiserPool(createPoolWorkerLoader((container) => registerAll(container, { pool: false })));
