/**
 * SWD-vs-data summaries kept in the eval's cache folder between reports: SWD over five draws
 * costs seconds per set, and a chunked evaluation reports many times. A summary is keyed by the
 * set's run key (its config and model) and a fingerprint of the reference draws (archive indices
 * and SWD options), so new draws or another model never reuse a stale number.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SwdDrawSummary } from '@upshift/metrics';
import { canonicalJson } from '../run-cache.js';
import type { RunCacheKey } from '../run-cache.js';
import type { SwdMemo } from './eval-measure.js';
import type { EvalSet } from './eval-sets.js';

/** A memo in `<dir>/swd/`; `keyOf` gives a set's run key, `draws` a fingerprint of the draws per image count. */
export function createSwdMemo(dir: string, keyOf: (set: EvalSet) => RunCacheKey | undefined, draws: (images: number) => unknown): SwdMemo {
  const file = (set: EvalSet): string | undefined => {
    const key = keyOf(set);
    if (!key) return undefined;
    const images = Number(set.config['batch']);
    const hash = createHash('sha256').update(canonicalJson({ key, draws: draws(images), version: 1 })).digest('hex').slice(0, 24);
    return join(dir, 'swd', `swd-${hash}.json`);
  };
  return {
    get(set) {
      const f = file(set);
      if (!f) return undefined;
      try {
        return JSON.parse(readFileSync(f, 'utf8')) as SwdDrawSummary;
      } catch {
        return undefined;
      }
    },
    set(set, summary) {
      const f = file(set);
      if (!f) return;
      mkdirSync(join(dir, 'swd'), { recursive: true });
      writeFileSync(`${f}.${process.pid}.tmp`, JSON.stringify(summary));
      renameSync(`${f}.${process.pid}.tmp`, f);
    },
  };
}
