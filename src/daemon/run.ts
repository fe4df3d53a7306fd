/**
 * `nicwatch run`: the daemon, every role in one process or the named ones, sharing one Redis.
 * SIGTERM and SIGINT stop it cleanly: the API stops listening, workers finish their job, queued
 * work stays in Redis.
 */
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { createApiApp, listenApi, type RunningApi } from '../api/app';
import { redisApiState } from '../api/state';
import type { NicwatchConfig } from '../config/schema';
import type { Logger } from '../log';
import { startCorrelator } from '../correlate/worker';
import { startPoller, type Poller } from '../poll/poller';
import { EVENTS_QUEUE, POLL_QUEUE, type EventsJob } from '../queue/jobs';
import { queueFactory } from '../queue/queues';
import { createTrapBatcher, type TrapBatcher } from '../traps/batcher';
import { startTrapReceiver } from '../traps/receiver';
import { keysFor } from '../store/keys';
import { connectRedis } from '../store/redis';

export const ROLES = ['poller', 'traps', 'worker', 'api'] as const;
export type Role = (typeof ROLES)[number];
/** Roles this build runs; the others are accepted by --only and said to be unavailable. */
export const AVAILABLE_ROLES: readonly Role[] = ROLES;

export interface Daemon {
  /** Where the API listens, when the api role runs. */
  apiAddress: string | null;
  /** Where the trap receiver listens, when the traps role runs. */
  trapAddress: string | null;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Extra HTTP routes for the api role (the demo's lab controls). */
  apiRoutes?: Router[];
}

export async function startDaemon(
  config: NicwatchConfig,
  roles: readonly Role[],
  logger: Logger,
  options: DaemonOptions = {},
): Promise<Daemon> {
  const redis: Redis = connectRedis(config.redis.url);
  const keys = keysFor(config.redis.prefix);
  const queues = queueFactory(config.redis.url, config.redis.prefix);
  const stops: Array<() => Promise<void>> = [];
  let api: RunningApi | null = null;
  let batcher: TrapBatcher | null = null;
  let trapAddress: string | null = null;
  try {
    if (roles.includes('worker')) {
      const correlator = await startCorrelator({
        config,
        redis,
        keys,
        queues,
        logger: logger.child({ role: 'worker' }),
      });
      stops.push(() => correlator.stop());
      logger.info('correlator started');
    }
    if (roles.includes('traps') && config.traps.listen !== false) {
      const trapLogger = logger.child({ role: 'traps' });
      const trapBatcher = createTrapBatcher({
        queue: queues.open<EventsJob>(EVENTS_QUEUE),
        redis,
        keys,
        logger: trapLogger,
      });
      batcher = trapBatcher;
      const receiver = await startTrapReceiver({
        listen: config.traps.listen,
        communities: config.traps.communities,
        users: config.traps.users,
        devices: config.devices,
        onTraps: (events) => events.forEach((event) => trapBatcher.accept(event)),
        onRejected: () => trapBatcher.rejected(),
        onMalformed: () => trapBatcher.malformed(),
        logger: trapLogger,
      });
      trapAddress = receiver.address;
      // Stop receiving first, then hand what is held to Redis.
      stops.unshift(() => receiver.close().then(() => trapBatcher.close()));
      logger.info({ address: receiver.address }, 'trap receiver listening');
    }
    if (roles.includes('poller')) {
      const poller: Poller = await startPoller({
        config,
        redis,
        keys,
        queues,
        logger: logger.child({ role: 'poller' }),
      });
      stops.push(() => poller.stop());
      logger.info({ devices: config.devices.length }, 'poller started');
    }
    if (roles.includes('api')) {
      const held = batcher;
      const state = redisApiState({
        config,
        redis,
        keys,
        queues,
        queueNames: [POLL_QUEUE, EVENTS_QUEUE],
        trapsBuffered: held ? () => held.buffered() : undefined,
      });
      api = await listenApi(
        createApiApp(state, logger.child({ role: 'api' }), options.apiRoutes),
        config.api.listen,
      );
      stops.unshift(() => (api ? api.close() : Promise.resolve()));
      logger.info({ address: api.address }, 'api listening');
    }
  } catch (err) {
    await stopAll(stops, queues, redis);
    throw err;
  }
  return {
    apiAddress: api?.address ?? null,
    trapAddress,
    stop: () => stopAll(stops, queues, redis),
  };
}

async function stopAll(
  stops: Array<() => Promise<void>>,
  queues: { close(): Promise<void> },
  redis: Redis,
): Promise<void> {
  for (const stop of stops) await stop().catch(() => undefined);
  await queues.close();
  redis.disconnect();
}
