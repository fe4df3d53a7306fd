/** The correlator's state in Redis: per-group correlation, incidents, trap de-duplication. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { GroupCorrelation, Incident } from '../correlate/engine';
import type { Keys } from './keys';

const LOCK_MS = 10_000;
const LOCK_WAIT_MS = 15_000;
export const LATENCY_SAMPLES_KEPT = 100_000;

export async function loadCorrelations(
  redis: Redis,
  keys: Keys,
  groups: readonly string[],
): Promise<Map<string, GroupCorrelation>> {
  const found = new Map<string, GroupCorrelation>();
  if (groups.length === 0) return found;
  const texts = await redis.mget(groups.map((g) => keys.correlation(g)));
  texts.forEach((text, i) => {
    const group = groups[i];
    if (text !== null && group !== undefined)
      found.set(group, JSON.parse(text) as GroupCorrelation);
  });
  return found;
}

export async function loadIncident(redis: Redis, keys: Keys, id: string): Promise<Incident | null> {
  const text = await redis.get(keys.incident(id));
  return text === null ? null : (JSON.parse(text) as Incident);
}

/** The group's state and its incident in one transaction. */
export async function saveCorrelation(
  redis: Redis,
  keys: Keys,
  group: string,
  state: GroupCorrelation,
  incident: Incident | null,
): Promise<void> {
  const tx = redis.multi().set(keys.correlation(group), JSON.stringify(state));
  if (incident) {
    tx.set(keys.incident(incident.id), JSON.stringify(incident));
    tx.zadd(keys.incidents, Date.parse(incident.openedAt), incident.id);
    if (incident.state === 'open') tx.sadd(keys.openIncidents, incident.id);
    else tx.srem(keys.openIncidents, incident.id);
  }
  await tx.exec();
}

/** Incidents newest first: the open ones, the closed ones, or all. */
export async function readIncidents(
  redis: Redis,
  keys: Keys,
  state: 'open' | 'closed' | 'all',
  limit = 100,
): Promise<Incident[]> {
  const found: Incident[] = [];
  const PAGE = 200;
  for (let offset = 0; found.length < limit; offset += PAGE) {
    const ids = await redis.zrevrange(keys.incidents, offset, offset + PAGE - 1);
    if (ids.length === 0) break;
    const texts = await redis.mget(ids.map((id) => keys.incident(id)));
    for (const text of texts) {
      if (text === null) continue;
      const incident = JSON.parse(text) as Incident;
      if (state === 'all' || incident.state === state) found.push(incident);
      if (found.length >= limit) break;
    }
  }
  return found;
}

/** Runs `work` holding the group's lock, so that two workers never interleave one group. */
export async function withGroupLock<T>(
  redis: Redis,
  keys: Keys,
  group: string,
  work: () => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  const key = keys.correlationLock(group);
  const deadline = Date.now() + LOCK_WAIT_MS;
  while ((await redis.set(key, token, 'PX', LOCK_MS, 'NX')) === null) {
    if (Date.now() > deadline)
      throw new Error(`group ${group} stayed locked for ${LOCK_WAIT_MS} ms`);
    await sleep(5);
  }
  try {
    return await work();
  } finally {
    if ((await redis.get(key)) === token) await redis.del(key);
  }
}

/** How long a trap's record (stored, finished) is kept: far beyond any retry of its job. */
export const TRAP_RECORD_TTL_S = 3600;

/** Marks the traps finished and counts them as processed, in one step. */
export async function finishTraps(
  redis: Redis,
  keys: Keys,
  events: ReadonlyArray<{ id: string; details: Record<string, unknown> }>,
): Promise<void> {
  if (events.length === 0) return;
  const tx = redis.multi();
  for (const event of events)
    tx.set(keys.seenTrap(String(event.details.trapId)), `d:${event.id}`, 'EX', TRAP_RECORD_TTL_S);
  tx.hincrby(keys.counters, 'events-processed:trap', events.length);
  await tx.exec();
}
