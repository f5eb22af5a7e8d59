/**
 * Reads images from a NumPy `.npz` archive (a zip of `.npy` files, stored or deflated, as
 * `np.savez_compressed` writes) without native code: the zip central directory, raw inflate
 * from node:zlib, and the `.npy` v1/v2/v3 header. Used for the optional held-out comparison
 * against the dataset that tools/dataset/build_dataset.py writes (`images` uint8 NHWC,
 * `split` 1 = held out).
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ConfigError } from '@upshift/core';

/** One array from an `.npy` file. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array;
}

/** Entries of a zip archive by name (decompressed). */
export function unzip(buf: Buffer, file = 'archive'): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new ConfigError('npz', file, 'is not a zip archive (no end of central directory)');
  let count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  while (count-- > 0) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) throw new ConfigError('npz', file, 'has a corrupt central directory');
    const method = buf.readUInt16LE(offset + 10);
    let compSize = buf.readUInt32LE(offset + 20);
    const nameLen = buf.readUInt16LE(offset + 28);
    const extraLen = buf.readUInt16LE(offset + 30);
    const commentLen = buf.readUInt16LE(offset + 32);
    let local = buf.readUInt32LE(offset + 42);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLen);
    // zip64: sizes / offsets of 0xffffffff live in the extra field (numpy writes zip64 for big arrays).
    let e = offset + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = buf.readUInt16LE(e);
      const size = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let p = e + 4;
        if (buf.readUInt32LE(offset + 24) === 0xffffffff) p += 8;
        if (compSize === 0xffffffff) {
          compSize = Number(buf.readBigUInt64LE(p));
          p += 8;
        }
        if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(p));
      }
      e += 4 + size;
    }
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + compSize);
    if (method === 0) out.set(name, raw);
    else if (method === 8) out.set(name, inflateRawSync(raw));
    else throw new ConfigError('npz', file, `entry ${name} uses unsupported compression ${method}`);
    offset += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Parses one `.npy` file (little-endian u1, i4, i8, f4, f8; C order). */
export function parseNpy(buf: Buffer, name = 'array'): NpyArray {
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new ConfigError('npy', name, 'missing the NUMPY magic');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined || fortran) throw new ConfigError('npy', name, `unsupported header ${header.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const body = buf.subarray(start + headerLen);
  const count = shape.reduce((a, b) => a * b, 1);
  const aligned = (bytes: number): ArrayBuffer => body.buffer.slice(body.byteOffset, body.byteOffset + count * bytes) as ArrayBuffer;
  switch (descr) {
    case '|u1':
    case '<u1':
      return { dtype: 'uint8', shape, data: new Uint8Array(aligned(1)) };
    case '<i4':
      return { dtype: 'int32', shape, data: new Int32Array(aligned(4)) };
    case '<i8':
      return { dtype: 'int64', shape, data: new BigInt64Array(aligned(8)) };
    case '<f4':
      return { dtype: 'float32', shape, data: new Float32Array(aligned(4)) };
    case '<f8':
      return { dtype: 'float64', shape, data: new Float64Array(aligned(8)) };
    default:
      throw new ConfigError('npy', name, `unsupported dtype ${descr}`);
  }
}

/** Held-out images (split == 1) of a build_dataset.py archive, scaled to [-1, 1]; at most `limit`, in file order. */
export async function readHeldOutImages(path: string, limit: number): Promise<{ data: Float32Array; shape: [number, number, number, number] }> {
  const entries = unzip(await readFile(path), path);
  const imagesBuf = entries.get('images.npy');
  const splitBuf = entries.get('split.npy');
  if (!imagesBuf || !splitBuf) throw new ConfigError('--held-out', path, 'must hold images.npy and split.npy (tools/dataset/build_dataset.py)');
  const images = parseNpy(imagesBuf, 'images.npy');
  const split = parseNpy(splitBuf, 'split.npy');
  if (images.dtype !== 'uint8' || images.shape.length !== 4) throw new ConfigError('--held-out', path, 'images.npy must be uint8 NHWC');
  const [n, h, w, c] = images.shape as [number, number, number, number];
  const size = h * w * c;
  const picked: number[] = [];
  for (let i = 0; i < n && picked.length < limit; i++) if (Number(split.data[i]) === 1) picked.push(i);
  const data = new Float32Array(picked.length * size);
  picked.forEach((src, j) => {
    for (let k = 0; k < size; k++) data[j * size + k] = images.data[src * size + k]! as number / 127.5 - 1;
  });
  return { data, shape: [picked.length, h, w, c] };
}
