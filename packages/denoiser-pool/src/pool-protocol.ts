/**
 * The messages between a pool and its workers: one request union and one reply union, each
 * discriminated on `type` (Comlink `protocol.ts` style), with the protocol version in every
 * request so a worker built from other sources fails loudly instead of misreading a message.
 * Tensors travel as `Float32Array`s whose buffers are transferred (moved, not copied).
 */
import type { DenoiserPoolSpec } from '@upshift/core';

/** Bumped whenever a message's shape changes. */
export const POOL_PROTOCOL_VERSION = 1;

/** Load (or find loaded) the model of `spec`; answered by {@link LoadedReply}. */
export interface LoadRequest {
  readonly type: 'load';
  readonly version: number;
  readonly spec: DenoiserPoolSpec;
}

/** Denoise rows of a batch; answered by {@link DenoisedReply}. */
export interface DenoiseRequest {
  readonly type: 'denoise';
  readonly version: number;
  /** The model (loaded on first sight: a worker that replaced a crashed one starts empty). */
  readonly spec: DenoiserPoolSpec;
  /** NHWC of `data`. */
  readonly shape: readonly [number, number, number, number];
  /** The rows, row-major (transferred). */
  readonly data: Float32Array;
  readonly sigma: number;
  readonly level: number;
  /** One label per row (`null` = unconditional). */
  readonly classLabels: readonly (number | null)[];
  readonly guidance: number;
}

/** Report the worker's tfjs memory; answered by {@link MemoryReply}. */
export interface MemoryRequest {
  readonly type: 'memory';
  readonly version: number;
}

/** Everything a pool sends a worker. */
export type PoolRequest = LoadRequest | DenoiseRequest | MemoryRequest;

/** The model is loaded. */
export interface LoadedReply {
  readonly type: 'loaded';
  readonly workerId: string;
  /** The loaded model's name and channels (checked against the pool's local model). */
  readonly model: string;
  readonly channels: number;
  /** tfjs backend the worker runs. */
  readonly backend: string;
  /** Tensors alive in the worker after loading (the weights). */
  readonly numTensors: number;
}

/** The denoised rows. */
export interface DenoisedReply {
  readonly type: 'denoised';
  readonly workerId: string;
  readonly shape: readonly [number, number, number, number];
  /** The rows' x0 estimates (transferred). */
  readonly data: Float32Array;
  /** Time the worker spent on the call. */
  readonly ms: number;
}

/** A worker's tfjs memory. */
export interface MemoryReply {
  readonly type: 'memory';
  readonly workerId: string;
  readonly backend: string;
  readonly numTensors: number;
  readonly numBytes: number;
  /** Tensors alive right after the worker loaded its (first) model: the weights. */
  readonly modelTensors: number;
  /** Denoise calls the worker has served. */
  readonly calls: number;
}

/** Everything a worker answers. */
export type PoolReply = LoadedReply | DenoisedReply | MemoryReply;

/** Method name under which a worker serves {@link PoolRequest}s. */
export const POOL_METHOD = 'upshift-denoiser-pool';
