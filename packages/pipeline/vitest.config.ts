import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// The backend specs run webgpu too. Without a GPU, Dawn runs on SwiftShader (a CPU Vulkan
// driver; Debian's chromium package ships it): the loader reads VK_ICD_FILENAMES when Dawn
// creates its instance, so it is set here for the test processes unless the caller chose a driver.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env: Record<string, string> =
  process.env['VK_ICD_FILENAMES'] === undefined && process.env['VK_DRIVER_FILES'] === undefined && existsSync(swiftShader)
    ? { VK_ICD_FILENAMES: swiftShader }
    : {};
// SwiftShader's WSI probe complains on every start without it; harmless, but noisy.
if (process.env['XDG_RUNTIME_DIR'] === undefined) env['XDG_RUNTIME_DIR'] = tmpdir();

export default mergeConfig(shared, defineProject({ test: { name: 'pipeline', env } }));
