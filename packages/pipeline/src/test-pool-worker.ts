/** The worker script of this package's pool specs (see test-pool-kit.ts). */
import 'reflect-metadata';
import { serveDenoiserPool } from '@upshift/denoiser-pool';
import { createPoolWorkerLoader } from './pool-worker-loader.js';
import { registerPoolTestPlugins } from './test-pool-kit.js';

serveDenoiserPool(createPoolWorkerLoader((container) => registerPoolTestPlugins(container, false)));
