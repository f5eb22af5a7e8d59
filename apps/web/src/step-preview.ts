/**
 * Live preview of a run: each `step` event's x0 estimate (`denoised`, at the step's level) drawn
 * on a canvas, nearest-upsampled to the full resolution. The event's tensors are valid only
 * while it is emitted, so the preview clones `denoised` then (a cheap reference-counted copy),
 * reads it asynchronously (no `dataSync`, which would stall a GPU) and disposes the clone; a
 * read that finishes after a later step's is dropped.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { StepProgressEvent } from '@upshift/core';
import { drawImage4D } from './image-pixels.js';

/** Draws step previews on one canvas. */
export class StepPreview {
  private drawn = -1;
  private generation = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Starts a new run: earlier reads still in flight will not draw. */
  reset(): void {
    this.generation++;
    this.drawn = -1;
  }

  /** Call while the event is emitted. */
  show(event: StepProgressEvent): void {
    const copy: Tensor = event.denoised.clone();
    const { index } = event;
    const generation = this.generation;
    const read = copy
      .data()
      .then((data) => {
        if (generation !== this.generation || index <= this.drawn) return;
        this.drawn = index;
        const [n, h, w, c] = copy.shape as [number, number, number, number];
        drawImage4D(this.canvas, { data: data as Float32Array, shape: [n, h, w, c] });
      })
      // A failed read (e.g. a lost GPU) fails the run itself; the preview just skips the frame.
      .catch(() => undefined)
      .finally(() => {
        copy.dispose();
        this.pending.delete(read);
      });
    this.pending.add(read);
  }

  /** Resolves when every clone has been read and disposed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
