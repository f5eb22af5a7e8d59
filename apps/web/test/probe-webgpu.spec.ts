import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './launch-chromium.js';
import { APP_ROOT, buildAndServe } from './serve-app.js';

it('webgpu in the pipeline worker (SwiftShader)', async () => {
  const served = await buildAndServe(join(APP_ROOT, 'test-output', 'dist-gpu'));
  const profile = await mkdtemp(join(tmpdir(), 'upshift-gpu-'));
  const args = [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args, viewport: { width: 1200, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await page.goto(served.url);
    await page.waitForFunction(() => document.body.dataset['state'] === 'idle', undefined, { timeout: 60_000 });
    const backends = await page.$$eval('#backend option', (os) => (os as HTMLOptionElement[]).map((o) => `${o.value}:${o.disabled}:${o.title}`));
    console.log('BACKENDS', JSON.stringify(backends), 'page gpu:', await page.evaluate(() => 'gpu' in navigator));
    await page.selectOption('#backend', 'webgpu');
    await page.selectOption('#policy', 'fixed');
    await page.fill('#steps', '1');
    const t0 = Date.now();
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset['state'] === 'idle' && (document.getElementById('result')!.dataset['ready'] === 'true' || !document.getElementById('error')!.hidden), undefined, { timeout: 400_000 });
    console.log('RESULT', Date.now() - t0, 'ms', await page.textContent('#error'), '|', await page.textContent('#run-backend'), '|', await page.textContent('#tensors'), '|', await page.textContent('#flop-fraction'));
    const stats = await page.evaluate(() => { const c = document.getElementById('result-image') as HTMLCanvasElement; const d = c.getContext('2d')!.getImageData(0, 0, 64, 64).data; let s = 0, q = 0; for (let i = 0; i < d.length; i += 4) { s += d[i]!; q += d[i]! ** 2; } const m = s / 4096; return Math.sqrt(q / 4096 - m * m); });
    console.log('STD', stats, 'ERRORS', JSON.stringify(errors));
    await page.screenshot({ path: join(APP_ROOT, 'test-output', 'web-demo-webgpu.png'), fullPage: true });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    await served.close();
  }
}, 600_000);
