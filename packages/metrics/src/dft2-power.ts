/**
 * |X(f)|^2 of the orthonormal 2-D DFT of a real plane, through the radix-4 FFT of `fft.js`
 * (rows, then columns). Orthonormal (`norm="ortho"` in numpy): the transform is unitary, so
 * the powers sum to the plane's energy (Parseval) and white noise of std sigma has power
 * sigma^2 at every frequency.
 */
import FFT from 'fft.js';
import { ConfigError } from '@upshift/core';

/** Whether `n` is a power of two greater than 1 (what the FFT supports). */
export function isFftSize(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

/** Reusable FFT plans for one `h x w` size; `power` accumulates |X|^2 of planes. */
export class Dft2Power {
  private readonly rowFft: FFT;
  private readonly colFft: FFT;
  private readonly spectrum: Float64Array;
  private readonly rowIn: number[];
  private readonly rowOut: number[];
  private readonly colIn: number[];
  private readonly colOut: number[];

  /** Plans for planes of `height x width`; both must be powers of two >= 2. */
  constructor(
    readonly height: number,
    readonly width: number,
  ) {
    if (!isFftSize(height)) throw new ConfigError('height', height, 'must be a power of two >= 2 for the FFT');
    if (!isFftSize(width)) throw new ConfigError('width', width, 'must be a power of two >= 2 for the FFT');
    this.rowFft = new FFT(width);
    this.colFft = new FFT(height);
    this.spectrum = new Float64Array(2 * height * width);
    this.rowIn = this.rowFft.createComplexArray();
    this.rowOut = this.rowFft.createComplexArray();
    this.colIn = this.colFft.createComplexArray();
    this.colOut = this.colFft.createComplexArray();
  }

  /** Adds |X(fy, fx)|^2 of the orthonormal DFT of `plane` (row-major h x w) into `into` (h x w). */
  accumulate(plane: ArrayLike<number>, into: Float64Array): void {
    const { height: h, width: w, spectrum } = this;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        this.rowIn[2 * x] = plane[y * w + x]!;
        this.rowIn[2 * x + 1] = 0;
      }
      this.rowFft.transform(this.rowOut, this.rowIn);
      for (let k = 0; k < 2 * w; k++) spectrum[2 * y * w + k] = this.rowOut[k]!;
    }
    const scale = 1 / (h * w);
    for (let x = 0; x < w; x++) {
      for (let y = 0; y < h; y++) {
        this.colIn[2 * y] = spectrum[2 * (y * w + x)]!;
        this.colIn[2 * y + 1] = spectrum[2 * (y * w + x) + 1]!;
      }
      this.colFft.transform(this.colOut, this.colIn);
      for (let y = 0; y < h; y++) {
        const re = this.colOut[2 * y]!;
        const im = this.colOut[2 * y + 1]!;
        into[y * w + x]! += (re * re + im * im) * scale;
      }
    }
  }
}
