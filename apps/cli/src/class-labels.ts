/**
 * Resolves `--class` into per-image labels: a class name from the model's config
 * (case-insensitive, or an unambiguous prefix such as "anim"), a class index, `all` (one image
 * per class, cycling when the batch is larger; unconditional for a model without classes) or
 * `none` (unconditional).
 */
import { ConfigError } from '@upshift/core';

/** What `--class` selects. */
export type ClassSelection = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'one'; readonly label: number };

/** Parses `--class` against the model's class names. */
export function parseClassOption(raw: string, classes: readonly string[], flag = '--class'): ClassSelection {
  const text = raw.trim();
  const lower = text.toLowerCase();
  // A model without class names (or whose config cannot be read yet) is sampled unconditionally.
  if (lower === 'all') return classes.length === 0 ? { kind: 'none' } : { kind: 'all' };
  if (lower === 'none' || lower === 'null' || lower === 'unconditional') return { kind: 'none' };
  const known = classes.map((c, i) => `${i} "${c}"`).join(', ');
  if (/^\d+$/.test(text)) {
    const label = Number(text);
    if (label >= classes.length) throw new ConfigError(flag, raw, `class index out of range; classes: ${known || '(none)'}`);
    return { kind: 'one', label };
  }
  const exact = classes.findIndex((c) => c.toLowerCase() === lower);
  if (exact >= 0) return { kind: 'one', label: exact };
  const prefixed = classes.flatMap((c, i) => (c.toLowerCase().startsWith(lower) && lower.length > 0 ? [i] : []));
  if (prefixed.length === 1) return { kind: 'one', label: prefixed[0]! };
  throw new ConfigError(flag, raw, `${prefixed.length > 1 ? 'ambiguous' : 'unknown'} class; use a name, an index, "all" or "none"; classes: ${known || '(none)'}`);
}

/** Per-image labels for a batch (`null` = unconditional). */
export function labelsFor(selection: ClassSelection, batch: number, classCount: number): (number | null)[] {
  return Array.from({ length: batch }, (_, i) => (selection.kind === 'all' ? i % classCount : selection.kind === 'one' ? selection.label : null));
}

/** The display name of a label. */
export function className(label: number | null, classes: readonly string[]): string {
  return label === null ? 'unconditional' : (classes[label] ?? `class ${label}`);
}
