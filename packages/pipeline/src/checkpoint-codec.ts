/**
 * Run checkpoints on the wire, in two forms:
 *
 * - **binary** (`encodeCheckpoint`): `"UPSHCKPT"` (8 bytes), the header length (uint32 LE), the
 *   header (UTF-8 JSON: the checkpoint with each tensor as `{ shape, dtype: "float32", offset }`),
 *   zero padding to a multiple of 4 bytes, then the tensors' float32 values (little-endian) at
 *   their byte `offset`s. A 1x64x64x3 latent is 48 KB of data plus ~2 KB of header (the
 *   safetensors idea: a JSON header and raw little-endian data).
 * - **JSON** (`checkpointToJson`): the same header with each tensor as
 *   `{ shape, dtype: "float32", base64 }` (4/3 the size), for JSON-only channels.
 *
 * `decodeCheckpoint` reads either (bytes, JSON text or the parsed object) and validates it (see
 * `validateCheckpoint`): a truncated, corrupt, other-version or mismatched checkpoint is a
 * `CheckpointError` naming the field and the value.
 */
import { CHECKPOINT_VERSION, CheckpointError } from '@upshift/core';
import type { RunCheckpoint, SamplerStateData, TensorData } from '@upshift/core';
import { checkpointField, validateCheckpoint } from './checkpoint-validation.js';
import type { CheckpointExpectations } from './checkpoint-validation.js';

/** The 8 bytes a binary checkpoint starts with. */
export const CHECKPOINT_MAGIC = 'UPSHCKPT';

/** A tensor in the JSON form. */
export interface TensorJson {
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  /** The float32 values, little-endian, base64. */
  readonly base64: string;
}

/** A checkpoint in its JSON form (`JSON.stringify`-able; tensors as base64). */
export type CheckpointJson = Omit<RunCheckpoint, 'latent' | 'denoised' | 'sampler'> & {
  readonly latent: Omit<RunCheckpoint['latent'], 'x'> & { readonly x: TensorJson };
  readonly denoised: TensorJson | null;
  readonly sampler: SamplerStateJson;
};

/** A sampler state in the JSON form. */
export type SamplerStateJson = Omit<SamplerStateData, 'tensors' | 'inner'> & {
  readonly tensors: Readonly<Record<string, TensorJson>>;
  readonly inner?: SamplerStateJson;
};

const HEADER_AT = 12;

/** The places a checkpoint holds tensors, as [path, get, set] over a plain object. */
function tensorSlots(cp: Record<string, unknown>): { path: (string | number)[]; value: unknown; set: (v: unknown) => void }[] {
  const slots: { path: (string | number)[]; value: unknown; set: (v: unknown) => void }[] = [];
  const latent = cp['latent'];
  if (latent !== null && typeof latent === 'object') {
    const l = latent as Record<string, unknown>;
    slots.push({ path: ['latent', 'x'], value: l['x'], set: (v) => (l['x'] = v) });
  }
  if (cp['denoised'] !== null && cp['denoised'] !== undefined) slots.push({ path: ['denoised'], value: cp['denoised'], set: (v) => (cp['denoised'] = v) });
  // The sampler's tensors, and those of the samplers it wraps (`inner`).
  const path: (string | number)[] = ['sampler'];
  for (let sampler = cp['sampler']; sampler !== null && typeof sampler === 'object'; sampler = (sampler as Record<string, unknown>)['inner'], path.push('inner')) {
    const tensors = (sampler as Record<string, unknown>)['tensors'];
    if (tensors !== null && typeof tensors === 'object' && !Array.isArray(tensors)) {
      const t = tensors as Record<string, unknown>;
      for (const key of Object.keys(t)) slots.push({ path: [...path, 'tensors', key], value: t[key], set: (v) => (t[key] = v) });
    }
  }
  return slots;
}

/** A copy of a sampler state's containers (and its inner states'), so tensor slots can be replaced. */
function copySampler(sampler: unknown): unknown {
  if (sampler === null || typeof sampler !== 'object') return sampler;
  const s = { ...(sampler as Record<string, unknown>) };
  if (s['tensors'] !== null && typeof s['tensors'] === 'object') s['tensors'] = { ...(s['tensors'] as object) };
  if (s['inner'] !== undefined) s['inner'] = copySampler(s['inner']);
  return s;
}

/** A shallow-enough copy of the checkpoint's containers so tensor slots can be replaced. */
function copyContainers(cp: RunCheckpoint | Record<string, unknown>): Record<string, unknown> {
  const c = { ...(cp as Record<string, unknown>) };
  if (c['latent'] !== null && typeof c['latent'] === 'object') c['latent'] = { ...(c['latent'] as object) };
  c['sampler'] = copySampler(c['sampler']);
  return c;
}

function float32LittleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

function readFloat32LittleEndian(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string, path: (string | number)[]): Uint8Array {
  let s: string;
  try {
    s = atob(text);
  } catch {
    throw new CheckpointError(checkpointField([...path, 'base64']), `${text.slice(0, 16)}...`, 'is not valid base64');
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function elementCount(shape: unknown, path: (string | number)[]): number {
  if (!Array.isArray(shape) || !shape.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new CheckpointError(checkpointField([...path, 'shape']), shape, 'must be an array of integers >= 0');
  }
  return shape.reduce((a: number, b: number) => a * b, 1);
}

function checkDtype(ref: Record<string, unknown>, path: (string | number)[]): void {
  if (ref['dtype'] !== 'float32') throw new CheckpointError(checkpointField([...path, 'dtype']), ref['dtype'], 'must be "float32"');
}

/**
 * Encodes a checkpoint in the compact binary form (see the file comment). Does not validate it:
 * a checkpoint from `pipeline.run` is valid.
 */
export function encodeCheckpoint(cp: RunCheckpoint): Uint8Array {
  const header = copyContainers(cp);
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const slot of tensorSlots(header)) {
    const t = slot.value as TensorData;
    slot.set({ shape: [...t.shape], dtype: 'float32', offset });
    const bytes = float32LittleEndian(t.data);
    blobs.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataAt = Math.ceil((HEADER_AT + json.length) / 4) * 4;
  const out = new Uint8Array(dataAt + offset);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, HEADER_AT);
  let at = dataAt;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** The checkpoint in its JSON form (tensors as base64), ready for `JSON.stringify`. */
export function checkpointToJson(cp: RunCheckpoint): CheckpointJson {
  const json = copyContainers(cp);
  for (const slot of tensorSlots(json)) {
    const t = slot.value as TensorData;
    slot.set({ shape: [...t.shape], dtype: 'float32', base64: toBase64(float32LittleEndian(t.data)) });
  }
  return json as unknown as CheckpointJson;
}

function isBytes(input: unknown): input is Uint8Array | ArrayBuffer {
  return input instanceof Uint8Array || input instanceof ArrayBuffer;
}

function parseHeaderJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError('checkpoint', `${what} of ${text.length} characters`, `is not valid JSON (${(error as Error).message}); truncated?`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CheckpointError('checkpoint', value, 'must be a JSON object');
  return value as Record<string, unknown>;
}

function checkVersion(header: Record<string, unknown>): void {
  const v = header['version'];
  if (v !== CHECKPOINT_VERSION) throw new CheckpointError('checkpoint.version', v, `this build reads checkpoint version ${CHECKPOINT_VERSION} only`);
}

function fromBinary(input: Uint8Array | ArrayBuffer): Record<string, unknown> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < HEADER_AT) throw new CheckpointError('checkpoint', `${bytes.length} bytes`, `is truncated: a binary checkpoint has at least ${HEADER_AT} bytes`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CHECKPOINT_MAGIC) throw new CheckpointError('checkpoint', `starts with ${JSON.stringify(magic)}`, `is not a binary Upshift checkpoint (expected "${CHECKPOINT_MAGIC}")`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (HEADER_AT + headerLength > bytes.length) {
    throw new CheckpointError('checkpoint', `${bytes.length} bytes`, `is truncated: the header alone needs ${HEADER_AT + headerLength}`);
  }
  const header = parseHeaderJson(new TextDecoder().decode(bytes.subarray(HEADER_AT, HEADER_AT + headerLength)), 'a header');
  checkVersion(header);
  const dataAt = Math.ceil((HEADER_AT + headerLength) / 4) * 4;
  const available = Math.max(0, bytes.length - dataAt);
  let expectedEnd = 0;
  for (const slot of tensorSlots(header)) {
    const ref = slot.value;
    if (ref === null || typeof ref !== 'object') throw new CheckpointError(checkpointField(slot.path), ref, 'must be a tensor { shape, dtype, offset }');
    const r = ref as Record<string, unknown>;
    checkDtype(r, slot.path);
    const count = elementCount(r['shape'], slot.path);
    const offset = r['offset'];
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset % 4 !== 0) {
      throw new CheckpointError(checkpointField([...slot.path, 'offset']), offset, 'must be an integer byte offset >= 0, a multiple of 4');
    }
    const end = offset + count * 4;
    if (end > available) {
      throw new CheckpointError(checkpointField(slot.path), `bytes ${offset}..${end} of the data`, `the checkpoint is truncated: its data section has ${available} bytes`);
    }
    expectedEnd = Math.max(expectedEnd, end);
    slot.set({ shape: r['shape'], data: readFloat32LittleEndian(bytes, dataAt + offset, count) });
  }
  if (available > expectedEnd) throw new CheckpointError('checkpoint', `${bytes.length} bytes`, `has ${available - expectedEnd} unexpected bytes after its data (corrupt?)`);
  return header;
}

function fromJson(input: Record<string, unknown>): Record<string, unknown> {
  checkVersion(input);
  const cp = copyContainers(input);
  for (const slot of tensorSlots(cp)) {
    const ref = slot.value;
    if (ref === null || typeof ref !== 'object') throw new CheckpointError(checkpointField(slot.path), ref, 'must be a tensor { shape, dtype, base64 }');
    const r = ref as Record<string, unknown>;
    if (r['data'] instanceof Float32Array) continue; // already in memory form
    checkDtype(r, slot.path);
    const count = elementCount(r['shape'], slot.path);
    if (typeof r['base64'] !== 'string') throw new CheckpointError(checkpointField([...slot.path, 'base64']), r['base64'], 'must be a base64 string');
    const bytes = fromBase64(r['base64'], slot.path);
    if (bytes.length !== count * 4) {
      throw new CheckpointError(checkpointField([...slot.path, 'base64']), `${bytes.length} bytes`, `shape [${(r['shape'] as number[]).join(', ')}] needs ${count * 4} (truncated?)`);
    }
    slot.set({ shape: r['shape'], data: readFloat32LittleEndian(bytes, 0, count) });
  }
  return cp;
}

/**
 * Reads a checkpoint from its binary form (`Uint8Array` / `ArrayBuffer`), its JSON text, or the
 * parsed JSON object (a `RunCheckpoint` in memory is accepted too), validates it and checks it
 * against `expectations`.
 *
 * @throws CheckpointError naming the field and the value: not a checkpoint, truncated, another
 *   version, a malformed field, a wrong shape, another model, a config that does not match.
 */
export function decodeCheckpoint(input: Uint8Array | ArrayBuffer | string | object, expectations: CheckpointExpectations = {}): RunCheckpoint {
  let plain: Record<string, unknown>;
  if (isBytes(input)) plain = fromBinary(input);
  else if (typeof input === 'string') plain = fromJson(parseHeaderJson(input, 'JSON text'));
  else if (input !== null && typeof input === 'object' && !Array.isArray(input)) plain = fromJson(input as Record<string, unknown>);
  else throw new CheckpointError('checkpoint', input, 'must be bytes, JSON text or a checkpoint object');
  return validateCheckpoint(plain, expectations);
}
