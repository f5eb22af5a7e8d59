/**
 * A Redis a server or worker is started with is tried once, at start, with a short timeout: the
 * service's own connections retry forever (a Redis restart loses nothing), so without this check
 * a wrong URL, a Redis that is not running or a missing password would leave `upshift serve
 * --redis` / `upshift worker` waiting silently forever.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '@upshift/core';

/** How long the start-up check waits for Redis (ms). */
export const REDIS_PROBE_TIMEOUT_MS = 5000;

/**
 * Connects to `url` once (no retries) and sends PING.
 *
 * @throws ConfigError naming `field` and the URL with the reason (refused, timed out, NOAUTH, ...).
 */
export async function probeRedis(url: string, field = 'redis', timeoutMs = REDIS_PROBE_TIMEOUT_MS): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: timeoutMs });
  let last: Error | undefined;
  redis.on('error', (error: Error) => (last = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([redis.connect().then(() => redis.ping()), timeout]);
  } catch (error) {
    const cause = (last as NodeJS.ErrnoException | undefined)?.code ?? (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(field, url, `cannot reach Redis there (${String(cause).split('\n')[0]})`);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
