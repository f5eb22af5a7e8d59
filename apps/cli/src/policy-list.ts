/**
 * Parses `--policies none,fixed,budget:{"fraction":0.3}`: comma-separated policy names, each
 * optionally followed by `:` and a JSON object of its options (commas inside the JSON are fine).
 */
import { ConfigError } from '@upshift/core';
import { parseJsonObjectOption } from './option-values.js';

/** One policy to compare. */
export interface PolicySpec {
  readonly policy: string;
  readonly policyOptions?: Record<string, unknown>;
  /** Display label, e.g. `budget {"fraction":0.3}`. */
  readonly label: string;
}

/** Default comparison: no upshift, the seed's fixed threshold, pyramid, spectral, and budget 0.5. */
export const DEFAULT_COMPARE_POLICIES = 'none,fixed,pyramid,spectral,budget:{"fraction":0.5}';

/** Splits on commas outside braces / brackets / strings. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') {
        current += ch + (text[++i] ?? '');
        continue;
      }
      if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

/** Parses the list (throws ConfigError naming `--policies` and the bad item). */
export function parsePolicyList(raw: string, flag = '--policies'): PolicySpec[] {
  const items = splitTopLevel(raw).map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new ConfigError(flag, raw, 'must be a comma-separated list of policy names (name or name:{json options})');
  const specs = items.map((item): PolicySpec => {
    const colon = item.indexOf(':');
    const policy = (colon < 0 ? item : item.slice(0, colon)).trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(policy)) throw new ConfigError(flag, item, 'each item must be a policy name, optionally followed by :{json options}');
    if (colon < 0) return { policy, label: policy };
    const policyOptions = parseJsonObjectOption(`${flag} (${policy})`, item.slice(colon + 1));
    return { policy, policyOptions, label: `${policy} ${JSON.stringify(policyOptions)}` };
  });
  const labels = new Set<string>();
  for (const s of specs) {
    if (labels.has(s.label)) throw new ConfigError(flag, raw, `lists "${s.label}" twice`);
    labels.add(s.label);
  }
  return specs;
}
