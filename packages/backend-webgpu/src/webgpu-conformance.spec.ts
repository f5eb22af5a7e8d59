import { fileURLToPath } from 'node:url';
import { loadModel } from '@upshift/models';
import { describeBackendConformance } from '@upshift/testing';
import { webGpuBackendProvider } from './webgpu-backend-provider.js';

// CI installs SwiftShader, so there the suite must run; elsewhere it is skipped with the reason.
const capability = await webGpuBackendProvider.check();
const skip = !capability.available && process.env['CI'] !== 'true' ? capability.reason : false;

// Small sizes: SwiftShader runs WebGPU on the CPU at ~0.3 GFLOP/s.
describeBackendConformance({
  provider: webGpuBackendProvider,
  skip,
  side: 8,
  channels: 8,
  model: { name: 'tiny UNet fixture', load: () => loadModel(fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url))), side: 8, level: 3, classLabel: 3 },
});
