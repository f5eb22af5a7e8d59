/**
 * Headless Debian Chromium through playwright-core, with a fresh profile and no network
 * chatter. `--disable-gpu` leaves WebGPU without an adapter, so pages fall back to wasm.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** The browser the end-to-end test drives (Debian's `chromium` package). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags: headless, no sandbox (containers), no GPU, no background network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the test cannot run here (no executable file at {@link CHROMIUM_PATH}), or undefined. */
export function chromiumMissing(): string | undefined {
  try {
    if (statSync(CHROMIUM_PATH).isFile()) {
      accessSync(CHROMIUM_PATH, constants.X_OK);
      return undefined;
    }
  } catch {
    // missing or not executable: fall through
  }
  return `${CHROMIUM_PATH} is not installed (apt-get install chromium); the browser end-to-end test needs it`;
}

/** A browser context on a fresh user-data-dir; `close()` removes the profile. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a new profile folder. */
export async function launchChromium(): Promise<ChromiumSession> {
  const profile = await mkdtemp(join(tmpdir(), 'upshift-web-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
