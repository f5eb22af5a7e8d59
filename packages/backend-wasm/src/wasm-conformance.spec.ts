import { fileURLToPath } from 'node:url';
import { loadModel } from '@upshift/models';
import { describeBackendConformance } from '@upshift/testing';
import { wasmBackendProvider } from './wasm-backend-provider.js';

describeBackendConformance({
  provider: wasmBackendProvider,
  // The tiny UNet fixture (64 px model) at level 2 = 16 px.
  model: { name: 'tiny UNet fixture', load: () => loadModel(fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url))), side: 16, level: 2, classLabel: 3 },
});
