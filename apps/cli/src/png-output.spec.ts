import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtomicOutput, PENDING_OUTPUTS } from './atomic-output.js';
import { makeGrid } from './image-grid.js';
import { encodePng, imageOf, toByte } from './png-image.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PNG encoding', () => {
  it('maps [-1, 1] to 0..255 (clamped) and decodes back to the same pixels', async () => {
    expect([toByte(-1), toByte(0), toByte(1), toByte(-3), toByte(7), toByte(-0.5)]).toEqual([0, 128, 255, 0, 255, 64]);
    const h = 5;
    const w = 7;
    const data = Float32Array.from({ length: h * w * 3 }, (_, i) => Math.sin(i * 0.37) * 1.1);
    const file = join(dir, 'x.png');
    await writeFile(file, encodePng({ data, height: h, width: w, channels: 3 }));
    const png = PNG.sync.read(await readFile(file));
    expect([png.width, png.height]).toEqual([w, h]);
    for (let p = 0; p < h * w; p++) {
      for (let c = 0; c < 3; c++) expect(png.data[p * 4 + c]).toBe(toByte(data[p * 3 + c]!));
      expect(png.data[p * 4 + 3]).toBe(255);
    }
  });

  it('takes image i of an NHWC batch and tiles a grid with padding', () => {
    const batch = { data: Float32Array.from({ length: 3 * 2 * 2 * 1 }, (_, i) => Math.floor(i / 4) / 2 - 0.5), shape: [3, 2, 2, 1] as [number, number, number, number] };
    expect(Array.from(imageOf(batch, 2).data)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const grid = makeGrid([0, 1, 2].map((i) => imageOf(batch, i)), { columns: 2, padding: 1, background: 1 });
    expect([grid.height, grid.width]).toEqual([2 * 2 + 3, 2 * 2 + 3]);
    expect(grid.data[0]).toBe(1); // border
    expect(grid.data[1 * grid.width + 1]).toBe(-0.5); // image 0 top-left
    expect(grid.data[1 * grid.width + 4]).toBe(0); // image 1
    expect(grid.data[4 * grid.width + 1]).toBe(0.5); // image 2, second row
    expect(grid.data[4 * grid.width + 4]).toBe(1); // empty cell
  });
});

describe('AtomicOutput', () => {
  it('shows nothing under the target names until commit, then everything', async () => {
    const out = new AtomicOutput();
    await out.write(join(dir, 'sub', 'a.png'), 'A');
    await out.write(join(dir, 'sub', 'b.json'), 'B');
    const before = await readdir(join(dir, 'sub'));
    expect(before.filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(PENDING_OUTPUTS.has(out)).toBe(true);
    await out.commit();
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['a.png', 'b.json']);
    expect(await readFile(join(dir, 'sub', 'a.png'), 'utf8')).toBe('A');
    expect(PENDING_OUTPUTS.has(out)).toBe(false);
  });

  it('leaves no file at all when aborted after a failure mid-way', async () => {
    const out = new AtomicOutput();
    await out.write(join(dir, 'a.png'), 'A');
    // A write into a path whose parent is a file fails, like a full disk would.
    await writeFile(join(dir, 'blocker'), 'x');
    await expect(out.write(join(dir, 'blocker', 'b.png'), 'B')).rejects.toThrow();
    await out.abort();
    expect((await readdir(dir)).sort()).toEqual(['blocker']);
  });

  it('keeps an existing file intact until the new one is complete', async () => {
    await writeFile(join(dir, 'a.png'), 'old');
    const out = new AtomicOutput();
    await out.write(join(dir, 'a.png'), 'new');
    expect(await readFile(join(dir, 'a.png'), 'utf8')).toBe('old');
    await out.abort();
    expect(await readFile(join(dir, 'a.png'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.png']);
  });
});
