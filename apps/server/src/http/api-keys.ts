/**
 * API keys: bearer tokens, stored only as SHA-256 hashes (from an environment variable or a
 * file), so a leaked config does not leak a key. Keys are 256-bit random strings, so a plain
 * SHA-256 is enough (no password-style stretching is needed for high-entropy secrets).
 *
 * Entry format, one per line or comma-separated: `<name>:sha256:<64 hex digits>`; `#` starts a
 * comment in a file. `upshift api-key <name>` prints a new key and its entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@upshift/core';

/** Name of the environment variable with key entries. */
export const API_KEYS_ENV = 'UPSHIFT_API_KEYS';

/** A key's hash and name. */
export interface ApiKeyEntry {
  readonly name: string;
  readonly sha256: string;
}

/** SHA-256 (hex) of a presented key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key and the entry that stores it. */
export function createApiKey(name: string): { readonly key: string; readonly entry: string } {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError('name', name, 'must be 1-64 letters, digits, "_", "." or "-"');
  const key = `upk_${randomBytes(32).toString('base64url')}`;
  return { key, entry: `${name}:sha256:${hashApiKey(key)}` };
}

/** Parses key entries (see the module comment); `source` names where they came from in errors. */
export function parseApiKeys(text: string, source: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const items = text
    .split(/[\n,]/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
  for (const item of items) {
    const m = /^([A-Za-z0-9_.-]{1,64}):sha256:([0-9a-fA-F]{64})$/.exec(item);
    if (!m) throw new ConfigError(source, item.length > 24 ? `${item.slice(0, 24)}...` : item, 'each entry must be "<name>:sha256:<64 hex digits>" (see `upshift api-key`)');
    entries.push({ name: m[1]!, sha256: m[2]!.toLowerCase() });
  }
  return entries;
}

/** Key entries from `UPSHIFT_API_KEYS` and/or a file (none: auth off). */
export function loadApiKeys(options: { readonly env?: string; readonly file?: string }): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  if (options.env !== undefined && options.env.trim() !== '') entries.push(...parseApiKeys(options.env, API_KEYS_ENV));
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError('--api-keys-file', options.file, `cannot be read: ${(error as Error).message}`);
    }
    entries.push(...parseApiKeys(text, '--api-keys-file'));
  }
  return entries;
}

/** Looks presented keys up by hash. */
export class ApiKeyRing {
  private readonly byHash: Map<string, string>;

  constructor(entries: readonly ApiKeyEntry[]) {
    this.byHash = new Map(entries.map((e) => [e.sha256, e.name]));
  }

  /** Whether any key is configured (auth on). */
  get enabled(): boolean {
    return this.byHash.size > 0;
  }

  /** The key's name, or undefined if it is not a known key. */
  verify(key: string): string | undefined {
    return this.byHash.get(hashApiKey(key));
  }
}
