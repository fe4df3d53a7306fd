/**
 * bull queues on ioredis connections, every name and key under `redis.prefix` (contract section 7).
 * The only module besides src/store/ that talks to Redis.
 */
import Bull from 'bull';
import type { Redis } from 'ioredis';
import { connectRedis } from '../store/redis';

export type Queue<T> = Bull.Queue<T>;
export type Job<T> = Bull.Job<T>;

export interface QueueFactory {
  open<T>(name: string): Queue<T>;
  /** Closes every queue opened here and the connections they share. */
  close(): Promise<void>;
}

/**
 * Queues sharing one command connection and one subscriber; bull needs a connection of its own
 * for each blocking worker (`bclient`).
 */
export function queueFactory(url: string, prefix: string): QueueFactory {
  const queues: Queue<unknown>[] = [];
  const owned: Redis[] = [];
  const connect = (): Redis => {
    // bull's own requirement for its connections: no per-request retry cap, no ready check
    const redis = connectRedis(url, { enableReadyCheck: false, maxRetriesPerRequest: null });
    owned.push(redis);
    return redis;
  };
  let client: Redis | null = null;
  let subscriber: Redis | null = null;
  const createClient = (type: 'client' | 'subscriber' | 'bclient'): Redis => {
    if (type === 'client') return (client ??= connect());
    if (type === 'subscriber') return (subscriber ??= connect());
    return connect();
  };
  return {
    open<T>(name: string): Queue<T> {
      const queue = new Bull<T>(name, {
        prefix,
        createClient,
        // A dead worker's jobs go back to wait once their lock lapsed and a stalled check saw
        // them twice: ~10-20 s, not bull's default minute (lockDuration and stalledInterval 30 s).
        settings: { lockDuration: 10_000, stalledInterval: 5_000 },
      });
      // Queues emit a connection error on every failed reconnect; the store's readiness says it once.
      queue.on('error', () => undefined);
      queues.push(queue as Queue<unknown>);
      return queue;
    },
    async close(): Promise<void> {
      await Promise.allSettled(queues.map((queue) => queue.close()));
      owned.forEach((redis) => redis.disconnect());
    },
  };
}
