import { fileURLToPath } from 'node:url';
import { container } from 'tsyringe';
import { Backend } from '@upshift/core';
import { loadModel } from '@upshift/models';
import { describeBackendConformance } from '@upshift/testing';
import { describe, expect, it } from 'vitest';
import { cpuBackendProvider } from './cpu-backend-provider.js';
import { registerCpuBackend } from './register-cpu-backend.js';

describe('cpu memory limit', () => {
  it("is this machine's memory, and one typed array's maximum size", async () => {
    const { totalmem } = await import('node:os');
    const { constants } = await import('node:buffer');
    expect(cpuBackendProvider.memoryLimit!()).toEqual({
      totalBytes: totalmem(),
      maxTensorBytes: constants.MAX_LENGTH,
      what: "this machine's memory (the cpu backend keeps tensors in JavaScript arrays)",
    });
  });
});

describe('registerCpuBackend', () => {
  it('registers the cpu provider under the Backend multi-token', () => {
    const child = container.createChildContainer();
    registerCpuBackend(child);
    expect(child.resolveAll(Backend)).toEqual([cpuBackendProvider]);
  });
});

// cpu against itself: checks the suite's plumbing, determinism and leaks (errors must be 0).
describeBackendConformance({
  provider: cpuBackendProvider,
  model: { name: 'tiny UNet fixture', load: () => loadModel(fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url))), side: 16, level: 2, classLabel: 3 },
});
