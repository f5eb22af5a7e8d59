/**
 * Helpers for this package's specs and benchmark (not exported from the barrel): an SSE reader
 * over fetch, JSON requests, and waiting for a condition.
 */
import type { RunEvent } from './runs/run-record.js';

/** One parsed SSE message. */
export interface SseMessage {
  readonly id: number;
  readonly type: string;
  readonly event: RunEvent;
}

/** Reads a run's event stream until it ends; calls `onEvent` for each message as it arrives. */
export async function readEvents(url: string, headers: Record<string, string> = {}, onEvent?: (m: SseMessage) => void): Promise<SseMessage[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
  if (res.status !== 200) throw new Error(`events: HTTP ${res.status} ${await res.text()}`);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(': ');
        if (i > 0) fields.set(line.slice(0, i), line.slice(i + 2));
      }
      if (!fields.has('data')) continue;
      const m: SseMessage = { id: Number(fields.get('id')), type: fields.get('event')!, event: JSON.parse(fields.get('data')!) as RunEvent };
      messages.push(m);
      onEvent?.(m);
    }
  }
  return messages;
}

/** A JSON request; returns status and parsed body. */
export async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
