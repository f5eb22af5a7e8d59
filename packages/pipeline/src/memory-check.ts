/**
 * Refuses a run whose model calls cannot fit the backend's memory, before the model loads: the
 * model's description estimates the weights and the peak of one forward pass (guidance doubles
 * the batch), the backend says what it holds (the wasm heap, the machine's memory, a GPU
 * buffer limit). A batch of 4096 would otherwise crash wasm mid-run ("memory access out of
 * bounds") with nothing useful said.
 */
import { ConfigError } from '@upshift/core';
import type { BackendMemoryLimit, DenoiserDescription, Resolution } from '@upshift/core';

/** Bytes as a short human-readable size (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** What {@link checkRunMemory} needs to know about the run. */
export interface RunMemoryInput {
  readonly backend: string;
  readonly limit: BackendMemoryLimit | undefined;
  readonly described: DenoiserDescription | undefined;
  readonly resolution: Resolution;
  /** Images in the run. */
  readonly batch: number;
  /** Whether each call runs the conditional and unconditional halves together (2 x batch). */
  readonly guided: boolean;
}

/** Whether one image of `resolution` fits `limit` (the total, and the largest-tensor limit). */
function oneImageFits(resolution: Resolution, limit: BackendMemoryLimit, described: DenoiserDescription, per: number): boolean {
  const { height, width } = resolution;
  if (limit.totalBytes !== undefined && (described.weightBytes ?? 0) + described.forwardBytes!(height, width, per, 0) > limit.totalBytes) return false;
  return !(limit.maxTensorBytes !== undefined && described.largestTensorBytes !== undefined && described.largestTensorBytes(height, width, per) > limit.maxTensorBytes);
}

/** The largest square side (a multiple of the model's side multiple) one image of which fits, or 0. */
function largestSquare(limit: BackendMemoryLimit, described: DenoiserDescription, per: number): number {
  const m = described.sideMultiple ?? 1;
  let lo = 0;
  let hi = 1;
  while (oneImageFits({ height: hi * m, width: hi * m }, limit, described, per) && hi < 1 << 20) hi *= 2;
  // squareFits(lo * m) holds (or lo = 0), squareFits(hi * m) does not.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (oneImageFits({ height: mid * m, width: mid * m }, limit, described, per)) lo = mid;
    else hi = mid;
  }
  return lo * m;
}

/**
 * Throws ConfigError on `batch` (with the estimate, the limit and how many images fit) when one
 * full-resolution model call cannot fit, or on `resolution` (with the largest square that fits)
 * when not even one image of that size can; does nothing when the model or the backend cannot say.
 */
export function checkRunMemory(input: RunMemoryInput): void {
  const { limit, described, resolution, batch, guided, backend } = input;
  if (limit === undefined || described?.forwardBytes === undefined) return;
  const { height, width } = resolution;
  const per = guided ? 2 : 1;
  const weights = described.weightBytes ?? 0;
  const perImage = described.forwardBytes(height, width, per, 0);
  const size = `${height}x${width}${guided ? ' with guidance' : ''}`;
  if (!oneImageFits(resolution, limit, described, per)) {
    const side = largestSquare(limit, described, per);
    throw new ConfigError(
      'resolution',
      `${height}x${width}`,
      `one image at ${size} needs about ${formatBytes(weights + perImage)} in one model call, more than the ${backend} backend can hold: ` +
        `${formatBytes(limit.totalBytes ?? limit.maxTensorBytes ?? 0)}, ${limit.what}; ${side > 0 ? `the largest square that fits is ${side}x${side}` : 'not even the smallest size fits'}`,
    );
  }
  if (limit.totalBytes !== undefined) {
    const need = weights + described.forwardBytes(height, width, batch * per, 0);
    if (need > limit.totalBytes) {
      const fit = Math.max(0, Math.floor((limit.totalBytes - weights) / perImage));
      throw new ConfigError(
        'batch',
        batch,
        `one model call at ${size} needs about ${formatBytes(need)} (${formatBytes(weights)} of weights + ${formatBytes(perImage)} per image), ` +
          `more than the ${backend} backend can hold: ${formatBytes(limit.totalBytes)}, ${limit.what}; at most ${fit} image${fit === 1 ? '' : 's'} fit at ${size}`,
      );
    }
  }
  if (limit.maxTensorBytes !== undefined && described.largestTensorBytes !== undefined) {
    const largest = described.largestTensorBytes(height, width, batch * per);
    if (largest > limit.maxTensorBytes) {
      const fit = Math.max(0, Math.floor(limit.maxTensorBytes / described.largestTensorBytes(height, width, per)));
      throw new ConfigError(
        'batch',
        batch,
        `one model call at ${size} makes a ${formatBytes(largest)} tensor, more than the ${backend} backend allows for one: ${formatBytes(limit.maxTensorBytes)}, ${limit.what}; at most ${fit} image${fit === 1 ? '' : 's'} fit at ${size}`,
      );
    }
  }
}
