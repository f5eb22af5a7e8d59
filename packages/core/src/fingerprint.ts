/**
 * Model fingerprints: a SHA-256 over a model's config and weights, so a run checkpoint can say
 * which model it belongs to. Uses WebCrypto (`crypto.subtle`, in Node >= 20 and in browsers'
 * secure contexts), so no hashing code ships with Upshift.
 */
import { UpshiftError } from './errors.js';

/**
 * `"sha256:<hex>"` of the concatenation of `parts` (strings as UTF-8), each prefixed with its
 * byte length so that part boundaries count.
 *
 * @throws UpshiftError when WebCrypto is unavailable (an insecure browser context).
 */
export async function sha256Fingerprint(parts: readonly (string | ArrayBufferView)[]): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new UpshiftError('cannot fingerprint the model: WebCrypto (crypto.subtle) is not available here (insecure context?)');
  const encoder = new TextEncoder();
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
  const total = chunks.reduce((n, c) => n + 8 + c.byteLength, 0);
  const all = new Uint8Array(total);
  const view = new DataView(all.buffer);
  let at = 0;
  for (const c of chunks) {
    view.setBigUint64(at, BigInt(c.byteLength), true);
    all.set(c, at + 8);
    at += 8 + c.byteLength;
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', all));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
