/** Reading the event stream for the API (contract section 4: newest first, filtered). */
import type { Redis } from 'ioredis';
import type { EventType, StateEvent } from '../model';
import type { Keys } from './keys';
import { EVENTS_KEPT } from './polls';

export interface EventFilter {
  device?: string;
  type?: EventType;
  /** Only events at or after this time (epoch ms). */
  sinceMs?: number;
  /** @defaultValue 100 */
  limit?: number;
}

/** Entries read per XREVRANGE while filtering, so a selective filter does not read the whole stream. */
const PAGE = 500;

export async function readEvents(
  redis: Redis,
  keys: Keys,
  filter: EventFilter,
): Promise<StateEvent[]> {
  const limit = filter.limit ?? 100;
  const found: StateEvent[] = [];
  let end = '+';
  const start = filter.sinceMs === undefined ? '-' : String(filter.sinceMs);
  for (;;) {
    const page = await redis.xrevrange(keys.events, end, start, 'COUNT', PAGE);
    for (const [id, fields] of page) {
      const event = parseEntry(id, fields);
      if (event && matches(event, filter)) found.push(event);
      if (found.length >= limit) return found;
    }
    if (page.length < PAGE) return found;
    end = `(${page[page.length - 1]?.[0] ?? '-'}`;
  }
}

function parseEntry(id: string, fields: string[]): StateEvent | null {
  const index = fields.indexOf('event');
  const text = index >= 0 ? fields[index + 1] : undefined;
  if (text === undefined) return null;
  return { ...(JSON.parse(text) as Omit<StateEvent, 'id'>), id };
}

function matches(event: StateEvent, filter: EventFilter): boolean {
  if (filter.device !== undefined && event.device !== filter.device) return false;
  if (filter.type !== undefined && event.type !== filter.type) return false;
  return true;
}

/** Appends events to the stream (one round trip) and returns them with their ids. */
export async function appendEvents<T extends Omit<StateEvent, 'id'>>(
  redis: Redis,
  keys: Keys,
  events: readonly T[],
): Promise<Array<T & { id: string }>> {
  if (events.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const event of events) {
    pipeline.xadd(
      keys.events,
      'MAXLEN',
      '~',
      String(EVENTS_KEPT),
      '*',
      'event',
      JSON.stringify(event),
    );
  }
  const results = (await pipeline.exec()) ?? [];
  return events.map((event, i) => ({ ...event, id: String(results[i]?.[1] ?? '') }));
}

/**
 * Appends each trap's event to the stream once, whatever number of attempts its job takes: one
 * script sets the trap's record (`seenTrap`, "s:<stream id>") in the same step as the append, so
 * a worker killed between the two cannot be; a trap with a record keeps it. Returns every event
 * with its stream id and whether the correlator already finished it ("d:<stream id>").
 */
const STORE_TRAPS = `
local out = {}
for i = 2, #KEYS do
  local record = redis.call('GET', KEYS[i])
  if not record then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[i + 1])
    record = 's:' .. id
    redis.call('SET', KEYS[i], record, 'EX', ARGV[2])
  end
  out[i - 1] = record
end
return out`;

export async function storeTrapEvents<T extends Omit<StateEvent, 'id'>>(
  redis: Redis,
  keys: Keys,
  events: readonly T[],
  recordTtlS: number,
): Promise<Array<T & { id: string; finished: boolean }>> {
  if (events.length === 0) return [];
  const records = (await redis.eval(
    STORE_TRAPS,
    events.length + 1,
    keys.events,
    ...events.map((event) => keys.seenTrap(String(event.details.trapId))),
    String(EVENTS_KEPT),
    String(recordTtlS),
    ...events.map((event) => JSON.stringify(event)),
  )) as string[];
  return events.map((event, i) => {
    const record = records[i] ?? 's:';
    return { ...event, id: record.slice(2), finished: record.startsWith('d:') };
  });
}
