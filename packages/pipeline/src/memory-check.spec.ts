/**
 * A run whose model calls cannot fit the backend's memory is refused before the model loads,
 * with the estimate, the limit and how many images would fit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { container as globalContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { ConfigError } from '@upshift/core';
import type { DenoiserDescription } from '@upshift/core';
import { emojiUNetFactory } from '@upshift/models';
import { collectRun } from './collect-run.js';
import { checkRunMemory, formatBytes } from './memory-check.js';
import { Pipeline } from './pipeline.js';
import { registerAll } from './register-all.js';

let pipeline: Pipeline;
let baseline: number;
beforeAll(async () => {
  const c = globalContainer.createChildContainer();
  registerAll(c, { backends: false });
  registerCpuBackend(c);
  registerWasmBackend(c);
  pipeline = new Pipeline(c);
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});
afterAll(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('the shipped model with --batch 4096', () => {
  it.each([
    ['wasm', /more than the wasm backend can hold: 4\.0 GiB, the wasm heap limit \(4 GiB, 32-bit WebAssembly\); at most 15 images fit at 64x64 with guidance$/],
    ['cpu', /more than the cpu backend can hold: [\d.]+ GiB, this machine's memory \(the cpu backend keeps tensors in JavaScript arrays\); at most \d+ images fit at 64x64 with guidance$/],
  ])('on %s: ConfigError on batch with the estimate and the limit, before the model loads', async (backend, limit) => {
    const logs: string[] = [];
    const error = await collectRun(pipeline.run({ model: 'emoji-unet', backend, batch: 4096, classLabels: 0, guidance: 2, steps: 2 }, { log: (m) => logs.push(m) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'batch', value: 4096 });
    expect((error as Error).message).toMatch(/^Invalid batch = 4096: one model call at 64x64 with guidance needs about 1\.\d TiB \(31\.7 MiB of weights \+ 2\d\d MiB per image\), /);
    expect((error as Error).message).toMatch(limit);
    expect(logs.some((l) => l.startsWith('model: loading'))).toBe(false);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('the default run (9 images, guidance 2) fits the wasm heap', async () => {
    const described = await emojiUNetFactory.describe!(undefined);
    const limit = { totalBytes: 4294901760, what: 'the wasm heap limit' };
    expect(() => checkRunMemory({ backend: 'wasm', limit, described, resolution: { height: 64, width: 64 }, batch: 9, guided: true })).not.toThrow();
    expect(() => checkRunMemory({ backend: 'wasm', limit, described, resolution: { height: 64, width: 64 }, batch: 16, guided: true })).toThrow(/at most 15 images/);
    // Without guidance twice as many fit.
    expect(() => checkRunMemory({ backend: 'wasm', limit, described, resolution: { height: 64, width: 64 }, batch: 30, guided: false })).not.toThrow();
  });
});

describe('a resolution not even one image of which fits', () => {
  it('is a ConfigError on resolution (not "batch = 1 ... at most 0 images fit") with the largest square that fits', async () => {
    const described = await emojiUNetFactory.describe!(undefined);
    const limit = { totalBytes: 4294901760, what: 'the wasm heap limit' };
    const refuse = (side: number): ConfigError => {
      try {
        checkRunMemory({ backend: 'wasm', limit, described, resolution: { height: side, width: side }, batch: 1, guided: true });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error(`${side} fits`);
    };
    const error = refuse(4096);
    expect(error).toMatchObject({ field: 'resolution', value: '4096x4096' });
    const largest = Number(/the largest square that fits is (\d+)x\1$/.exec(error.message)![1]);
    // It does fit, one multiple of 8 more does not, and it is the model's size class (a few hundred px).
    expect(() => checkRunMemory({ backend: 'wasm', limit, described, resolution: { height: largest, width: largest }, batch: 1, guided: true })).not.toThrow();
    expect(refuse(largest + 8).field).toBe('resolution');
    expect(largest % 8).toBe(0);
    expect(largest).toBeGreaterThan(64);
  });
});

describe('checkRunMemory', () => {
  const described: DenoiserDescription = {
    weightBytes: 1000,
    forwardBytes: (h, w, batch) => h * w * batch * 100,
    largestTensorBytes: (h, w, batch) => h * w * batch * 10,
  };

  it('a tensor over a GPU buffer limit is refused, naming both sizes', () => {
    const limit = { maxTensorBytes: 1 << 20, what: "the GPU device's buffer limit" };
    expect(() => checkRunMemory({ backend: 'webgpu', limit, described, resolution: { height: 64, width: 64 }, batch: 25, guided: false })).not.toThrow();
    expect(() => checkRunMemory({ backend: 'webgpu', limit, described, resolution: { height: 64, width: 64 }, batch: 26, guided: false })).toThrow(
      "Invalid batch = 26: one model call at 64x64 makes a 1.0 MiB tensor, more than the webgpu backend allows for one: 1.0 MiB, the GPU device's buffer limit; at most 25 images fit at 64x64",
    );
  });

  it('checks nothing when the model or the backend cannot say', () => {
    expect(() => checkRunMemory({ backend: 'x', limit: undefined, described, resolution: { height: 64, width: 64 }, batch: 1e9, guided: true })).not.toThrow();
    expect(() => checkRunMemory({ backend: 'x', limit: { totalBytes: 1, what: 'tiny' }, described: {}, resolution: { height: 64, width: 64 }, batch: 1e9, guided: true })).not.toThrow();
  });

  it('formats sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(4294901760), formatBytes(1.2e12)]).toEqual(['512 B', '1.5 KiB', '4.0 GiB', '1.1 TiB']);
  });
});
