/** What the API reads, all from Redis: nothing polls a device at request time. */
import type { Redis } from 'ioredis';
import type { NicwatchConfig } from '../config/schema';
import { buildFleetHealth, type FleetHealth } from '../health/fleet';
import type { DevicePoll, StateEvent } from '../model';
import type { QueueFactory } from '../queue/queues';
import type { Incident } from '../correlate/engine';
import { loadCorrelations, readIncidents } from '../store/correlation';
import { readEvents, type EventFilter } from '../store/events';
import type { Keys } from '../store/keys';
import { loadFailovers, loadPolls } from '../store/polls';
import { redisAnswers } from '../store/redis';

export interface ApiState {
  config: NicwatchConfig;
  fleet(): Promise<FleetHealth>;
  polls(): Promise<Map<string, DevicePoll>>;
  events(filter: EventFilter): Promise<StateEvent[]>;
  ready(): Promise<boolean>;
  /** Traps this process holds in memory because Redis is away; undefined without the traps role. */
  trapsBuffered?: () => number;
  incidents(state: 'open' | 'closed' | 'all', limit: number): Promise<Incident[]>;
  /** Deployment-wide counters kept in Redis (`polls:ok`, `traps:accepted`, ...). */
  counters(): Promise<Record<string, number>>;
  /** Jobs waiting in each queue. */
  queueWaiting(): Promise<Record<string, number>>;
}

export interface ApiStateDeps {
  config: NicwatchConfig;
  redis: Redis;
  keys: Keys;
  queues: QueueFactory;
  queueNames: readonly string[];
  trapsBuffered?: () => number;
  now?: () => Date;
}

export function redisApiState(deps: ApiStateDeps): ApiState {
  const { config, redis, keys } = deps;
  const names = config.devices.map((device) => device.name);
  const groupKeys = config.devices.flatMap((d) =>
    (d.groups ?? []).map((g) => `${d.name}/${g.name}`),
  );
  const queues = deps.queueNames.map((name) => deps.queues.open(name));
  const polls = () => loadPolls(redis, keys, names);
  return {
    config,
    polls,
    async fleet() {
      const [latest, failovers, correlations] = await Promise.all([
        polls(),
        loadFailovers(redis, keys),
        loadCorrelations(redis, keys, groupKeys),
      ]);
      return buildFleetHealth({
        config,
        polls: latest,
        failovers,
        correlations,
        now: deps.now?.() ?? new Date(),
      });
    },
    events: (filter) => readEvents(redis, keys, filter),
    trapsBuffered: deps.trapsBuffered,
    incidents: (state, limit) => readIncidents(redis, keys, state, limit),
    ready: () => redisAnswers(redis),
    async counters() {
      const raw = await redis.hgetall(keys.counters);
      return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
    },
    async queueWaiting() {
      const counts = await Promise.all(queues.map((queue) => queue.getWaitingCount()));
      return Object.fromEntries(deps.queueNames.map((name, i) => [name, counts[i] ?? 0]));
    },
  };
}
