import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { loadHeldOutReference } from './held-out-reference.js';
import { parseNpy, readHeldOutPool } from './npz-images.js';

/** fixtures/make-held-out-fixture.py: 24 images 32x32 of classes a, b, c (labels i % 3), the first 18 held out. */
const FIXTURE = fileURLToPath(new URL('../fixtures/held-out-32.npz', import.meta.url));
const SIZE = { height: 32, width: 32, channels: 3 };

describe('readHeldOutPool', () => {
  it('reads the held-out split of a numpy archive with labels and class names', async () => {
    const pool = await readHeldOutPool(FIXTURE);
    expect(pool.images.shape).toEqual([18, 32, 32, 3]);
    expect(pool.archiveIndices).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(Array.from(pool.labels)).toEqual(Array.from({ length: 18 }, (_, i) => i % 3));
    expect(pool.categories).toEqual(['a', 'b', 'c']);
    // uint8 0..255 -> [-1, 1]; the background is white.
    expect(Math.max(...pool.images.data)).toBe(1);
    expect(Math.min(...pool.images.data)).toBeGreaterThanOrEqual(-1);
  });

  it('a file that is not a dataset archive: a ConfigError naming --held-out and the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'upshift-held-out-'));
    try {
      const text = join(dir, 'notes.md');
      await writeFile(text, '# not an archive\n');
      const whole = await readFile(FIXTURE);
      // The end of central directory kept, the entries it points at cut away.
      const truncated = join(dir, 'truncated.npz');
      await writeFile(truncated, Buffer.concat([whole.subarray(0, 200), whole.subarray(whole.length - 22)]));
      for (const [file, reason] of [
        [text, 'is not a zip archive'],
        [dir, 'is a folder'],
        [truncated, 'truncated?'],
      ] as const) {
        const error = await readHeldOutPool(file).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).field).toBe('--held-out');
        expect((error as ConfigError).message).toContain(`Invalid --held-out = ${JSON.stringify(file)}: `);
        expect((error as ConfigError).message).toContain(reason);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses numpy unicode arrays', () => {
    // np.save of np.array(["ab", "\u00e9"]): dtype <U2, UTF-32LE, NUL padded.
    const header = "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }";
    const padded = header.padEnd(64 - 10 - 1, ' ') + '\n';
    const body = Buffer.alloc(16);
    [0x61, 0x62, 0xe9, 0].forEach((cp, i) => body.writeUInt32LE(cp, i * 4));
    const buf = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from([padded.length, 0]), Buffer.from(padded, 'latin1'), body]);
    expect(parseNpy(buf)).toEqual({ dtype: 'unicode', shape: [2], data: ['ab', '\u00e9'] });
  });
});

describe('loadHeldOutReference', () => {
  it('draws class-matched, seeded reference sets', async () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const spec = { file: FIXTURE, seed: 4, draws: 3, multiple: 1 };
    const a = await loadHeldOutReference(spec, labels, SIZE, ['a', 'b', 'c']);
    const b = await loadHeldOutReference(spec, labels, SIZE, ['a', 'b', 'c']);
    expect(a.poolSize).toBe(18);
    expect(a.draws).toHaveLength(3);
    expect(a.archiveIndices).toEqual(b.archiveIndices);
    for (const d of a.archiveIndices) {
      expect(d.map((i) => i % 3).sort()).toEqual([0, 0, 1, 1, 2, 2]);
      expect(new Set(d).size).toBe(6);
    }
    expect(a.draws[0]!.shape).toEqual([6, 32, 32, 3]);
    const other = await loadHeldOutReference({ ...spec, seed: 5 }, labels, SIZE, ['a', 'b', 'c']);
    expect(other.archiveIndices).not.toEqual(a.archiveIndices);
  });

  it('rejects a class with too few held-out images, other image sizes and other class names, naming the option', async () => {
    const spec = { file: FIXTURE, seed: 0, draws: 1, multiple: 3 };
    // 6 held-out images of class "b"; 3 generated x 3 = 9 needed.
    await expect(loadHeldOutReference(spec, [1, 1, 1], SIZE, ['a', 'b', 'c'])).rejects.toThrow(/--reference-multiple = 3: .*class 1 \(b\) has 6 reference images, 9 needed/);
    await expect(loadHeldOutReference({ ...spec, multiple: 1 }, [0], { ...SIZE, height: 64, width: 64 }, [])).rejects.toThrow(/--held-out.*32x32x3 images, the run makes 64x64x3/);
    await expect(loadHeldOutReference({ ...spec, multiple: 1 }, [0], SIZE, ['x', 'y', 'z'])).rejects.toThrow(ConfigError);
  });
});
