import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { renderFigure } from './figure-render.js';

/** RGBA of pixel (x, y). */
function pixel(png: PNG, x: number, y: number): [number, number, number, number] {
  const o = (y * png.width + x) * 4;
  return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!, png.data[o + 3]!];
}

describe('renderFigure (Vega-Lite -> SVG -> resvg PNG)', () => {
  // Two bars on a 200 x 100 plot without axes or padding: "a" (red) reaches 1 of 1, "b" (blue) 0.5.
  const spec: TopLevelSpec = {
    width: 200,
    height: 100,
    padding: 0,
    autosize: { type: 'none' },
    data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 0.5 }] },
    mark: { type: 'bar', binSpacing: 0 },
    encoding: {
      x: { field: 'k', type: 'nominal', axis: null, scale: { paddingInner: 0, paddingOuter: 0 } },
      y: { field: 'v', type: 'quantitative', axis: null, scale: { domain: [0, 1], nice: false } },
      color: { field: 'k', type: 'nominal', legend: null, scale: { range: ['#ff0000', '#0000ff'] } },
    },
  };

  it('renders a known spec to a PNG of the right size with the expected pixels in probe regions', async () => {
    const figure = await renderFigure(spec, { scale: 2 });
    expect(figure.svg.startsWith('<svg')).toBe(true);
    expect([figure.width, figure.height]).toEqual([400, 200]);
    const png = PNG.sync.read(Buffer.from(figure.png));
    expect([png.width, png.height]).toEqual([400, 200]);
    // Inside the red bar (left half, full height) and the blue bar's lower half.
    for (const [x, y] of [[50, 20], [100, 100], [150, 180]] as const) expect(pixel(png, x, y)).toEqual([255, 0, 0, 255]);
    for (const [x, y] of [[250, 150], [350, 190]] as const) expect(pixel(png, x, y)).toEqual([0, 0, 255, 255]);
    // Above the blue bar (v = 0.5 of 1): the white background.
    expect(pixel(png, 300, 40)).toEqual([255, 255, 255, 255]);
  });

  it('draws text with the bundled font (a title darkens its probe region) and scales', async () => {
    const titled: TopLevelSpec = { ...spec, title: { text: 'HHHH', fontSize: 20, color: '#000000', anchor: 'start' }, autosize: { type: 'pad' } };
    const figure = await renderFigure(titled, { scale: 1 });
    const png = PNG.sync.read(Buffer.from(figure.png));
    let dark = 0;
    for (let y = 0; y < 24; y++) for (let x = 0; x < 60; x++) if (pixel(png, x, y)[0] < 100) dark++;
    expect(dark).toBeGreaterThan(40);
    await expect(renderFigure(spec, { scale: 0 })).rejects.toThrow(/figure.scale/);
  });
});
