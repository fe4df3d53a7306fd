/**
 * Accepted traps into the `events` queue in batches: one job per few milliseconds of traps, so
 * that Redis round trips do not bound throughput. A trap counts as accepted only once its job is
 * in Redis. While Redis is away the batches wait in memory up to `maxBuffered` traps (said once
 * in the log and in `buffered()` for /readyz); beyond that, new traps are dropped and counted.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import type { TrapEvent } from '../model';
import type { EventsJob } from '../queue/jobs';
import type { Queue } from '../queue/queues';
import type { Keys } from '../store/keys';

export interface TrapBatcherOptions {
  queue: Queue<EventsJob>;
  redis: Redis;
  keys: Keys;
  logger: Logger;
  /** @defaultValue 5 ms between flushes */
  flushMs?: number;
  /** @defaultValue 1000 traps per job */
  maxBatch?: number;
  /** @defaultValue 200,000 traps held while Redis is away */
  maxBuffered?: number;
}

export interface TrapCounts {
  accepted: number;
  rejected: number;
  malformed: number;
  dropped: number;
}

export interface TrapBatcher {
  accept(event: TrapEvent): void;
  rejected(): void;
  malformed(): void;
  /** Traps accepted by the receiver but not yet confirmed in Redis. */
  buffered(): number;
  counts(): TrapCounts;
  /** Flushes what is held and waits for it (bounded by `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

const RETRY_MS = 500;
const COUNTER_FLUSH_MS = 250;

export function createTrapBatcher(options: TrapBatcherOptions): TrapBatcher {
  const { queue, redis, keys, logger } = options;
  const flushMs = options.flushMs ?? 5;
  const maxBatch = options.maxBatch ?? 1000;
  const maxBuffered = options.maxBuffered ?? 200_000;
  const totals: TrapCounts = { accepted: 0, rejected: 0, malformed: 0, dropped: 0 };
  /** Counts not yet added to Redis's deployment-wide counters. */
  const unsent: TrapCounts = { accepted: 0, rejected: 0, malformed: 0, dropped: 0 };
  let current: TrapEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let inFlight = 0;
  let outage = false;
  const pending = new Set<Promise<void>>();

  const count = (name: keyof TrapCounts, n = 1): void => {
    totals[name] += n;
    unsent[name] += n;
  };

  const send = async (batch: TrapEvent[]): Promise<void> => {
    for (;;) {
      try {
        // A batch that fails (a group lock held too long, Redis errors) is tried again; applying
        // it twice changes nothing.
        await queue.add(
          'traps',
          { kind: 'traps', traps: batch },
          {
            removeOnComplete: true,
            removeOnFail: 1000,
            attempts: 5,
            backoff: { type: 'exponential', delay: 1000 },
          },
        );
        count('accepted', batch.length);
        if (outage) {
          outage = false;
          logger.info(
            { buffered: inFlight - batch.length },
            'Redis is back: draining buffered traps',
          );
        }
        return;
      } catch (err) {
        if (!outage) {
          outage = true;
          logger.warn({ error: describeError(err) }, 'Redis unavailable: holding traps in memory');
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  };

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (current.length === 0) return;
    // bull's connection queues commands while Redis is away rather than failing them: say so.
    if (redis.status !== 'ready' && !outage) {
      outage = true;
      logger.warn({ buffered: inFlight }, 'Redis unavailable: holding traps in memory');
    }
    const batch = current;
    current = [];
    const job = send(batch).finally(() => {
      inFlight -= batch.length;
      pending.delete(job);
    });
    pending.add(job);
  };

  const flushCounters = async (): Promise<void> => {
    const entries = (Object.keys(unsent) as Array<keyof TrapCounts>).filter((k) => unsent[k] > 0);
    if (entries.length === 0 || redis.status !== 'ready') return;
    const tx = redis.multi();
    const sent = entries.map((name) => [name, unsent[name]] as const);
    for (const [name, n] of sent) tx.hincrby(keys.counters, `traps:${name}`, n);
    for (const [name, n] of sent) unsent[name] -= n;
    await tx.exec().catch(() => {
      for (const [name, n] of sent) unsent[name] += n;
    });
  };
  const counterTimer = setInterval(() => void flushCounters(), COUNTER_FLUSH_MS);

  return {
    accept(event) {
      if (inFlight >= maxBuffered) {
        count('dropped');
        return;
      }
      current.push(event);
      inFlight += 1;
      if (current.length >= maxBatch) flush();
      else timer ??= setTimeout(flush, flushMs);
    },
    rejected: () => count('rejected'),
    malformed: () => count('malformed'),
    buffered: () => inFlight,
    counts: () => ({ ...totals }),
    async close(timeoutMs = 5000) {
      flush();
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise((r) => setTimeout(r, timeoutMs)),
      ]);
      clearInterval(counterTimer);
      await flushCounters();
    },
  };
}
