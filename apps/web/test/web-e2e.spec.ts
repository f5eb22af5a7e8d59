/**
 * End to end, in a real browser: `vite build`, `vite preview` on 127.0.0.1, headless Chromium.
 * The page runs the shipped model on the wasm backend (forced in the menu: deterministic, and
 * WebGPU has no adapter with --disable-gpu). Checks a pyramid run (non-blank image, FLOP
 * fraction < 1), the full-resolution comparison (paired PSNR, time ratio), and that Cancel
 * returns the page to idle with no error and every run tensor freed. Screenshots go to
 * test-output/: after the run (web-demo-run.png) and after the comparison (web-demo.png).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from './launch-chromium.js';
import type { ChromiumSession } from './launch-chromium.js';
import { APP_ROOT, buildAndServe } from './serve-app.js';
import type { ServedApp } from './serve-app.js';

const OUTPUT = join(APP_ROOT, 'test-output');
const missing = chromiumMissing();
// Locally a machine without Chromium skips (saying why); in CI the browser must be there.
const skip = missing !== undefined && !process.env['CI'];
if (skip) console.warn(`web e2e skipped: ${missing}`);

/** Mean and standard deviation of a canvas's RGB values, read in the page. */
async function canvasStats(page: Page, id: string): Promise<{ mean: number; std: number; distinct: number }> {
  return page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sq = 0;
    let n = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      for (let k = 0; k < 3; k++) {
        sum += data[i + k]!;
        sq += data[i + k]! ** 2;
        n++;
      }
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    const mean = sum / n;
    return { mean, std: Math.sqrt(sq / n - mean * mean), distinct: colours.size };
  }, id);
}

/**
 * Waits until the page is idle again and `ready` holds (or an error is shown), failing at once
 * on an uncaught page error instead of at the timeout.
 */
async function settle(page: Page, crashed: Promise<never>, ready: string): Promise<void> {
  const predicate = `document.body.dataset.state === 'idle' && ((${ready}) || !document.getElementById('error').hidden)`;
  await Promise.race([page.waitForFunction(predicate, undefined, { timeout: 45_000 }), crashed]);
  expect(await page.isHidden('#error'), await text(page, '#error')).toBe(true);
}

const state = (page: Page) => page.evaluate(() => document.body.dataset['state']);
const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim() ?? '';
const tensorCount = async (page: Page) => Number(await page.getAttribute('#tensors', 'data-count'));

describe.skipIf(skip)('web demo in Chromium (wasm backend)', () => {
  let served: ServedApp | undefined;
  let session: ChromiumSession | undefined;
  let page: Page;
  let crashed: Promise<never>;
  const problems: string[] = [];
  const t0 = performance.now();

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(missing);
    await mkdir(OUTPUT, { recursive: true });
    served = await buildAndServe(join(OUTPUT, 'dist'));
    session = await launchChromium();
    page = await session.context.newPage();
    const origin = new URL(served.url).origin;
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    crashed = new Promise<never>((_, reject) => page.on('pageerror', (error) => reject(new Error(`page error: ${error.message}`))));
    crashed.catch(() => undefined); // reported where awaited
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${origin}/`) && !/^(data|blob):/.test(url)) problems.push(`request to another origin: ${url}`);
    });
    await page.goto(served.url);
    await page.waitForFunction(() => document.body.dataset['state'] === 'idle', undefined, { timeout: 20_000 });
    console.info(`web e2e: vite build ${Math.round(served.buildMs)} ms, page ready after ${Math.round(performance.now() - t0)} ms`);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await served?.close();
    console.info(`web e2e: ${Math.round(performance.now() - t0)} ms in all`);
  });

  it('serves a cross-origin-isolated page with the model classes and backends', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const classes = await page.$$eval('#class option', (options) => options.map((o) => o.textContent));
    expect(classes).toHaveLength(10); // the model's 9 classes + unconditional
    expect(classes).toContain('Smileys & Emotion');
    const backends = await page.$$eval('#backend option', (options) => (options as HTMLOptionElement[]).map((o) => [o.value, o.disabled] as const));
    expect(backends.map(([value]) => value)).toEqual(['auto', 'webgpu', 'wasm', 'cpu']);
    expect(backends.find(([value]) => value === 'wasm')?.[1]).toBe(false);
  });

  it('runs the pyramid policy: live plan, non-blank image, FLOP fraction < 1', async () => {
    await page.selectOption('#class', { label: 'Smileys & Emotion' });
    await page.selectOption('#policy', 'pyramid');
    await page.selectOption('#backend', 'wasm');
    await page.fill('#steps', '4');
    await page.fill('#seed', '3');
    await page.fill('#guidance', '2');
    await page.click('#run');
    await settle(page, crashed, `document.getElementById('result').dataset.ready === 'true'`);

    // The threaded build: the page is cross-origin isolated (the count is the cores tfjs picks).
    expect(await text(page, '#run-backend')).toMatch(/^wasm \(\d+ threads?\)$/);
    expect(await text(page, '#log')).toContain('tfjs-backend-wasm-threaded-simd');
    const levels = await page.$$eval('#plan .plan-cell', (cells) => cells.map((c) => Number((c as HTMLElement).dataset['level'])));
    expect(levels).toHaveLength(4);
    expect(Math.max(...levels)).toBeGreaterThan(0); // the pyramid starts coarse...
    expect(levels.at(-1)).toBe(0); // ...and ends at full resolution
    const fraction = Number(await text(page, '#flop-fraction'));
    expect(fraction).toBeGreaterThan(0);
    expect(fraction).toBeLessThan(1);
    expect(await text(page, '#wall-time')).toMatch(/^\d+(\.\d+)? (ms|s)$/);

    const image = await canvasStats(page, 'result-image');
    expect(image.std, JSON.stringify(image)).toBeGreaterThan(10);
    expect(image.distinct).toBeGreaterThan(50);
    const preview = await canvasStats(page, 'preview'); // the last x0 estimate, then the final image
    expect(preview.std).toBeGreaterThan(10);
    await page.screenshot({ path: join(OUTPUT, 'web-demo-run.png'), fullPage: true });
  }, 60_000);

  it('compares with the same seed at full resolution: paired PSNR and time ratio', async () => {
    await page.click('#compare');
    await settle(page, crashed, `!document.getElementById('comparison').hidden`);
    const db = Number.parseFloat(await text(page, '#psnr'));
    expect(db).toBeGreaterThan(5); // paired, so far closer than two unrelated images
    expect(db).toBeLessThan(100); // but not the same image: the plans differ
    expect(Number.parseFloat(await text(page, '#time-ratio'))).toBeGreaterThan(0);
    for (const id of ['compare-upshifted', 'compare-full']) expect((await canvasStats(page, id)).std).toBeGreaterThan(10);
    await page.screenshot({ path: join(OUTPUT, 'web-demo.png'), fullPage: true });
  }, 60_000);

  it('cancel stops a run mid-way: idle again, no error, every run tensor freed', async () => {
    const before = await tensorCount(page); // the cached wasm model's weights
    await page.selectOption('#policy', 'none');
    await page.fill('#steps', '40');
    await page.click('#run');
    // wasm computes on the page's main thread: the page (and every Playwright round trip) only
    // gets a turn between steps, so poll with a timer and click like a user does (one input
    // event, no actionability checks that wait for animation frames).
    await page.waitForFunction(() => document.querySelector('#plan .plan-cell.done') !== null, undefined, { polling: 50, timeout: 30_000 });
    expect(await state(page)).toBe('running');
    const cancel = await page.locator('#cancel').boundingBox();
    await page.mouse.click(cancel!.x + cancel!.width / 2, cancel!.y + cancel!.height / 2);
    await settle(page, crashed, 'true');
    expect(await text(page, '#status')).toMatch(/^Cancelled after \d+ of 40 steps\.$/);
    const done = await page.$$eval('#plan .plan-cell.done', (cells) => cells.length);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(40);
    expect(await tensorCount(page)).toBe(before);
    // The page is usable again.
    expect(await page.isEnabled('#run')).toBe(true);
    expect(await page.isDisabled('#cancel')).toBe(true);
  }, 60_000);

  it('shows a bad setting as the ConfigError naming the field, and stays usable', async () => {
    await page.fill('#steps', '0');
    await page.click('#run');
    await page.waitForFunction(() => document.body.dataset['state'] === 'idle' && !document.getElementById('error')!.hidden, undefined, { timeout: 20_000 });
    expect(await text(page, '#error')).toMatch(/^ConfigError: Invalid steps = 0: /);
    expect(await page.isEnabled('#run')).toBe(true);
  }, 30_000);

  it('logged no page errors, failed requests or requests to other origins', () => {
    expect(problems).toEqual([]);
  });
});
