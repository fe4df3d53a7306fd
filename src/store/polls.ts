/** Latest poll per device, and the events a new poll brings, kept in Redis. */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Failover, FailoverHistory } from '../health/fleet';
import type { DevicePoll, StateEvent } from '../model';
import type { Keys } from './keys';

/** How many events the stream keeps (approximately: XADD MAXLEN ~). */
export const EVENTS_KEPT = 100_000;

export async function loadPoll(
  redis: Redis,
  keys: Keys,
  device: string,
): Promise<DevicePoll | null> {
  const text = await redis.get(keys.poll(device));
  return text === null ? null : (JSON.parse(text) as DevicePoll);
}

/** Latest polls of the named devices; a device never polled is absent from the map. */
export async function loadPolls(
  redis: Redis,
  keys: Keys,
  devices: readonly string[],
): Promise<Map<string, DevicePoll>> {
  const polls = new Map<string, DevicePoll>();
  if (devices.length === 0) return polls;
  const texts = await redis.mget(devices.map((device) => keys.poll(device)));
  texts.forEach((text, i) => {
    const device = devices[i];
    if (text !== null && device !== undefined) polls.set(device, JSON.parse(text) as DevicePoll);
  });
  return polls;
}

/**
 * Stores the poll and appends its events in one transaction, so neither exists without the
 * other; returns the events with their stream ids.
 */
export async function savePoll(
  redis: Redis,
  keys: Keys,
  poll: DevicePoll,
  events: Omit<StateEvent, 'id'>[],
): Promise<StateEvent[]> {
  const tx = redis.multi().set(keys.poll(poll.device), JSON.stringify(poll));
  for (const event of events) {
    tx.xadd(keys.events, 'MAXLEN', '~', String(EVENTS_KEPT), '*', 'event', JSON.stringify(event));
  }
  tx.hincrby(keys.counters, `polls:${poll.ok ? 'ok' : 'failed'}`, 1);
  for (const event of events) recordFailover(tx, keys, event);
  const results = (await tx.exec()) ?? [];
  // results[0] is the SET; the XADD replies follow, one per event
  return events.map((event, i) => ({ ...event, id: String(results[i + 1]?.[1] ?? '') }));
}

/** Stores a poll patched between polls (by a trap's hint), without events of its own. */
export async function replacePoll(redis: Redis, keys: Keys, poll: DevicePoll): Promise<void> {
  await redis.set(keys.poll(poll.device), JSON.stringify(poll));
}

/** A move of the active leg from one leg to another is a failover (from none is a recovery). */
function recordFailover(tx: ChainableCommander, keys: Keys, event: Omit<StateEvent, 'id'>): void {
  const { group, from, to } = event.details as {
    group?: string;
    from?: string | null;
    to?: string | null;
  };
  if (event.type !== 'active-leg-changed' || !group || !from || !to) return;
  const field = `${event.device}/${group}`;
  const detectionMs =
    typeof event.details.detectionMs === 'number' ? event.details.detectionMs : null;
  tx.hincrby(keys.failovers, field, 1);
  tx.hset(keys.lastFailover, field, JSON.stringify({ at: event.at, from, to, detectionMs }));
}

/** Failover counts and the last failover per `device/group`. */
export async function loadFailovers(redis: Redis, keys: Keys): Promise<FailoverHistory> {
  const [counts, lasts] = await Promise.all([
    redis.hgetall(keys.failovers),
    redis.hgetall(keys.lastFailover),
  ]);
  const history = new Map<string, { count: number; last: Failover | null }>();
  for (const [field, count] of Object.entries(counts)) {
    const last = lasts[field];
    history.set(field, {
      count: Number(count),
      last: last ? (JSON.parse(last) as Failover) : null,
    });
  }
  return history;
}
