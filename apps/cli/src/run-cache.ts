/**
 * A directory of finished runs for `compare --cache-dir`: each set of images (a policy's run,
 * the noise-band run) is kept as JSON with its float32 image, keyed by a hash of everything that
 * decides its pixels (the full pipeline config, with seed, labels and backend, and the model's
 * config.json but for its recommended sampling, which the config already resolves). A later
 * `compare` with the same key reuses the set instead of sampling it again, so a long comparison
 * survives an interruption and can be run one set at a time (e.g. each under its own `flock`). Files are written atomically (temporary file, rename).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DoneEvent } from '@upshift/core';
import type { RunRecord } from './run-with-progress.js';

/** File format tag and version of a cached run. */
export const RUN_CACHE_FORMAT = { format: 'upshift-compare-run', version: 1 } as const;

/** JSON with object keys sorted at every depth (a stable text for hashing and comparing keys). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What decides a run's pixels. */
export interface RunCacheKey {
  /** The config passed to the pipeline (policy, seed, labels, backend, ...). */
  readonly config: unknown;
  /** sha256 of the model's config.json without its recommended `sampling` (changes when the model is retrained), or its name. */
  readonly model: string;
}

interface CachedRunFile {
  readonly format: string;
  readonly version: number;
  readonly key: RunCacheKey;
  readonly label: string;
  readonly savedAt: string;
  readonly record: Omit<RunRecord, 'done'> & { readonly done: Omit<DoneEvent, 'image'> & { readonly image: { readonly shape: number[]; readonly float32: string } } };
}

/** Finished runs in a directory, by key. */
export interface RunCache {
  readonly dir: string;
  /** The file a key maps to. */
  fileFor(key: RunCacheKey): string;
  /** The cached run, or undefined when there is none (or it is unreadable: `warn` says why). */
  load(key: RunCacheKey, warn?: (message: string) => void): Promise<RunRecord | undefined>;
  save(key: RunCacheKey, label: string, record: RunRecord): Promise<string>;
}

/** A run cache in `dir` (created on the first save). */
export function createRunCache(dir: string): RunCache {
  const fileFor = (key: RunCacheKey): string => join(dir, `run-${createHash('sha256').update(canonicalJson(key)).digest('hex').slice(0, 20)}.json`);
  return {
    dir,
    fileFor,
    async load(key, warn) {
      const file = fileFor(key);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        return undefined;
      }
      try {
        const cached = JSON.parse(text) as CachedRunFile;
        if (cached.format !== RUN_CACHE_FORMAT.format || cached.version !== RUN_CACHE_FORMAT.version) throw new Error(`format ${cached.format} v${cached.version}`);
        if (canonicalJson(cached.key) !== canonicalJson(key)) throw new Error('its key differs (hash collision)');
        const { image, ...done } = cached.record.done;
        const bytes = Buffer.from(image.float32, 'base64');
        const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const shape = image.shape as [number, number, number, number];
        if (shape.length !== 4 || data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error('its image does not match its shape');
        return { ...cached.record, done: { ...done, image: { data, shape } } };
      } catch (e) {
        warn?.(`ignoring the cached run ${file}: ${(e as Error).message}`);
        return undefined;
      }
    },
    async save(key, label, record) {
      const file = fileFor(key);
      const { image, ...done } = record.done;
      const bytes = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
      const body: CachedRunFile = {
        ...RUN_CACHE_FORMAT,
        key,
        label,
        savedAt: new Date().toISOString(),
        record: { ...record, done: { ...done, image: { shape: [...image.shape], float32: bytes.toString('base64') } } },
      };
      await mkdir(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(body)}\n`);
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      return file;
    },
  };
}
