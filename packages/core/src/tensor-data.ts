/**
 * A float32 tensor as plain data: what a checkpoint holds instead of a tensor (no backend
 * memory, safe to keep, to send and to serialise).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ConfigError, describeValue } from './errors.js';

/** A float32 tensor's values (row-major) and shape. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Reads a float32 tensor out as {@link TensorData} (async: WebGPU in Node cannot read
 * synchronously). The tensor is not disposed.
 *
 * @throws ConfigError naming `field` when the tensor is not float32 or already disposed.
 */
export async function readTensorData(t: Tensor, field = 'tensor'): Promise<TensorData> {
  if (t.isDisposed) throw new ConfigError(field, '(disposed tensor)', 'cannot be read: the tensor is disposed');
  if (t.dtype !== 'float32') throw new ConfigError(field, t.dtype, 'must be a float32 tensor');
  const data = (await t.data()) as Float32Array;
  return { shape: [...t.shape], data };
}

/**
 * Checks that `d` is {@link TensorData}: a shape of non-negative integers and a Float32Array of
 * exactly that many values.
 *
 * @throws ConfigError naming `field.shape` or `field.data`.
 */
export function checkTensorData(d: unknown, field = 'tensor'): asserts d is TensorData {
  if (d === null || typeof d !== 'object') throw new ConfigError(field, d, 'must be tensor data { shape, data }');
  const { shape, data } = d as Record<string, unknown>;
  if (!Array.isArray(shape) || !shape.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new ConfigError(`${field}.shape`, shape, 'must be an array of integers >= 0');
  }
  if (!(data instanceof Float32Array)) throw new ConfigError(`${field}.data`, describeValue(data), 'must be a Float32Array');
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (data.length !== size) throw new ConfigError(`${field}.data`, `${data.length} values`, `shape [${shape.join(', ')}] needs ${size}`);
}

/** Makes a float32 tensor from {@link TensorData} (the caller owns it). */
export function tensorFromData<R extends tf.Rank>(d: TensorData, field = 'tensor'): Tensor<R> {
  checkTensorData(d, field);
  return tf.tensor(d.data, [...d.shape], 'float32') as unknown as Tensor<R>;
}
