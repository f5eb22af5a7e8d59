/**
 * What a user sees on stderr: the backend line, the model line and progress. Dawn's Vulkan
 * warnings, tfjs's "install tfjs-node" banner and the backend's long .wasm path appear only
 * with --verbose.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-quiet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function generate(args: string[]): { code: number | null; stderr: string } {
  const env = { ...process.env };
  // As a user runs it: no driver chosen for Dawn by a test config.
  delete env['VK_ICD_FILENAMES'];
  const r = spawnSync(process.execPath, ['--import', '@oxc-node/core/register', MAIN, 'generate', '--steps', '1', '--resolution', '16', '--class', '0', '--out', join(dir, String(Math.random())), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

const BANNER = /install our node backend|tfjs-node/;
const DAWN = /Warning: |third_party\/dawn/;

describe('upshift generate stderr (process)', () => {
  it('auto (wasm here): the backend line without the .wasm path, no Dawn warnings', () => {
    const r = generate([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: using "\w+" \(auto, /m);
    expect(r.stderr).not.toMatch(/\.wasm/);
    expect(r.stderr).not.toMatch(DAWN);
    expect(r.stderr).not.toMatch(BANNER);
  });

  it('--verbose adds the .wasm file to the backend line', () => {
    const r = generate(['--backend', 'wasm', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: using "wasm" \(requested\): tfjs wasm, SIMD \w+, [^[]*\[\/.*tfjs-backend-wasm[\w-]*\.wasm\]$/m);
  });

  it("--backend cpu: tfjs's banner only with --verbose", () => {
    const quiet = generate(['--backend', 'cpu']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(BANNER);
    const verbose = generate(['--backend', 'cpu', '--verbose']);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(BANNER);
  });
});
