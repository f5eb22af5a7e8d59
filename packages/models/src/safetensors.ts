/**
 * A small reader for the safetensors format (Hugging Face): 8-byte little-endian header size N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`,
 * then the raw little-endian tensor data (offsets relative to the end of the header).
 * Everything is checked before any tensor is read, and every error is a ModelLoadError naming
 * the file and, where there is one, the tensor.
 */
import { ModelLoadError } from '@upshift/core';
import { bfloat16ToFloat32, float16ToFloat32 } from './float16.js';

/** Dtypes this reader understands, with their size in bytes. */
export const SAFETENSORS_DTYPE_BYTES = { F16: 2, BF16: 2, F32: 4, I32: 4 } as const;

/** A dtype this reader understands. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** One tensor of a safetensors file: its header entry and a view of its bytes. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** The tensor's raw bytes (a view into the file buffer). */
  readonly bytes: Uint8Array;
}

/** A parsed safetensors file. Tensors keep the header's order. */
export interface SafetensorsFile {
  /** Name used in errors (path or URL). */
  readonly file: string;
  /** The `__metadata__` strings, if any. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, d);
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  // Always a plain Uint8Array view: a Node Buffer's slice() would not copy.
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/**
 * Parses and validates a safetensors buffer: header size and JSON, every entry's dtype, shape
 * and offsets, sizes that match the shapes, and a data section that holds them all (a
 * truncated file fails here, naming the first tensor that is cut off).
 */
export function parseSafetensors(data: ArrayBuffer | ArrayBufferView, file: string): SafetensorsFile {
  const bytes = toBytes(data);
  if (bytes.byteLength < 8) throw new ModelLoadError(file, `truncated: ${bytes.byteLength} bytes, not even the 8-byte header size`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getBigUint64(0, true);
  if (headerSize > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) {
    throw new ModelLoadError(file, `header size ${headerSize} exceeds the file (${bytes.byteLength} bytes): truncated or not safetensors`);
  }
  const n = Number(headerSize);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new ModelLoadError(file, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ModelLoadError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataBytes = bytes.byteLength - dataStart;
  let metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null) throw new ModelLoadError(file, '__metadata__ is not an object');
      metadata = Object.fromEntries(Object.entries(info).map(([k, v]) => [k, String(v)]));
      continue;
    }
    if (typeof info !== 'object' || info === null) throw new ModelLoadError(file, 'header entry is not an object', name);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (!isDtype(dtype)) {
      throw new ModelLoadError(file, `unsupported dtype ${JSON.stringify(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`, name);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ModelLoadError(file, `bad shape ${JSON.stringify(shape)}`, name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new ModelLoadError(file, `bad data_offsets ${JSON.stringify(offsets)}`, name);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      throw new ModelLoadError(file, `data_offsets span ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`, name);
    }
    if (end > dataBytes) {
      throw new ModelLoadError(file, `truncated: tensor data ends at byte ${dataStart + end} but the file has ${bytes.byteLength}`, name);
    }
    tensors.set(name, { name, dtype, shape: shape as number[], bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { file, metadata, tensors };
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Reads a float tensor (F16, BF16 or F32) as float32 (a fresh array). */
export function readFloat32(entry: SafetensorsEntry, file: string): Float32Array {
  const count = sizeOf(entry.shape);
  switch (entry.dtype) {
    case 'F16':
      return float16ToFloat32(entry.bytes, count);
    case 'BF16':
      return bfloat16ToFloat32(entry.bytes, count);
    case 'F32':
      // Copy: the view may not be 4-byte aligned within the file buffer.
      return new Float32Array(new Uint8Array(entry.bytes).buffer, 0, count);
    default:
      throw new ModelLoadError(file, `expected a float tensor, got ${entry.dtype}`, entry.name);
  }
}

/**
 * Index of the first NaN or infinite value of a float tensor, or -1 when every value is
 * finite. Reads the exponent bits in place (all ones = Inf or NaN), so no copy is made.
 */
export function firstNonFinite(entry: SafetensorsEntry): number {
  const b = entry.bytes;
  const count = sizeOf(entry.shape);
  // Little-endian: the exponent sits in the highest byte(s) of each value.
  switch (entry.dtype) {
    case 'F16':
      for (let i = 0; i < count; i++) if ((b[2 * i + 1]! & 0x7c) === 0x7c) return i;
      return -1;
    case 'BF16':
      for (let i = 0; i < count; i++) if ((b[2 * i + 1]! & 0x7f) === 0x7f && (b[2 * i]! & 0x80) === 0x80) return i;
      return -1;
    case 'F32':
      for (let i = 0; i < count; i++) if ((b[4 * i + 3]! & 0x7f) === 0x7f && (b[4 * i + 2]! & 0x80) === 0x80) return i;
      return -1;
    default:
      return -1;
  }
}

/** Reads an I32 tensor (a fresh array). */
export function readInt32(entry: SafetensorsEntry, file: string): Int32Array {
  if (entry.dtype !== 'I32') throw new ModelLoadError(file, `expected I32, got ${entry.dtype}`, entry.name);
  return new Int32Array(new Uint8Array(entry.bytes).buffer, 0, sizeOf(entry.shape));
}

/** A tensor to write with {@link encodeSafetensors}: raw little-endian bytes of its dtype. */
export interface SafetensorsInput {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Writes a safetensors file (tensors in name order, header padded to 8 bytes, like
 * tools/train/common.py). Used by tests and the benchmark to make model files.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafetensorsInput> | Readonly<Record<string, SafetensorsInput>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  if (metadata) header['__metadata__'] = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}
