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
