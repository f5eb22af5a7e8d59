import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ConfigError, DenoiserFactory, ModelLoadError } from '@upshift/core';
import { emojiUNetFactory, registerModels, validateEmojiUNetOptions } from './register-models.js';
import { fixtureDir, shippedModelDir } from './test-fixtures.js';

describe('registerModels', () => {
  it('registers the "emoji-unet" DenoiserFactory', () => {
    const child = container.createChildContainer();
    registerModels(child);
    const factories = child.resolveAll(DenoiserFactory);
    expect(factories.map((f) => f.name)).toEqual(['emoji-unet']);
    expect(factories[0]).toBe(emojiUNetFactory);
  });

  it('validates options, naming modelOptions.<field>', () => {
    expect(validateEmojiUNetOptions(undefined)).toEqual({});
    expect(validateEmojiUNetOptions({ path: '/m' })).toEqual({ path: '/m' });
    const field = (o: unknown): string => {
      try {
        validateEmojiUNetOptions(o);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return 'no error';
    };
    expect(field({ path: 3 })).toBe('modelOptions.path');
    expect(field({ paht: '/m' })).toBe('modelOptions.paht');
    expect(field('x')).toBe('modelOptions');
  });

  it('loads another model directory through options.path', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const d = await emojiUNetFactory.create({ path: fixtureDir('random-unet') }, container);
    expect(d.name).toBe('random-unet');
    d.dispose!();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('describes a model from its config.json alone: levels, side multiple, classes, memory; no tensor made', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const described = await emojiUNetFactory.describe!({ path: fixtureDir('random-unet') });
    // random-unet: channels [8, 16, 24, 32] (pools 3 times), 3 levels, 3 classes, 32 px.
    expect(described).toMatchObject({ numLevels: 3, sideMultiple: 8, resolution: { height: 32, width: 32 } });
    expect(described.classes).toHaveLength(3);
    expect(described.forwardBytes!(32, 32, 2, 0) / described.forwardBytes!(32, 32, 1, 0)).toBeCloseTo(2, 6);
    expect(tf.memory().numTensors).toBe(before);
    const loaded = (await emojiUNetFactory.create({ path: fixtureDir('random-unet') }, container)) as unknown as {
      sideMultiple: number;
      parameterCount: number;
      flops: (h: number, w: number, b: number, ctx?: object) => number;
      dispose(): void;
    };
    expect(loaded.sideMultiple).toBe(8);
    // The plan can be made before the weights load: the same FLOPs (guided and not) and classes.
    expect(described.numClasses).toBe(3);
    for (const [h, w, b, ctx] of [[32, 32, 1, undefined], [16, 8, 3, { level: 1, guidance: 2, classLabels: [0, null, 2] }]] as const) {
      expect(described.flops!(h, w, b, ctx)).toBe(loaded.flops(h, w, b, ctx));
    }
    expect(described.weightBytes).toBe(4 * loaded.parameterCount);
    expect((tf.memory().numBytes) / described.weightBytes!).toBeCloseTo(1, 1); // what tfjs holds for them
    loaded.dispose();
  });

  it('describing a missing model folder is a ModelLoadError naming its config.json', async () => {
    const err = await emojiUNetFactory.describe!({ path: '/nonexistent/model' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toContain('/nonexistent/model/config.json');
    expect((err as Error).message).toContain('file not found');
  });

  it.skipIf(shippedModelDir() !== undefined)('says the shipped model is not there yet (while assets/emoji-unet is missing)', async () => {
    const err = await Promise.resolve(emojiUNetFactory.create(undefined, container)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/assets\/emoji-unet\/config\.json.*shipped model is not there yet/);
  });

  it.skipIf(shippedModelDir() === undefined)('loads the shipped model', async () => {
    await tf.setBackend('cpu');
    const d = await emojiUNetFactory.create(undefined, container);
    expect(d.name).toBe('emoji-unet');
    expect(d.channels).toBe(3);
    d.dispose!();
  });
});
