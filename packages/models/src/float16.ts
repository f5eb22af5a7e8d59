/**
 * IEEE 754 half (F16) and bfloat16 (BF16) to float32, for weights stored in those dtypes.
 */

let halfTable: Float32Array | undefined;

/** All 65536 half values as float32 (256 KiB, built once): one lookup per weight. */
function table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) t[h] = frac === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Converts little-endian F16 bytes (`count` values starting at `bytes[0]`) to float32. */
export function float16ToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const t = table();
  const out = new Float32Array(count);
  for (let i = 0, j = 0; i < count; i++, j += 2) out[i] = t[bytes[j]! | (bytes[j + 1]! << 8)]!;
  return out;
}

/** Converts little-endian BF16 bytes to float32 (BF16 is the top half of a float32). */
export function bfloat16ToFloat32(bytes: Uint8Array, count: number): Float32Array {
  const bits = new Uint32Array(count);
  for (let i = 0, j = 0; i < count; i++, j += 2) bits[i] = ((bytes[j]! | (bytes[j + 1]! << 8)) << 16) >>> 0;
  return new Float32Array(bits.buffer);
}
