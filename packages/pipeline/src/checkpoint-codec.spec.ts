/**
 * Checkpoints on the wire: the binary and JSON forms round-trip exactly and stay small, and every
 * corrupt or mismatched checkpoint (wrong model, wrong shape, truncated, other version, config
 * mismatch, broken fields) is rejected with a CheckpointError naming the field and the value —
 * by `decodeCheckpoint`, and by `run(..., { resumeFrom })` before any step, leaking nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { CheckpointError, ConfigError } from '@upshift/core';
import type { RunCheckpoint, StepEvent } from '@upshift/core';
import { loadModel } from '@upshift/models';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { CHECKPOINT_MAGIC, checkpointToJson, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import type { CheckpointJson } from './checkpoint-codec.js';
import { collectRun } from './collect-run.js';
import { modelIdentity } from './model-identity.js';
import { Pipeline } from './pipeline.js';
import type { RunOptions } from './pipeline.js';
import { TEST_CONFIG, createTestContainer } from './test-kit.js';

const MODELS = fileURLToPath(new URL('../../models/fixtures/', import.meta.url));

let container: DependencyContainer;
let pipeline: Pipeline;
let baseline: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

beforeEach(async () => {
  container = createTestContainer();
  pipeline = new Pipeline(container);
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});

afterEach(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

const CONFIG = { ...TEST_CONFIG, sampler: 'dpmpp-2m', policy: 'pyramid' };

/** The checkpoint at the first level change (it carries the x0 estimate and the sampler's history). */
async function levelChangeCheckpoint(config: object = CONFIG): Promise<RunCheckpoint> {
  const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { atLevelChange: true } }));
  return checkpoints[0]!.checkpoint;
}

/** A deep copy of the JSON form, to break on purpose. */
function jsonOf(cp: RunCheckpoint): Record<string, any> {
  return JSON.parse(JSON.stringify(checkpointToJson(cp))) as Record<string, any>;
}

function rejection(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

/** Runs `run(config, { resumeFrom })` and returns its error, checking that nothing was emitted. */
async function resumeError(config: unknown, options: RunOptions): Promise<Error> {
  const events: StepEvent[] = [];
  const error = await new Promise<Error>((resolve, reject) =>
    pipeline.run(config, options).subscribe({ next: (e) => events.push(e), error: resolve, complete: () => reject(new Error('the run completed')) }),
  );
  expect(events).toEqual([]);
  return error;
}

describe('encodeCheckpoint / checkpointToJson / decodeCheckpoint', () => {
  it('round-trips exactly through both forms; a 1x64x64x3 checkpoint is ~48 KB binary', async () => {
    const cp = await levelChangeCheckpoint();
    const bytes = encodeCheckpoint(cp);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(CHECKPOINT_MAGIC);
    const fromBytes = decodeCheckpoint(bytes);
    const fromText = decodeCheckpoint(JSON.stringify(checkpointToJson(cp)));
    const fromObject = decodeCheckpoint(JSON.parse(JSON.stringify(checkpointToJson(cp))) as CheckpointJson);
    for (const back of [fromBytes, fromText, fromObject, decodeCheckpoint(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))]) {
      expect(back).toEqual(cp);
      expect(Array.from(back.latent.x.data)).toEqual(Array.from(cp.latent.x.data));
    }

    // Size: one 64x64x3 latent between two steps at level 0 (no x0 estimate, Euler keeps no tensor).
    const { checkpoints } = await collectRun(
      pipeline.run({ ...TEST_CONFIG, resolution: { height: 64, width: 64 }, steps: 4 }, { checkpoints: { everySteps: 2 } }),
    );
    const small = encodeCheckpoint(checkpoints[0]!.checkpoint);
    expect(small.length).toBeGreaterThan(64 * 64 * 3 * 4);
    expect(small.length).toBeLessThan(64 * 64 * 3 * 4 + 4096);
    expect(JSON.stringify(checkpointToJson(checkpoints[0]!.checkpoint)).length).toBeLessThan((64 * 64 * 3 * 4 * 4) / 3 + 4096);
  });

  it('rejects a truncated, padded or foreign binary checkpoint, naming what is wrong', async () => {
    const bytes = encodeCheckpoint(await levelChangeCheckpoint());
    expect(rejection(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100))).message).toMatch(/^Invalid checkpoint\.latent\.x = .*truncated: its data section has \d+ bytes|^Invalid checkpoint\.(denoised|sampler\.tensors\.previousDenoised) = .*truncated/);
    expect(rejection(() => decodeCheckpoint(bytes.subarray(0, 200))).message).toMatch(/^Invalid checkpoint = "200 bytes": is truncated: the header alone needs \d+/);
    expect(rejection(() => decodeCheckpoint(bytes.subarray(0, 5))).message).toMatch(/is truncated: a binary checkpoint has at least 12 bytes/);
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes);
    expect(rejection(() => decodeCheckpoint(padded)).message).toMatch(/has 8 unexpected bytes after its data/);
    const foreign = bytes.slice();
    foreign.set(new TextEncoder().encode('PK\u0003\u0004'), 0);
    expect(rejection(() => decodeCheckpoint(foreign)).message).toMatch(/^Invalid checkpoint = "starts with .*": is not a binary Upshift checkpoint/);
    expect(rejection(() => decodeCheckpoint(42 as unknown as object)).field).toBe('checkpoint');
  });

  it('rejects truncated or broken JSON, another version and broken tensors', async () => {
    const cp = await levelChangeCheckpoint();
    const text = JSON.stringify(checkpointToJson(cp));
    expect(rejection(() => decodeCheckpoint(text.slice(0, text.length - 300))).message).toMatch(/^Invalid checkpoint = "JSON text of \d+ characters": is not valid JSON .*truncated\?/);

    const v2 = { ...jsonOf(cp), version: 2 };
    expect(rejection(() => decodeCheckpoint(v2)).message).toBe('Invalid checkpoint.version = 2: this build reads checkpoint version 1 only');
    // The binary form carries the version in its header too.
    expect(rejection(() => decodeCheckpoint(encodeCheckpoint({ ...cp, version: 2 } as unknown as RunCheckpoint))).field).toBe('checkpoint.version');
    expect(rejection(() => decodeCheckpoint({ ...jsonOf(cp), version: undefined })).message).toMatch(/checkpoint\.version = undefined/);

    const cut = jsonOf(cp);
    cut['latent'].x.base64 = cut['latent'].x.base64.slice(0, 400);
    expect(rejection(() => decodeCheckpoint(cut)).message).toMatch(/^Invalid checkpoint\.latent\.x\.base64 = "300 bytes": shape \[1, 8, 8, 3\] needs 768 \(truncated\?\)/);
    const garbage = jsonOf(cp);
    garbage['denoised'].base64 = '%%%not base64%%%';
    expect(rejection(() => decodeCheckpoint(garbage)).field).toBe('checkpoint.denoised.base64');
    const dtype = jsonOf(cp);
    dtype['latent'].x.dtype = 'float16';
    expect(rejection(() => decodeCheckpoint(dtype)).message).toBe('Invalid checkpoint.latent.x.dtype = "float16": must be "float32"');
    // A NaN in the latent is corruption, not a state to continue.
    const nan = { ...cp, latent: { ...cp.latent, x: { shape: cp.latent.x.shape, data: cp.latent.x.data.slice() } } };
    nan.latent.x.data[7] = Number.NaN;
    expect(rejection(() => decodeCheckpoint(encodeCheckpoint(nan))).message).toBe('Invalid checkpoint.latent.x.data = "NaN at [7]": must hold finite values only (corrupt checkpoint)');
  });

  it('rejects malformed fields with the field and the value', async () => {
    const cp = await levelChangeCheckpoint();
    const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
      ['wrong shape', (j) => (j['latent'].x.shape = [1, 16, 4, 3]), /^Invalid checkpoint\.latent\.x\.shape = \[1,16,4,3\]: must be \[1, 8, 8, 3\] \(batch 1, 32x32 at level 2\)/],
      ['data of another size', (j) => (j['latent'].x.shape = [1, 4, 4, 3]), /^Invalid checkpoint\.latent\.x\.base64 = "768 bytes": shape \[1, 4, 4, 3\] needs 192/],
      ['wrong shape for the level', (j) => (j['latent'].level = 1), /^Invalid checkpoint\.latent\.x\.shape = \[1,8,8,3\]: must be \[1, 16, 16, 3\] \(batch 1, 32x32 at level 1\)/],
      ['history of another shape', (j) => (j['sampler'].tensors.previousDenoised.shape = [1, 3, 8, 8]), /^Invalid checkpoint\.sampler\.tensors\.previousDenoised\.shape = \[1,3,8,8\]: must be the latent's \[1, 8, 8, 3\]/],
      ['index past the end', (j) => (j['index'] = 8), /^Invalid checkpoint\.index = 8: must be < config\.steps \(8\)/],
      ['records missing', (j) => j['records'].pop(), /^Invalid checkpoint\.records = "\d+ records": must hold one record per step done/],
      ['bad noise state', (j) => (j['noise'].sampler.words = [0, 0, 0, 0]), /^Invalid checkpoint\.noise\.sampler\.words = \[0,0,0,0\]: the all-zero state is invalid/],
      ['noise state not uint32', (j) => (j['noise'].resizer.words[2] = -1), /^Invalid checkpoint\.noise\.resizer\.words\[2\] = -1: must be >= 0/],
      ['negative sigma', (j) => (j['latent'].sigma = -1), /^Invalid checkpoint\.latent\.sigma = -1: must be > 0/],
      ['bad cause', (j) => (j['next'].cause = 'magic'), /^Invalid checkpoint\.next\.cause = "magic": must be "plan" or \{ hook \}/],
      ['unknown field', (j) => (j['extra'] = 1), /^Invalid checkpoint\.extra = 1: unknown field/],
      ['missing field', (j) => delete j['plan'], /^Invalid checkpoint\.plan = undefined: is required/],
      ['bad config', (j) => (j['config'].steps = 0), /^Invalid checkpoint\.config\.steps = 0: must be >= 1/],
      ['config without resolution', (j) => delete j['config'].resolution, /^Invalid checkpoint\.config\.resolution = undefined: is required in a checkpoint/],
      ['plan of another length', (j) => j['plan'].steps.pop(), /^Invalid checkpoint\.plan\.steps = "7 steps": config\.steps is 8/],
      ['x0 estimate missing at a level change', (j) => (j['denoised'] = null), /^Invalid checkpoint\.denoised = null: is required when the next step changes level \(2 -> 1\)/],
    ];
    for (const [what, breakIt, message] of cases) {
      const j = jsonOf(cp);
      breakIt(j);
      expect(rejection(() => decodeCheckpoint(j)).message, what).toMatch(message);
    }
  });

  it('rejects a checkpoint of another model (name or weights) and a config mismatch, when told what to expect', async () => {
    const cp = await levelChangeCheckpoint();
    const bytes = encodeCheckpoint(cp);
    expect(cp.model).toEqual(await modelIdentity(createFactoryGaussianDenoiser()));
    // Real UNets: two different fixtures have different names and weight hashes.
    const [a, b] = await Promise.all([loadModel(`${MODELS}random-unet`), loadModel(`${MODELS}tiny-unet`)]);
    try {
      const ia = await modelIdentity(a);
      const ib = await modelIdentity(b);
      expect(ia.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ia.hash).not.toBe(ib.hash);
      expect(await a.fingerprint()).toBe(ia.hash); // stable
      expect(rejection(() => decodeCheckpoint(bytes, { model: ia })).message).toBe(
        'Invalid checkpoint.model.name = "gaussian": was made with another model than this run\'s "random-unet"',
      );
      expect(rejection(() => decodeCheckpoint(bytes, { model: { name: 'gaussian', hash: ib.hash } })).message).toMatch(
        /^Invalid checkpoint\.model\.hash = "sha256:[0-9a-f]{64}": the model's weights or config differ \(this run's model is sha256:/,
      );
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(decodeCheckpoint(bytes, { model: cp.model, config: { ...CONFIG, backend: 'wasm', previews: true }, channels: 3 })).toEqual(cp);
    expect(rejection(() => decodeCheckpoint(bytes, { config: { ...CONFIG, seed: 2 } })).message).toBe('Invalid checkpoint.config.seed = 1: does not match the run\'s seed = 2');
    expect(rejection(() => decodeCheckpoint(bytes, { channels: 4 })).field).toBe('checkpoint.latent.x.shape');
    expect(() => decodeCheckpoint(bytes, { config: { steps: -1 } })).toThrow(ConfigError);
  });
});

describe('run(config, { resumeFrom }) with a bad checkpoint: an error before any event, nothing leaked', () => {
  it('config mismatch, other model weights, hook mismatch, plan mismatch, broken sampler history, bad options', async () => {
    const cp = await levelChangeCheckpoint();
    expect((await resumeError({ ...CONFIG, steps: 9 }, { resumeFrom: cp })).message).toBe("Invalid checkpoint.config.steps = 8: does not match the run's steps = 9");
    expect((await resumeError({ ...CONFIG, policy: 'none' }, { resumeFrom: cp })).message).toMatch(/^Invalid checkpoint\.config\.policy = "pyramid"/);
    expect((await resumeError({ ...CONFIG, resolution: { height: 64, width: 64 } }, { resumeFrom: cp })).message).toMatch(/^Invalid checkpoint\.config\.resolution = \{"height":32,"width":32\}/);

    // Same name and config, other "weights": the hash says so.
    const other = createFactoryGaussianDenoiser({ mean: 0, std: 0.7, channels: 3 });
    const wrong = await resumeError(undefined, { resumeFrom: cp, denoiser: other });
    expect(wrong).toBeInstanceOf(CheckpointError);
    expect(wrong.message).toMatch(/^Invalid checkpoint\.model\.hash = "sha256:[0-9a-f]+": the model's weights or config differ/);
    other.dispose();

    const withHook = (await collectRun(
      pipeline.run(CONFIG, { checkpoints: { atLevelChange: true }, hooks: [{ name: 'memo', afterStep: () => undefined, saveState: () => 1, restoreState: () => undefined }] }),
    )).checkpoints[0]!.checkpoint;
    expect((await resumeError(undefined, { resumeFrom: withHook })).message).toBe('Invalid checkpoint.hooks = ["memo"]: this run\'s hooks that keep state are []');
    const picky = { name: 'memo', afterStep: () => undefined, saveState: () => 1, restoreState: () => { throw new Error('state 1 is not mine'); } };
    expect((await resumeError(undefined, { resumeFrom: withHook, hooks: [picky] })).message).toBe('Invalid checkpoint.hooks[0].state = 1: hook "memo" rejected it: state 1 is not mine');

    const replanned = { ...cp, plan: { ...cp.plan, steps: cp.plan.steps.map((s, i) => (i === 2 ? { ...s, level: 1 } : s)) } };
    expect((await resumeError(undefined, { resumeFrom: replanned })).message).toBe('Invalid checkpoint.plan.steps[2].level = 1: this run plans level 2 (another model or spectrum?)');

    // The run's sampler checks the state is its own, and its history: a step size without its x0 estimate.
    expect((await resumeError(undefined, { resumeFrom: { ...cp, sampler: { ...cp.sampler, kind: 'euler' } } })).message).toBe(
      'Invalid checkpoint.sampler.kind = "euler": is not the run\'s sampler "dpmpp-2m"',
    );
    const noHistory = { ...cp, sampler: { ...cp.sampler, tensors: {} } };
    expect((await resumeError(undefined, { resumeFrom: noHistory })).message).toMatch(/^Invalid checkpoint\.sampler\.fields\.previousStepSize = [0-9.]+: has no previousDenoised tensor to go with it/);

    expect((await resumeError(CONFIG, { checkpoints: { everySteps: 0 } })).message).toBe('Invalid options.checkpoints.everySteps = 0: must be >= 1');
    expect((await resumeError(CONFIG, { levels: { min: 2, max: 1 } })).message).toBe('Invalid options.levels.max = 1: must be >= levels.min (2)');
    expect((await resumeError(CONFIG, { stopBefore: 1.5 })).message).toBe('Invalid options.stopBefore = 1.5: must be an integer');
    expect((await resumeError(CONFIG, { checkpoints: { every: 2 } as never })).message).toBe('Invalid options.checkpoints.every = 2: unknown field');
  });
});
