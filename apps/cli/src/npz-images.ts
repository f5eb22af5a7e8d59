/**
 * Reads images from a NumPy `.npz` archive (a zip of `.npy` files, stored or deflated, as
 * `np.savez_compressed` writes) without native code: the zip central directory, raw inflate
 * from node:zlib, and the `.npy` v1/v2/v3 header. Used for the held-out comparison against the
 * dataset that tools/dataset/build_dataset.py writes (`images` uint8 NHWC, `labels` class per
 * image, `split` 1 = held out, `categories` class names).
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { ConfigError } from '@upshift/core';

/** One array from an `.npy` file. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array | readonly string[];
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

/** Parses one `.npy` file (little-endian u1, i4, i8, f4, f8, fixed-width unicode `<Un`; C order). */
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
    default: {
      // numpy's str arrays: UTF-32LE code points, `n` per item, NUL-padded.
      const width = /^<U(\d+)$/.exec(descr)?.[1];
      if (width !== undefined) {
        const n = Number(width);
        const strings = Array.from({ length: count }, (_, i) => {
          let text = '';
          for (let k = 0; k < n; k++) {
            const cp = body.readUInt32LE((i * n + k) * 4);
            if (cp === 0) break;
            text += String.fromCodePoint(cp);
          }
          return text;
        });
        return { dtype: 'unicode', shape, data: strings };
      }
      throw new ConfigError('npy', name, `unsupported dtype ${descr}`);
    }
  }
}

/** The held-out split of a dataset archive: images in [-1, 1], their class labels and the class names. */
export interface HeldOutPool {
  /** NHWC float32 in [-1, 1]. */
  readonly images: { readonly data: Float32Array; readonly shape: [number, number, number, number] };
  /** Class label of each held-out image. */
  readonly labels: Int32Array;
  /** Index of each held-out image in the archive. */
  readonly archiveIndices: readonly number[];
  /** The archive's class names (`categories.npy`), when it has them. */
  readonly categories?: readonly string[];
}

/**
 * Reads every held-out image (split == 1) of a build_dataset.py archive with its class label.
 *
 * @throws ConfigError naming `--held-out` and the path for a file that cannot be read or is not
 * such an archive (not a zip, a corrupt or truncated one, an entry that is not a readable `.npy`).
 */
export async function readHeldOutPool(path: string): Promise<HeldOutPool> {
  const bad = (reason: string, cause?: unknown): ConfigError => {
    const error = new ConfigError('--held-out', path, reason);
    if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
    return error;
  };
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw bad(code === 'EISDIR' ? 'is a folder, not a dataset archive (.npz)' : `cannot be read (${code ?? (error as Error).message})`, error);
  }
  // The archive's own errors (not a zip, a truncated one, ...) are about --held-out.
  const asHeldOut = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof ConfigError) throw bad(error.field === 'npy' ? `${String(error.value)}: ${error.reason}` : error.reason, error);
      throw bad(`is not a readable dataset archive (${(error as Error).message}); truncated?`, error);
    }
  };
  const entries = asHeldOut(() => unzip(bytes, path));
  const get = (name: string): NpyArray | undefined => {
    const buf = entries.get(name);
    return buf ? asHeldOut(() => parseNpy(buf, name)) : undefined;
  };
  const images = get('images.npy');
  const split = get('split.npy');
  const labels = get('labels.npy');
  if (!images || !split || !labels) throw new ConfigError('--held-out', path, 'must hold images.npy, labels.npy and split.npy (tools/dataset/build_dataset.py)');
  if (images.dtype !== 'uint8' || images.shape.length !== 4) throw new ConfigError('--held-out', path, 'images.npy must be uint8 NHWC');
  const [n, h, w, c] = images.shape as [number, number, number, number];
  if (split.shape[0] !== n || labels.shape[0] !== n || typeof labels.data[0] === 'string') {
    throw new ConfigError('--held-out', path, `split.npy and labels.npy must hold one integer per image (${n})`);
  }
  const categories = get('categories.npy');
  const size = h * w * c;
  const archiveIndices: number[] = [];
  for (let i = 0; i < n; i++) if (Number(split.data[i]) === 1) archiveIndices.push(i);
  if (archiveIndices.length === 0) throw new ConfigError('--held-out', path, 'has no held-out images (split == 1)');
  const pixels = images.data as Uint8Array;
  const data = new Float32Array(archiveIndices.length * size);
  archiveIndices.forEach((src, j) => {
    for (let k = 0; k < size; k++) data[j * size + k] = pixels[src * size + k]! / 127.5 - 1;
  });
  return {
    images: { data, shape: [archiveIndices.length, h, w, c] },
    labels: Int32Array.from(archiveIndices, (i) => Number(labels.data[i])),
    archiveIndices,
    ...(categories && categories.dtype === 'unicode' ? { categories: categories.data as readonly string[] } : {}),
  };
}
