import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_DIR, MODEL_NOTICE_FILE, modelFolderUrl } from '../src/model-location.js';
import { modelAssets, shippedModelFolder } from './model-assets-plugin.js';

describe('modelAssets', () => {
  it('ships config.json, the weights file it names, and the data notice', () => {
    const assets = modelAssets();
    expect(assets.map((a) => a.urlPath)).toEqual([`${MODEL_DIR}config.json`, `${MODEL_DIR}model.safetensors`, MODEL_NOTICE_FILE]);
    const config = JSON.parse(readFileSync(assets[0]!.file, 'utf8')) as { weights: { file: string } };
    expect(assets[1]!.file).toBe(join(shippedModelFolder(), config.weights.file));
    expect(readFileSync(assets[2]!.file, 'utf8')).toMatch(/Apache License/);
  });

  it('refuses a weights file outside the model folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upshift-web-assets-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ weights: { file: '../secret.bin' } }));
    expect(() => modelAssets(dir)).toThrow(/weights.file must be a file name in the model folder \(got "..\/secret.bin"\)/);
  });

  it('resolves the folder against the page and the base', () => {
    expect(modelFolderUrl('/', 'http://h/index.html').href).toBe('http://h/models/emoji-unet/');
    expect(modelFolderUrl('./', 'http://h/demo/index.html').href).toBe('http://h/demo/models/emoji-unet/');
    expect(modelFolderUrl('/app', 'http://h/app/').href).toBe('http://h/app/models/emoji-unet/');
  });
});
