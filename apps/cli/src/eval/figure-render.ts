/**
 * Renders a Vega-Lite specification to SVG (Vega's own SVG renderer, headless: no canvas, no
 * browser) and rasterises it to PNG with resvg. Text is set in DejaVu Sans from the
 * `dejavu-fonts-ttf` package and system fonts are never loaded, so a figure renders the same on
 * every machine (the committed PNGs of `upshift eval` do not depend on what fonts are installed).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '@upshift/core';

/** The font every figure uses (shipped with the `dejavu-fonts-ttf` package). */
export const FIGURE_FONT = 'DejaVu Sans';

/** Options of {@link renderFigure}. */
export interface FigureRenderOptions {
  /** Raster scale (pixels per SVG unit); default 2 (sharp on high-density screens). */
  readonly scale?: number;
  /** Page background; default white. */
  readonly background?: string;
}

/** A rendered figure. */
export interface RenderedFigure {
  /** The SVG text from Vega. */
  readonly svg: string;
  /** PNG bytes (RGBA). */
  readonly png: Uint8Array;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
}

let fontFiles: string[] | undefined;

/** The DejaVu Sans files (regular and bold) inside the installed `dejavu-fonts-ttf` package. */
export function figureFontFiles(): string[] {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

/** Defaults every figure shares (font everywhere, no chart border). */
const BASE_CONFIG = {
  font: FIGURE_FONT,
  view: { stroke: null },
  axis: { labelFont: FIGURE_FONT, titleFont: FIGURE_FONT },
  legend: { labelFont: FIGURE_FONT, titleFont: FIGURE_FONT },
  header: { labelFont: FIGURE_FONT, titleFont: FIGURE_FONT },
  title: { font: FIGURE_FONT },
} as const;

/** Compiles `spec` with Vega-Lite and renders it headless with Vega to SVG. */
export async function renderSvg(spec: TopLevelSpec, background = 'white'): Promise<string> {
  const withFont = { ...spec, config: { ...BASE_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const compiled = compile(withFont).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  view.background(background);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG with resvg, using only the figure font. */
export function rasterizeSvg(svg: string, options: FigureRenderOptions = {}): { png: Uint8Array; width: number; height: number } {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new ConfigError('figure.scale', scale, 'must be in (0, 8]');
  const resvg = new Resvg(svg, {
    background: options.background ?? 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: figureFontFiles(), defaultFontFamily: FIGURE_FONT, sansSerifFamily: FIGURE_FONT },
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** Renders a Vega-Lite spec to SVG and PNG. */
export async function renderFigure(spec: TopLevelSpec, options: FigureRenderOptions = {}): Promise<RenderedFigure> {
  const svg = await renderSvg(spec, options.background ?? 'white');
  return { svg, ...rasterizeSvg(svg, options) };
}
