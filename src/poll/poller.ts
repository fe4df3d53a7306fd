/**
 * The poller role: every device polled on its own interval through a bull queue of repeatable
 * jobs, so any number of `nicwatch run --only poller` processes share the devices without polling
 * one twice (a per-device lock in Redis guards the rare overlap). A device that does not answer
 * is polled less often, doubling up to MAX_BACKOFF_INTERVALS intervals.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeviceConfig, NicwatchConfig } from '../config/schema';
import { carryHints } from '../correlate/hints';
import { describeError } from '../errors';
import type { DevicePoll } from '../model';
import { EVENTS_QUEUE, POLL_QUEUE, type EventsJob, type PollJob } from '../queue/jobs';
import type { Job, Queue, QueueFactory } from '../queue/queues';
import type { Keys } from '../store/keys';
import { loadPoll, savePoll } from '../store/polls';
import { diffPolls } from './diff';
import { NETCONF_DEFAULT_TIMEOUT_MS } from './netconf-poller';
import { KeptNetconfSessions, type NetconfSessionSource } from './netconf-sessions';
import { pollDevice, type OpenClient, type PollResult } from './poll-device';

export interface PollerOptions {
  config: NicwatchConfig;
  redis: Redis;
  keys: Keys;
  queues: QueueFactory;
  logger: Logger;
  /** @defaultValue 16 concurrent SNMP sessions per process */
  concurrency?: number;
  openClient?: OpenClient;
  /** Where NETCONF polls get their sessions; startPoller keeps one per device. */
  netconfSessions?: NetconfSessionSource;
}

export interface Poller {
  queue: Queue<PollJob>;
  stop(): Promise<void>;
}

const MAX_BACKOFF_INTERVALS = 8;
const RESCHEDULE_MS = 60_000;
/** A forced poll that meets a running one asks again this often, at least this many times. */
const FORCED_LOCK_WAIT_MS = 200;
const FORCED_LOCK_WAITS = 25;
/** A kept NETCONF session unused for this many of its device's intervals is closed. */
const SESSION_IDLE_INTERVALS = 3;

export async function startPoller(options: PollerOptions): Promise<Poller> {
  const { config, queues } = options;
  const queue = queues.open<PollJob>(POLL_QUEUE);
  const events = queues.open<EventsJob>(EVENTS_QUEUE);
  const devices = new Map(config.devices.map((device) => [device.name, device]));
  // A session outlives a poll by a few intervals, not a device that stopped being polled here.
  const netconfSessions =
    options.netconfSessions ??
    new KeptNetconfSessions((name) => {
      const device = devices.get(name);
      return device ? SESSION_IDLE_INTERVALS * intervalMsOf(device, config) : 0;
    });
  const schedule = (pollNow: boolean): Promise<void> =>
    scheduleDevices(queue, config, pollNow).catch((err: unknown) => {
      options.logger.warn({ error: describeError(err) }, 'cannot schedule polls yet');
    });
  await scheduleDevices(queue, config, true);
  // A Redis that restarted without persistence lost the schedule: put it back on reconnect, and
  // now and then in case another process removed it.
  options.redis.on('ready', () => void schedule(true));
  const resync = setInterval(() => void schedule(false), RESCHEDULE_MS);
  void queue.process('poll', options.concurrency ?? 16, async (job: Job<PollJob>) => {
    const device = devices.get(job.data.device);
    if (!device) return;
    const force = job.data.force === true;
    const poll = await pollOnce({ ...options, events, netconfSessions }, device, force);
    // A verifying poll must read the device after the trap: when a poll that may have read it
    // before is still running, ask again shortly rather than let that older reading stand.
    const waits = job.data.lockWaits ?? 0;
    if (poll !== null || !force) return;
    if (waits < forcedLockWaits(device)) {
      await queue.add(
        'poll',
        { ...job.data, lockWaits: waits + 1 },
        { delay: FORCED_LOCK_WAIT_MS, removeOnComplete: true, removeOnFail: true },
      );
    } else {
      options.logger.info(
        { device: device.name, waits },
        'verifying poll given up: another poll held the device too long',
      );
    }
  });
  return {
    queue,
    stop: async () => {
      clearInterval(resync);
      try {
        await queue.close();
      } finally {
        if (netconfSessions instanceof KeptNetconfSessions) await netconfSessions.closeAll();
      }
    },
  };
}

/**
 * How many times a forced poll asks again: long enough to outlast the device's slowest poll. A
 * NETCONF poll may spend its timeout connecting and again on its `<get>`, after up to a second
 * on a kept session that turned out closed.
 */
export function forcedLockWaits(device: DeviceConfig): number {
  if (!device.netconf) return FORCED_LOCK_WAITS;
  const worstMs = 2 * (device.netconf.timeoutMs ?? NETCONF_DEFAULT_TIMEOUT_MS) + 2000;
  return Math.max(FORCED_LOCK_WAITS, Math.ceil(worstMs / FORCED_LOCK_WAIT_MS));
}

export function intervalMsOf(device: DeviceConfig, config: NicwatchConfig): number {
  return Math.round((device.pollIntervalS ?? config.pollIntervalS) * 1000);
}

/** One repeatable job per device at its interval (and, if asked, one right away); stale schedules removed. */
async function scheduleDevices(
  queue: Queue<PollJob>,
  config: NicwatchConfig,
  pollNow: boolean,
): Promise<void> {
  const wanted = new Map(config.devices.map((d) => [`repeat:${d.name}`, intervalMsOf(d, config)]));
  for (const job of await queue.getRepeatableJobs()) {
    if (!job.id || wanted.get(job.id) !== Number(job.every)) {
      await queue.removeRepeatableByKey(job.key);
    }
  }
  for (const device of config.devices) {
    const every = intervalMsOf(device, config);
    const data = { device: device.name };
    const once = { removeOnComplete: true, removeOnFail: true };
    await queue.add('poll', data, { ...once, repeat: { every }, jobId: `repeat:${device.name}` });
    if (pollNow) await queue.add('poll', data, once);
  }
}

/** Polls one device unless another process is at it or it is backing off; stores what changed. */
export async function pollOnce(
  options: Pick<
    PollerOptions,
    'config' | 'redis' | 'keys' | 'logger' | 'openClient' | 'netconfSessions'
  > & {
    /** Where the events a poll finds go for correlation; none without the worker role. */
    events?: Queue<EventsJob>;
  },
  device: DeviceConfig,
  force = false,
): Promise<DevicePoll | null> {
  const { redis, keys, config, logger } = options;
  const interval = intervalMsOf(device, config);
  const token = randomUUID();
  const lockMs = interval + 60_000;
  const locked = await redis.set(keys.pollLock(device.name), token, 'PX', lockMs, 'NX');
  if (locked === null) return null;
  try {
    const notBefore = Number((await redis.hget(keys.pollNotBefore, device.name)) ?? 0);
    if (!force && Date.now() < notBefore) return null;
    const result = await pollDevice(device, config, options.openClient, options.netconfSessions);
    const previous = await loadPoll(redis, keys, device.name);
    const poll = carryHints(previous, toDevicePoll(device, result, previous), Date.now());
    const stored = await savePoll(redis, keys, poll, diffPolls(previous, poll));
    if (stored.length > 0 && options.events) {
      await options.events.add(
        'polled',
        { kind: 'polled', events: stored },
        { removeOnComplete: true, removeOnFail: true },
      );
    }
    await updateBackoff(redis, keys, device.name, result.ok, interval);
    const log = {
      device: device.name,
      ok: poll.ok,
      durationMs: poll.durationMs,
      events: stored.length,
    };
    if (poll.ok) logger.debug(log, 'polled');
    else logger.warn({ ...log, error: poll.error }, 'poll failed');
    return poll;
  } finally {
    // Release only our own lock: a poll that outlived it must not free another's.
    const current = await redis.get(keys.pollLock(device.name));
    if (current === token) await redis.del(keys.pollLock(device.name));
  }
}

/** A failed poll keeps the last good data, so the API can still show what was last seen. */
function toDevicePoll(
  device: DeviceConfig,
  result: PollResult,
  previous: DevicePoll | null,
): DevicePoll {
  const at = new Date().toISOString();
  const base = {
    device: device.name,
    role: device.role,
    transport: result.transport,
    at,
    durationMs: result.durationMs,
  };
  if (result.ok) {
    return {
      ...base,
      ok: true,
      error: null,
      lastOkAt: at,
      switch: result.switch,
      groups: result.groups,
    };
  }
  return {
    ...base,
    ok: false,
    error: result.error,
    lastOkAt: previous?.lastOkAt ?? null,
    switch: previous?.switch ?? null,
    groups: previous?.groups ?? [],
  };
}

async function updateBackoff(
  redis: Redis,
  keys: Keys,
  device: string,
  ok: boolean,
  intervalMs: number,
): Promise<void> {
  if (ok) {
    await redis.multi().hdel(keys.pollFailures, device).hdel(keys.pollNotBefore, device).exec();
    return;
  }
  const failures = await redis.hincrby(keys.pollFailures, device, 1);
  // The first retry comes at the next interval; then 2, 4, ... intervals apart.
  const waitIntervals = Math.min(2 ** (failures - 1), MAX_BACKOFF_INTERVALS);
  const notBefore = Date.now() + (waitIntervals - 1) * intervalMs;
  await redis.hset(keys.pollNotBefore, device, String(notBefore));
}
