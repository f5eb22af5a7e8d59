import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '@upshift/core';
import { encodeSafetensors, parseSafetensors, readFloat32, readInt32 } from './safetensors.js';
import { bfloat16ToFloat32, float16ToFloat32 } from './float16.js';

const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const u16 = (values: number[]): Uint8Array => new Uint8Array(new Uint16Array(values).buffer);

function sample(): Uint8Array {
  return encodeSafetensors(
    {
      a: { dtype: 'F32', shape: [2, 2], bytes: f32([1, 2, 3, 4]) },
      b: { dtype: 'F16', shape: [3], bytes: u16([0x3c00, 0xc000, 0x3555]) },
      c: { dtype: 'I32', shape: [2], bytes: new Uint8Array(new Int32Array([7, -9]).buffer) },
    },
    { producer: 'test' },
  );
}

function errorOf(f: () => unknown): ModelLoadError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('parseSafetensors', () => {
  it('round-trips what encodeSafetensors writes (header padded to 8 bytes)', () => {
    const bytes = sample();
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const st = parseSafetensors(bytes, 'x.safetensors');
    expect([...st.tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(st.metadata).toEqual({ producer: 'test' });
    expect(Array.from(readFloat32(st.tensors.get('a')!, st.file))).toEqual([1, 2, 3, 4]);
    expect(Array.from(readFloat32(st.tensors.get('b')!, st.file))).toEqual([1, -2, Math.fround(0.333251953125)]);
    expect(Array.from(readInt32(st.tensors.get('c')!, st.file))).toEqual([7, -9]);
  });

  it('reads from an unaligned view (Node Buffer slices share memory)', () => {
    const bytes = sample();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const st = parseSafetensors(shifted.subarray(3), 'x');
    expect(Array.from(readFloat32(st.tensors.get('a')!, 'x'))).toEqual([1, 2, 3, 4]);
  });

  it('rejects a file shorter than the header size field', () => {
    expect(errorOf(() => parseSafetensors(new Uint8Array(5), 'w.safetensors')).message).toMatch(/w\.safetensors.*truncated/);
  });

  it('rejects a header size beyond the file', () => {
    const bytes = sample().slice(0, 40);
    expect(errorOf(() => parseSafetensors(bytes, 'w.safetensors')).message).toMatch(/header size .* exceeds/);
  });

  it('names the first tensor cut off by truncation', () => {
    const bytes = sample();
    const e = errorOf(() => parseSafetensors(bytes.slice(0, bytes.length - 4), 'w.safetensors'));
    expect(e.file).toBe('w.safetensors');
    expect(e.tensor).toBe('c');
    expect(e.message).toMatch(/truncated/);
  });

  it('rejects invalid JSON, unknown dtypes and offsets that do not match the shape', () => {
    const make = (header: string): Uint8Array => {
      const h = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + h.length + 16);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      return out;
    };
    expect(errorOf(() => parseSafetensors(make('{"a": '), 'f')).message).toMatch(/not valid UTF-8 JSON/);
    expect(errorOf(() => parseSafetensors(make('[1]'), 'f')).message).toMatch(/not a JSON object/);
    const bad = errorOf(() => parseSafetensors(make('{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}'), 'f'));
    expect(bad.tensor).toBe('w');
    expect(bad.message).toMatch(/unsupported dtype "F64"/);
    const span = errorOf(() => parseSafetensors(make('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'), 'f'));
    expect(span.message).toMatch(/span 8 bytes but F32\[3\] needs 12/);
    expect(errorOf(() => parseSafetensors(make('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}'), 'f')).message).toMatch(/bad shape/);
  });
});

describe('float16ToFloat32', () => {
  it('converts normals, subnormals, zeros, infinities and NaN exactly', () => {
    const vals = [0x0000, 0x8000, 0x3c00, 0xbc00, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x4248];
    const out = float16ToFloat32(u16(vals), vals.length);
    expect(Object.is(out[1], -0)).toBe(true);
    expect(Array.from(out.slice(0, 10))).toEqual([0, -0, 1, -1, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity]);
    expect(out[10]).toBeNaN();
    expect(out[11]).toBe(3.140625);
  });

  it('converts bfloat16 as the top half of a float32', () => {
    const out = bfloat16ToFloat32(u16([0x3f80, 0xc040, 0x4049]), 3);
    expect(Array.from(out)).toEqual([1, -3, 3.140625]);
  });
});
