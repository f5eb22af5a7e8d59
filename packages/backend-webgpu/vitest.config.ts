import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Without a GPU, Dawn can run on SwiftShader (a CPU Vulkan driver; Debian's chromium package
// ships it). The loader reads VK_ICD_FILENAMES when Dawn creates its instance, so it is set
// here for the test processes, unless the caller already chose a driver.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env: Record<string, string> =
  process.env['VK_ICD_FILENAMES'] === undefined && process.env['VK_DRIVER_FILES'] === undefined && existsSync(swiftShader)
    ? { VK_ICD_FILENAMES: swiftShader }
    : {};
// SwiftShader's WSI probe complains on every start without it; harmless, but noisy.
if (process.env['XDG_RUNTIME_DIR'] === undefined) env['XDG_RUNTIME_DIR'] = tmpdir();

export default mergeConfig(shared, defineProject({ test: { name: 'backend-webgpu', env } }));
