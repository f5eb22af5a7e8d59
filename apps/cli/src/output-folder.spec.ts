/**
 * `generate --out`: checked before any work (a file, an unwritable folder, /proc), and a rerun
 * into the same folder replaces exactly what the earlier run's sidecar lists.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from './cli-io.js';
import { EXIT_CODES, runCli } from './cli-program.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-outdir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const stdout = memorySink();
  const stderr = memorySink();
  const t0 = performance.now();
  const code = await runCli(args, { io: { stdout, stderr } });
  return { code, stdout: stdout.text(), stderr: stderr.text(), ms: performance.now() - t0 };
}

describe('generate --out is checked before the run', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      'a file',
      async (): Promise<string> => {
        const f = join(dir, 'a-file');
        await writeFile(f, 'x');
        return f;
      },
      /is a file, not a folder$/,
    ],
    ['/proc', async (): Promise<string> => '/proc/upshift-out', /cannot create the folder \(ENOENT in \/proc\)$/],
    ['an unwritable folder', async (): Promise<string> => '/sys', /is not writable \((EACCES|EPERM|EROFS)\)$/],
  ];
  it.each(cases)('%s: exit 2, one line naming --out, no backend or model started', async (_, make, reason) => {
    const out = await make();
    const r = await cli(['generate', '--out', out, '--steps', '2', '--class', '0']);
    expect(r.code).toBe(EXIT_CODES.badInput);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^upshift: Invalid --out = "${out}": `));
    expect(lines[0]).toMatch(reason);
    expect(r.ms).toBeLessThan(5000);
  });
});

describe('generate into the folder of an earlier run', () => {
  it('replaces the files its sidecar lists, keeps others and says so', async () => {
    const out = join(dir, 'rerun');
    const base = ['generate', '--out', out, '--steps', '1', '--resolution', '16', '--class', '0', '--backend', 'wasm', '--no-progress'];
    const first = await cli([...base, '--batch', '3']);
    expect(first.code, first.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['upshift-00.png', 'upshift-01.png', 'upshift-02.png', 'upshift-grid.png', 'upshift.json']);
    await writeFile(join(out, 'upshift-07.png'), 'not from a run'); // not in any sidecar
    await writeFile(join(out, 'notes.txt'), 'mine');

    const second = await cli([...base, '--batch', '1']);
    expect(second.code, second.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['notes.txt', 'upshift-00.png', 'upshift-07.png', 'upshift.json']);
    expect(second.stdout).toContain('replaced the earlier run there: removed 3 of its files that this run did not write again (upshift-01.png, upshift-02.png, upshift-grid.png; listed in its upshift.json)');
    expect(second.stdout).toContain("note: 1 other file(s) named like this run's output are not from it and were left: upshift-07.png");
    const sidecar = JSON.parse(await readFile(join(out, 'upshift.json'), 'utf8'));
    expect(sidecar.images).toEqual([{ file: 'upshift-00.png', classLabel: 0, className: 'Activities' }]);
    expect(existsSync(join(out, 'upshift-grid.png'))).toBe(false);
  });
});
