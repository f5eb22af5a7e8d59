import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ModelLoadError } from '@upshift/core';
import { createModel, loadModel, loadModelFromUrl } from './load-model.js';
import { encodeSafetensors, firstNonFinite, parseSafetensors } from './safetensors.js';
import type { SafetensorsInput } from './safetensors.js';

const dir = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
const configText = readFileSync(`${dir('random-unet')}config.json`, 'utf8');
const weights = new Uint8Array(readFileSync(`${dir('random-unet')}model.safetensors`));

/** The fixture's tensors, editable, re-encoded by `encode`. */
function tensors(): Map<string, SafetensorsInput> {
  const st = parseSafetensors(weights, 'w');
  return new Map([...st.tensors].map(([k, e]) => [k, { dtype: e.dtype, shape: e.shape, bytes: e.bytes }]));
}

async function loadError(files: { config?: unknown; weights?: Uint8Array }): Promise<ModelLoadError> {
  const before = tf.memory().numTensors;
  try {
    createModel({ config: files.config ?? configText, weights: files.weights ?? weights, weightsName: 'model.safetensors' });
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(tf.memory().numTensors).toBe(before); // a failed load leaves nothing behind
    return e as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('loadModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  let base = 0;
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(base);
  });

  it('loads a model directory and frees every weight on dispose', async () => {
    base = tf.memory().numTensors;
    const model = await loadModel(dir('random-unet'));
    expect(model.name).toBe('random-unet');
    expect(model.channels).toBe(3);
    expect(model.parameterCount).toBe(244_459); // printed by make-random-unet.py
    expect(model.spectrum).toBeUndefined();
    expect(tf.memory().numTensors).toBeGreaterThan(base);
    model.dispose();
    expect(model.disposed).toBe(true);
    model.dispose(); // idempotent
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => model.denoise(x, 1, { level: 0 })).toThrow(/disposed/);
    x.dispose();
  });

  it('exposes the spectrum of config.json', async () => {
    base = tf.memory().numTensors;
    const model = await loadModel(dir('tiny-unet'));
    expect(model.spectrum?.levels).toHaveLength(4);
    expect(model.spectrum?.downOperator).toBe('box');
    model.dispose();
  });

  it('builds from bytes in memory and from URLs through fetch', async () => {
    base = tf.memory().numTensors;
    const a = createModel({ config: new TextEncoder().encode(configText), weights: weights.buffer as ArrayBuffer });
    a.dispose();
    const served: string[] = [];
    const fakeFetch = async (url: string | URL): Promise<Response> => {
      served.push(String(url));
      const file = String(url).split('/').pop()!;
      const body = file === 'config.json' ? configText : file === 'model.safetensors' ? weights : undefined;
      return body === undefined ? new Response('nope', { status: 404, statusText: 'Not Found' }) : new Response(body);
    };
    const b = await loadModelFromUrl('https://models.test/random-unet', { fetch: fakeFetch });
    expect(served).toEqual(['https://models.test/random-unet/config.json', 'https://models.test/random-unet/model.safetensors']);
    b.dispose();
    const err = await loadModelFromUrl('https://models.test/elsewhere/sub/', {
      fetch: async (u) => (String(u).endsWith('config.json') ? new Response(configText) : new Response('', { status: 404, statusText: 'Not Found' })),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).file).toBe('https://models.test/elsewhere/sub/model.safetensors');
  });

  it('reports a missing directory as a ModelLoadError naming config.json', async () => {
    base = tf.memory().numTensors;
    const err = await loadModel('/nonexistent/model-dir').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).file).toBe('/nonexistent/model-dir/config.json');
  });

  it('rejects truncated weights, naming the file and the cut tensor', async () => {
    base = tf.memory().numTensors;
    const e = await loadError({ weights: weights.slice(0, weights.length - 1000) });
    expect(e.file).toBe('model.safetensors');
    expect(e.tensor).toBe('upsample.2.weight'); // the last tensor in name order
    expect(e.message).toMatch(/truncated/);
  });

  it('rejects a tensor of the wrong shape', async () => {
    base = tf.memory().numTensors;
    const t = tensors();
    const conv = t.get('down.1.0.res.conv1.weight')!;
    t.set('down.1.0.res.conv1.weight', { ...conv, shape: [16, 8, 9, 1] }); // same bytes, wrong shape
    const e = await loadError({ weights: encodeSafetensors(t) });
    expect(e.tensor).toBe('down.1.0.res.conv1.weight');
    expect(e.message).toMatch(/shape \[16,8,9,1\], the architecture needs \[16,8,3,3\]/);
  });

  it.each([
    ['NaN', 0x7e00],
    ['Infinity', 0x7c00],
    ['-Infinity', 0xfc00],
  ])('rejects well-formed weights holding %s, naming the tensor and the index', async (label, half) => {
    base = tf.memory().numTensors;
    const t = tensors();
    const name = 'up.0.1.res.conv2.bias';
    const entry = t.get(name)!;
    const bytes = new Uint8Array(entry.bytes);
    bytes[2 * 5] = half & 0xff; // value 5, little-endian float16
    bytes[2 * 5 + 1] = half >> 8;
    t.set(name, { ...entry, bytes });
    const e = await loadError({ weights: encodeSafetensors(t) });
    expect(e.tensor).toBe(name);
    expect(e.message).toBe(`Cannot load model file model.safetensors (tensor "${name}"): non-finite value ${label} at index 5 (of ${bytes.length / 2}): the weights are corrupt`);
  });

  it('finds non-finite values in F32 and BF16 tensors too, and passes finite extremes', () => {
    const f32 = new Uint8Array(new Float32Array([1, -3.4e38, 3.4e38, Number.NaN]).buffer);
    expect(firstNonFinite({ name: 'a', dtype: 'F32', shape: [4], bytes: f32 })).toBe(3);
    expect(firstNonFinite({ name: 'a', dtype: 'F32', shape: [3], bytes: f32 })).toBe(-1);
    // bfloat16 = the high half of a float32: 0x7f80 is +Inf, 0x7f7f the largest finite value.
    const bf16 = new Uint8Array([0x7f, 0x7f, 0x80, 0x3f, 0x80, 0x7f]); // max finite, 1, +Inf (little-endian)
    expect(firstNonFinite({ name: 'b', dtype: 'BF16', shape: [3], bytes: bf16 })).toBe(2);
    expect(firstNonFinite({ name: 'b', dtype: 'BF16', shape: [2], bytes: bf16 })).toBe(-1);
  });

  it('rejects a missing tensor and an unexpected extra tensor', async () => {
    base = tf.memory().numTensors;
    const t = tensors();
    t.delete('mid_attn.qkv.bias');
    const missing = await loadError({ weights: encodeSafetensors(t) });
    expect(missing.tensor).toBe('mid_attn.qkv.bias');
    expect(missing.message).toMatch(/missing/);
    const u = tensors();
    u.set('extra.weight', { dtype: 'F16', shape: [2], bytes: new Uint8Array(4) });
    const extra = await loadError({ weights: encodeSafetensors(u) });
    expect(extra.tensor).toBe('extra.weight');
    expect(extra.message).toMatch(/unexpected tensor/);
  });

  it('rejects a dtype other than the config says', async () => {
    base = tf.memory().numTensors;
    const t = tensors();
    t.set('conv_in.bias', { dtype: 'F32', shape: [8], bytes: new Uint8Array(32) });
    const e = await loadError({ weights: encodeSafetensors(t) });
    expect(e.tensor).toBe('conv_in.bias');
    expect(e.message).toMatch(/dtype F32, config.json says weights.dtype F16/);
  });

  it('rejects a bad config field, naming the file and the field', async () => {
    base = tf.memory().numTensors;
    const j = JSON.parse(configText);
    j.architecture.numResBlocks = [1, 2, 1];
    const e = await loadError({ config: j });
    expect(e.file).toBe('config.json');
    expect(e.message).toMatch(/invalid field architecture\.numResBlocks = \[1,2,1\]: must have one entry per stage \(4\)/);
    expect((e as unknown as { cause: unknown }).cause).toBeInstanceOf(ConfigError);
    const k = JSON.parse(configText);
    k.architecture.channels = [8, 16, 24, 40]; // valid config, but the weights no longer match
    const mismatch = await loadError({ config: k });
    expect(mismatch.file).toBe('model.safetensors');
    expect(mismatch.tensor).toBe('down.3.0.res.conv1.weight'); // first parameter whose shape changes
    expect(mismatch.message).toMatch(/shape/);
    expect((await loadError({ config: '{ not json' })).message).toMatch(/not valid JSON/);
  });
});
