import { fileURLToPath } from 'node:url';
import { loadModel } from '@upshift/models';
import { describeBackendConformance, skipUnless } from '@upshift/testing';
import { webGpuBackendProvider } from './webgpu-backend-provider.js';

// CI installs SwiftShader and requires webgpu (UPSHIFT_TEST_REQUIRE), so there the suite must
// run; elsewhere, without an adapter, it is skipped with the reason.
const capability = await webGpuBackendProvider.check();
const skip = skipUnless('webgpu', capability.available ? undefined : capability.reason);

// Small sizes: SwiftShader runs WebGPU on the CPU, and pays ~10 ms per kernel launch; the tiny
// UNet launches ~1,500 kernels per forward pass (~15 s), so the seeded run takes 2 steps.
describeBackendConformance({
  provider: webGpuBackendProvider,
  skip,
  side: 8,
  channels: 8,
  samplerSteps: 2,
  denoiserTimeoutMs: 180_000,
  model: { name: 'tiny UNet fixture', load: () => loadModel(fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url))), side: 8, level: 3, classLabel: 3 },
});
