/** Redis connections: one place that sets how nicwatch connects and reconnects. */
import IORedis, { type Redis, type RedisOptions } from 'ioredis';

/** Reconnect quickly and keep trying: an outage must not need a restart. */
const RETRY_CAP_MS = 2000;

export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new IORedis(url, {
    retryStrategy: (attempt) => Math.min(attempt * 200, RETRY_CAP_MS),
    // A request during an outage fails after a few reconnect attempts instead of waiting forever,
    // so the API answers 503 rather than hanging.
    maxRetriesPerRequest: 2,
    enableReadyCheck: true,
    lazyConnect: false,
    ...options,
  });
  // Without a listener ioredis prints every failed reconnect as an unhandled error.
  redis.on('error', () => undefined);
  return redis;
}

/** True when Redis answers PING within `timeoutMs`. */
export async function redisAnswers(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((reply) => reply === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Deletes every key under `prefix:` (SCAN, not KEYS: a shared Redis keeps serving meanwhile). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
