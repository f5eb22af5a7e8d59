import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import type { PowerSpectrum } from '@upshift/core';
import { parseModelConfig } from './model-config.js';

const tinyJson = (): Record<string, any> =>
  JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/tiny-unet/config.json', import.meta.url)), 'utf8'));

function fieldOf(json: unknown): string {
  try {
    parseModelConfig(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('parseModelConfig', () => {
  it('reads the exporter config: architecture, per-level sigma_data, null class, weights, spectrum', () => {
    const c = parseModelConfig(tinyJson());
    expect(c.architecture.channels).toEqual([16, 32, 32, 32]);
    expect(c.preconditioning.sigmaData).toHaveLength(4);
    expect(c.nullClass).toBe(9);
    expect(c.weights).toEqual({ file: 'model.safetensors', dtype: 'F16', layout: 'pytorch' });
    const spectrum: PowerSpectrum = c.spectrum!;
    expect(spectrum.levels.map((l) => l.side)).toEqual([64, 32, 16, 8]);
    expect(spectrum.levels[0]!.power.length).toBe(spectrum.levels[0]!.frequencies.length);
    expect(spectrum.pixelVariance).toBeCloseTo(0.384, 3);
  });

  it.each([
    ['architecture.channels[1]', (j: any) => (j.architecture.channels[1] = 30)], // not divisible by 16 groups
    ['architecture.numResBlocks', (j: any) => (j.architecture.numResBlocks = [1, 1])],
    ['architecture.attentionStages[0]', (j: any) => (j.architecture.attentionStages = [4])],
    ['architecture.fourierDim', (j: any) => (j.architecture.fourierDim = 63)],
    ['architecture.architecture', (j: any) => (j.architecture.architecture = 'dit')],
    ['architecture.attentionHeads', (j: any) => (j.architecture.attentionHeads = 0)],
    ['preconditioning.sigmaData', (j: any) => (j.preconditioning.sigmaData = [0.5])],
    ['preconditioning.sigmaData[2]', (j: any) => (j.preconditioning.sigmaData[2] = -1)],
    ['nullClass', (j: any) => (j.nullClass = 3)],
    ['classes', (j: any) => (j.classes = ['a'])],
    ['weights.dtype', (j: any) => (j.weights.dtype = 'F64')],
    ['weights.file', (j: any) => (j.weights.file = '../x.safetensors')],
    ['spectrum.levels[1].power', (j: any) => j.spectrum.levels[1].power.pop()],
    ['format', (j: any) => (j.format = 'other')],
    ['architecture.levelAdapterRank', (j: any) => (j.architecture.levelAdapterRank = 4)], // v1 has no adapters
    ['architecture.levelAdapterRank', (j: any) => (j.architecture.architecture = 'upshift-unet-v2')], // v2 needs a rank
    ['architecture.levelAdapterRank', (j: any) => Object.assign(j.architecture, { architecture: 'upshift-unet-v2', levelAdapterRank: 0 })],
    ['sampling.steps', (j: any) => (j.sampling = { steps: 0 })],
    ['sampling.guidanceInterval.sigmaMax', (j: any) => (j.sampling = { guidanceInterval: { sigmaMax: -1 } })],
    ['sampling.guidanceLevels[1]', (j: any) => (j.sampling = { guidanceLevels: [2, 'x'] })],
    ['sampling.policyOptions', (j: any) => (j.sampling = { policyOptions: 3 })],
    ['sampling.stpes', (j: any) => (j.sampling = { stpes: 20 })],
    ['sampling', (j: any) => (j.sampling = 'euler')],
  ])('names the bad field %s', (field, mutate) => {
    const j = tinyJson();
    mutate(j);
    expect(fieldOf(j)).toBe(field);
  });

  it('reads architecture v2 (level adapters) and keeps v1 without a rank', () => {
    const j = tinyJson();
    expect(parseModelConfig(j).architecture.levelAdapterRank).toBeUndefined();
    Object.assign(j.architecture, { architecture: 'upshift-unet-v2', levelAdapterRank: 8 });
    const c = parseModelConfig(j);
    expect(c.architecture.architecture).toBe('upshift-unet-v2');
    expect(c.architecture.levelAdapterRank).toBe(8);
  });

  it('reads recommended sampling settings, and the shipped model carries them', () => {
    const j = tinyJson();
    j.sampling = { sampler: 'euler', steps: 20, guidance: 2, guidanceInterval: { sigmaMax: 5 }, policy: 'pyramid', policyOptions: { stages: [] }, measured: 'README' };
    expect(parseModelConfig(j).sampling).toEqual(j.sampling);
    expect(parseModelConfig(tinyJson()).sampling).toBeUndefined();
    const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../assets/emoji-unet/config.json', import.meta.url)), 'utf8'));
    const sampling = parseModelConfig(shipped).sampling!;
    expect(sampling.steps).toBeGreaterThan(0);
    expect(sampling.policy).toBeTypeOf('string');
  });

  it('rejects a non-object', () => {
    expect(fieldOf(null)).toBe('config');
  });
});
