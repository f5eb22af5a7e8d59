import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { checkOutputFolder, makeFolders } from './output-location.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-out-'));
});
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function failure(path: string): Promise<ConfigError> {
  const error = await checkOutputFolder('--out', path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).field).toBe('--out');
  expect((error as ConfigError).value).toBe(path);
  return error as ConfigError;
}

describe('checkOutputFolder', () => {
  it('accepts an existing folder and a missing one, leaving nothing behind', async () => {
    await checkOutputFolder('--out', dir);
    await checkOutputFolder('--out', join(dir, 'a', 'b', 'c'));
    expect(await readdir(dir)).toEqual([]);
  });

  it('a file in the way: the folder itself, or one of its parents', async () => {
    await writeFile(join(dir, 'f'), 'x');
    expect((await failure(join(dir, 'f'))).message).toBe(`Invalid --out = "${join(dir, 'f')}": is a file, not a folder`);
    expect((await failure(join(dir, 'f', 'sub'))).message).toContain(`cannot be a folder: ${join(dir, 'f')} is a file`);
  });

  it('a folder that does not take new files (EACCES)', async () => {
    // As root permissions do not bind, but /sys refuses new files to everyone.
    const root = process.getuid?.() === 0;
    const target = root ? '/sys' : join(dir, 'ro');
    if (!root) {
      await mkdir(target);
      await chmod(target, 0o500);
    }
    expect((await failure(target)).message).toMatch(/is not writable \((EACCES|EPERM|EROFS)\)$/);
  });

  it('/proc answers at once (recursive mkdir would never return there)', async () => {
    const t0 = performance.now();
    expect((await failure('/proc/upshift/out')).message).toMatch(/cannot create the folder \(ENOENT in \/proc\)/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('makeFolders', () => {
  it('creates the missing levels one by one and says which', async () => {
    expect(await makeFolders(join(dir, 'x', 'y'))).toEqual([join(dir, 'x'), join(dir, 'x', 'y')]);
    expect(existsSync(join(dir, 'x', 'y'))).toBe(true);
    expect(await makeFolders(join(dir, 'x', 'y'))).toEqual([]);
  });
});
