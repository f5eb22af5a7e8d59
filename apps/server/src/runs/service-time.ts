/**
 * How long one full-resolution run takes here (ms): an exponentially weighted mean of finished
 * runs' step time divided by their FLOP fraction. The load-aware budget predicts with it.
 */

/** See the module comment. */
export class ServiceTime {
  private value: number | undefined;

  /** @param smoothing weight of the newest run (default 0.3); `initial` a prior in ms. */
  constructor(
    private readonly smoothing = 0.3,
    initial?: number,
  ) {
    this.value = initial;
  }

  /** The estimate, or undefined before any run finished (and without a prior). */
  get msPerRun(): number | undefined {
    return this.value;
  }

  /** Records a finished run: its step time and FLOP fraction. */
  observe(serviceMs: number, flopFraction: number): void {
    if (!(flopFraction > 0 && serviceMs > 0)) return;
    const sample = serviceMs / flopFraction;
    this.value = this.value === undefined ? sample : this.smoothing * sample + (1 - this.smoothing) * this.value;
  }
}
