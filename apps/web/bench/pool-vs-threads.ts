/**
 * Benchmark (not a test): in headless Chromium, the demo's run (one guided image, the model's
 * recommended sampling, wasm) on the pipeline worker alone vs on a pool of Web Workers, in a
 * cross-origin-isolated page (where the pipeline worker's wasm has XNNPACK threads) and in a
 * page without the headers (one wasm thread): the measurement behind `poolByDefault` in
 * src/worker-choice.ts (which is faster when the page is isolated; without isolation there is no
 * thread to compare with, and the pool's gain is measured all the same).
 *
 *   node --import @oxc-node/core/register apps/web/bench/pool-vs-threads.ts [--reps 3] [--steps 20]
 *
 * Runs alternate (after one warm-up run of each setting, which also starts the pool); the
 * wall time is the page's own (start -> done). Prints the core count and the load average.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/launch-chromium.js';
import { APP_ROOT, buildAndServe } from '../test/serve-app.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const reps = Number(arg('--reps', '3'));
const steps = arg('--steps', '');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function parseMs(value: string): number {
  const match = /^([\d.]+) (m?s)$/.exec(value.trim());
  if (!match) throw new Error(`not a time: ${value}`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

async function runOnce(page: Page, workers: string): Promise<{ ms: number; label: string; checksum: string }> {
  await page.selectOption('#workers', workers);
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset['state'] === 'idle' && (document.getElementById('result')!.dataset['ready'] === 'true' || !document.getElementById('error')!.hidden), undefined, { timeout: 600_000 });
  if (!(await page.isHidden('#error'))) throw new Error(`run failed: ${await page.textContent('#error')}`);
  return {
    ms: parseMs((await page.textContent('#wall-time')) ?? ''),
    label: ((await page.textContent('#run-backend')) ?? '').trim(),
    checksum: (await page.getAttribute('#result', 'data-checksum')) ?? '',
  };
}

async function main(): Promise<void> {
  const loadBefore = load();
  const served = await buildAndServe(join(APP_ROOT, 'test-output', 'bench-dist'));
  const session = await launchChromium();
  const rows: string[] = [];
  try {
    for (const isolated of [true, false]) {
      const page = await session.context.newPage();
      if (!isolated) {
        await page.route((url) => url.pathname.endsWith('/') || url.pathname.endsWith('.html'), async (route) => {
          const response = await route.fetch();
          const headers = { ...response.headers() };
          delete headers['cross-origin-opener-policy'];
          delete headers['cross-origin-embedder-policy'];
          await route.fulfill({ response, headers });
        });
      }
      await page.goto(served.url);
      await page.waitForFunction(() => document.body.dataset['state'] === 'idle', undefined, { timeout: 60_000 });
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      if ((await page.evaluate(() => crossOriginIsolated)) !== isolated) throw new Error('the page is not what it should be');
      await page.selectOption('#backend', 'wasm');
      if (steps) await page.fill('#steps', steps);
      const settings = ['1', '2'];
      const times = new Map<string, number[]>(settings.map((s) => [s, []]));
      const labels = new Map<string, string>();
      const sums = new Set<string>();
      for (const s of settings) await runOnce(page, s); // warm-up: model loads, pool starts
      for (let r = 0; r < reps; r++) {
        for (const s of settings) {
          const out = await runOnce(page, s);
          times.get(s)!.push(out.ms);
          labels.set(s, out.label);
          sums.add(out.checksum);
          console.log(`${isolated ? 'isolated' : 'not isolated'} rep ${r + 1}: workers ${s}: ${(out.ms / 1000).toFixed(2)} s (${out.label}) load ${load()}`);
        }
      }
      const one = median(times.get('1')!);
      const two = median(times.get('2')!);
      rows.push(
        `| ${isolated ? 'cross-origin isolated' : 'not isolated'} (${cores} cores) | ${(one / 1000).toFixed(2)} s — ${labels.get('1')} | ${(two / 1000).toFixed(2)} s — ${labels.get('2')} | **${(one / two).toFixed(2)}x** | ${sums.size === 1 ? 'yes' : 'NO'} |`,
      );
      await page.close();
    }
  } finally {
    await session.close();
    await served.close();
  }
  console.log(`\n${availableParallelism()} cores; load average before ${loadBefore}, after ${load()} (1, 5, 15 min)`);
  console.log('| page | pipeline worker alone | pool of 2 Web Workers | pool speed-up | same image |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
