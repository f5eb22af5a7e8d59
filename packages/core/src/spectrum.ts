/**
 * A dataset's radially averaged power spectrum, stored next to a model as JSON and read by
 * the spectral and budget policies and the detail-prior resizer.
 */
export interface PowerSpectrumLevel {
  /** Resolution level (0 = full resolution). */
  readonly level: number;
  /** Side length in pixels at this level. */
  readonly side: number;
  /** Radial frequency bin centres in cycles per pixel *of this level* (0 .. 0.5 * sqrt 2). */
  readonly frequencies: readonly number[];
  /**
   * Mean of E|X(f)|^2 over the bin, X the orthonormal 2D DFT of one mean-removed channel
   * (averaged over channels and images). White noise of std sigma has power sigma^2 at every
   * f, so `power / sigma^2` is a per-frequency SNR; the mean over all frequencies is the
   * per-pixel variance.
   */
  readonly power: readonly number[];
}

/** A power spectrum per level, with what it was computed from. */
export interface PowerSpectrum {
  /** Where it came from (dataset name). */
  readonly source: string;
  /** Down operator used to make the coarser levels. */
  readonly downOperator: string;
  /** Per-pixel variance of the data at level 0 (all channels). */
  readonly pixelVariance: number;
  readonly levels: readonly PowerSpectrumLevel[];
}
