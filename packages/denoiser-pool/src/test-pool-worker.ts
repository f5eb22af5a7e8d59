/** The worker script of this package's specs: serves the test models (see test-models.ts). */
import { serveDenoiserPool } from './serve-denoiser-pool.js';
import { loadTestModel } from './test-models.js';

serveDenoiserPool((spec) => loadTestModel(spec, true));
