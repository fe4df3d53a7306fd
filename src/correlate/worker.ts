/**
 * The worker role: bull workers on the `events` queue. A job is a batch of accepted traps, the
 * events one poll found, or the end of an incident's correlation window (a delayed job, so a
 * restart loses no timer). Traps are stored in the event stream once (a retried job skips what it
 * stored before), applied to the last polls as hints, joined with the cabling and applied to
 * each group under the group's lock; a trap also asks for a verifying poll of the port's switch
 * and the servers behind it, at once and again a little later.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { NicwatchConfig } from '../config/schema';
import { describeError } from '../errors';
import type { RedundancyGroup, StateEvent, TrapEvent } from '../model';
import { EVENTS_QUEUE, POLL_QUEUE, type EventsJob, type PollJob } from '../queue/jobs';
import type { Job, Queue, QueueFactory } from '../queue/queues';
import {
  LATENCY_SAMPLES_KEPT,
  loadCorrelations,
  loadIncident,
  finishTraps,
  saveCorrelation,
  TRAP_RECORD_TTL_S,
  withGroupLock,
} from '../store/correlation';
import { storeTrapEvents } from '../store/events';
import type { Keys } from '../store/keys';
import { loadPoll, loadPolls, replacePoll } from '../store/polls';
import {
  applyTouch,
  expireWindow,
  newGroupCorrelation,
  type GroupCorrelation,
  type Incident,
  type Touch,
} from './engine';
import { applyTrapHint, resolveInterface } from './hints';
import { buildTopology, groupKey, legsBehindPort, type Topology } from './topology';

export interface CorrelatorOptions {
  config: NicwatchConfig;
  redis: Redis;
  keys: Keys;
  queues: QueueFactory;
  logger: Logger;
  /** @defaultValue 4 jobs at a time per process */
  concurrency?: number;
}

export interface Correlator {
  queue: Queue<EventsJob>;
  stop(): Promise<void>;
}

/** A verifying poll now and one a little later: a port that flaps back shows in the second. */
const VERIFY_AGAIN_MS = 5000;
const LATENCY_SAMPLES_PER_JOB = 50;

export async function startCorrelator(options: CorrelatorOptions): Promise<Correlator> {
  const queue = options.queues.open<EventsJob>(EVENTS_QUEUE);
  const polls = options.queues.open<PollJob>(POLL_QUEUE);
  const context: Context = {
    ...options,
    verifyAsked: new Map(),
    topology: buildTopology(options.config.devices),
    queue,
    polls,
  };
  void queue.process('*', options.concurrency ?? 4, async (job: Job<EventsJob>) => {
    try {
      await processJob(context, job.data);
    } catch (err) {
      options.logger.error(
        { error: describeError(err), kind: job.data.kind },
        'correlation failed',
      );
      throw err;
    }
  });
  return { queue, stop: () => queue.close() };
}

interface Context extends CorrelatorOptions {
  topology: Topology;
  /** The second in which this process last asked for each device's verifying polls. */
  verifyAsked: Map<string, number>;
  queue: Queue<EventsJob>;
  polls: Queue<PollJob>;
}

export async function processJob(context: Context, job: EventsJob): Promise<void> {
  if (job.kind === 'traps') return processTraps(context, job.traps);
  if (job.kind === 'polled') return processEvents(context, job.events, 'poll');
  return processWindow(context, job.group, job.incident);
}

async function processTraps(context: Context, traps: TrapEvent[]): Promise<void> {
  const { redis, keys } = context;
  const devices = [...new Set(traps.map((t) => t.device))];
  const polls = await loadPolls(redis, keys, devices);
  const resolved = traps.map((t) => resolveInterface(t, polls.get(t.device) ?? null));
  // Stored once each; what an earlier attempt of this job stored but did not finish, is now.
  const stored = await storeTrapEvents(redis, keys, resolved, TRAP_RECORD_TTL_S);
  const pending = stored.filter((event) => !event.finished);
  const patchedDevices = new Set<string>();
  for (const event of pending) {
    const patched = applyTrapHint(polls.get(event.device) ?? null, event);
    if (!patched) continue;
    polls.set(event.device, patched);
    patchedDevices.add(event.device);
  }
  for (const device of patchedDevices) {
    const poll = polls.get(device);
    if (poll) await replacePoll(redis, keys, poll);
  }
  // Applying an event twice changes nothing (engine.ts): a retry may redo what was done.
  await processEvents(context, pending, 'trap', false);
  await askVerifyingPolls(context, pending);
  await finishTraps(redis, keys, pending);
  await recordLatency(context, traps);
}

/** Each event's touches on groups, then every touched group updated under its lock. */
async function processEvents(
  context: Context,
  events: StateEvent[],
  source: 'trap' | 'poll',
  count = true,
): Promise<void> {
  const touches = new Map<string, Array<{ touch: Touch; event: StateEvent }>>();
  const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const event of ordered) {
    for (const [group, touch] of touchesOf(context.topology, event)) {
      touches.set(group, [...(touches.get(group) ?? []), { touch, event }]);
    }
  }
  for (const [group, list] of touches) await applyToGroup(context, group, list);
  if (count && events.length > 0)
    await context.redis.hincrby(context.keys.counters, `events-processed:${source}`, events.length);
}

/** What an event means for each group it reaches: a leg end up or down, or a new active leg. */
export function touchesOf(topology: Topology, event: StateEvent): Array<[string, Touch]> {
  const up = event.type === 'link-up' || event.type === 'leg-up';
  const group = typeof event.details.group === 'string' ? event.details.group : null;
  if (event.type === 'active-leg-changed' && group) {
    const from = (event.details.from as string | null | undefined) ?? null;
    const to = (event.details.to as string | null | undefined) ?? null;
    return [[groupKey(event.device, group), { kind: 'active', from, to }]];
  }
  if ((event.type === 'leg-down' || event.type === 'leg-up') && group && event.interface) {
    return [
      [groupKey(event.device, group), { kind: 'leg', leg: event.interface, end: 'server', up }],
    ];
  }
  if (event.type !== 'link-down' && event.type !== 'link-up') return [];
  const ifIndex = typeof event.details.ifIndex === 'number' ? event.details.ifIndex : undefined;
  const behind = legsBehindPort(topology, event.device, { name: event.interface, ifIndex });
  if (behind.length > 0) {
    return behind.map((ref) => [
      groupKey(ref.device, ref.group),
      { kind: 'leg', leg: ref.leg, end: 'port', up },
    ]);
  }
  // A link trap from the server itself, for one of its legs.
  return (topology.legsOfServer.get(event.device) ?? [])
    .filter((ref) => ref.leg === event.interface)
    .map((ref) => [
      groupKey(ref.device, ref.group),
      { kind: 'leg', leg: ref.leg, end: 'server', up },
    ]);
}

async function applyToGroup(
  context: Context,
  group: string,
  list: Array<{ touch: Touch; event: StateEvent }>,
): Promise<void> {
  const { redis, keys, config } = context;
  const windowMs = config.correlation.windowMs;
  await withGroupLock(redis, keys, group, async () => {
    const [device = '', name = ''] = group.split('/');
    const known = (await loadCorrelations(redis, keys, [group])).get(group);
    const server = known ? null : await loadPoll(redis, keys, device);
    const polled = server?.groups.find((g) => g.name === name)?.group ?? null;
    let state = known ?? initialState(context.topology, group, polled);
    let incident = state.openIncident ? await loadIncident(redis, keys, state.openIncident) : null;
    const opened: Incident[] = [];
    for (const { touch, event } of list) {
      const wasOpen = incident?.state === 'open' ? incident.id : null;
      const hadFailover = incident?.failover ?? null;
      ({ state, incident } = applyTouch(state, incident, touch, event, windowMs));
      if (incident?.failover && !hadFailover) await recordDetection(context, group, incident);
      if (incident && incident.id !== wasOpen && incident.state === 'open') opened.push(incident);
      if (incident && incident.state === 'closed') {
        await saveCorrelation(redis, keys, group, state, incident);
        incident = null;
      }
    }
    await saveCorrelation(redis, keys, group, state, incident);
    for (const newOne of opened) {
      const delay = Math.max(0, Date.parse(newOne.openedAt) + windowMs - Date.now());
      await context.queue.add(
        'window',
        { kind: 'window', group, incident: newOne.id },
        { delay, jobId: `window:${newOne.id}`, removeOnComplete: true, removeOnFail: true },
      );
    }
  });
}

/** The failover's detection time beside the poll's record of it (`lastFailover.detectionMs`). */
async function recordDetection(context: Context, group: string, incident: Incident): Promise<void> {
  const { failover } = incident;
  if (!failover) return;
  const last = {
    at: failover.at,
    from: failover.from,
    to: failover.to,
    detectionMs: incident.failoverMs,
  };
  await context.redis.hset(context.keys.lastFailover, group, JSON.stringify(last));
}

/** A group the correlator meets for the first time starts from what the last poll saw. */
function initialState(
  topology: Topology,
  group: string,
  polled: RedundancyGroup | null,
): GroupCorrelation {
  const [device = '', name = ''] = group.split('/');
  const state = newGroupCorrelation(
    device,
    name,
    (topology.legsOfGroup.get(group) ?? []).map((ref) => ref.leg),
  );
  state.activeLeg = polled?.activeLeg ?? null;
  for (const leg of polled?.legs ?? []) {
    const known = state.legs[leg.interface];
    if (known) known.serverUp = leg.up;
  }
  return state;
}

async function processWindow(context: Context, group: string, id: string): Promise<void> {
  const { redis, keys } = context;
  await withGroupLock(redis, keys, group, async () => {
    const [state, incident] = await Promise.all([
      loadCorrelations(redis, keys, [group]).then((m) => m.get(group)),
      loadIncident(redis, keys, id),
    ]);
    if (!state || !incident) return;
    const expired = expireWindow(incident, state);
    if (expired !== incident) await saveCorrelation(redis, keys, group, state, expired);
  });
}

/** Polls of the trap's device and of the servers behind the port: now, and once more later. */
async function askVerifyingPolls(context: Context, events: StateEvent[]): Promise<void> {
  const devices = new Set<string>();
  for (const event of events) {
    if (event.type !== 'link-down' && event.type !== 'link-up') continue;
    if (!context.config.devices.some((d) => d.name === event.device)) continue;
    devices.add(event.device);
    for (const [group] of touchesOf(context.topology, event))
      devices.add(group.split('/')[0] ?? '');
  }
  const second = Math.floor(Date.now() / 1000);
  for (const device of devices) {
    // bull's job ids make a second ask in the same second a no-op; skipping it here saves the
    // round trips that a trap storm would otherwise spend on it.
    if (context.verifyAsked.get(device) === second) continue;
    const once = { removeOnComplete: true, removeOnFail: true };
    await context.polls.add(
      'poll',
      { device, force: true },
      { ...once, jobId: `verify:${device}:${second}` },
    );
    await context.polls.add(
      'poll',
      { device, force: true },
      { ...once, jobId: `verify-again:${device}:${second}`, delay: VERIFY_AGAIN_MS },
    );
    context.verifyAsked.set(device, second);
  }
}

/** Receipt → applied, for a sample of the batch: read by bench/traps and /metrics. */
async function recordLatency(context: Context, traps: TrapEvent[]): Promise<void> {
  if (traps.length === 0) return;
  const now = Date.now();
  const step = Math.max(1, Math.floor(traps.length / LATENCY_SAMPLES_PER_JOB));
  const samples: string[] = [];
  for (let i = 0; i < traps.length; i += step)
    samples.push(String(now - Date.parse(traps[i]?.at ?? '')));
  await context.redis
    .multi()
    .lpush(context.keys.trapLatency, ...samples)
    .ltrim(context.keys.trapLatency, 0, LATENCY_SAMPLES_KEPT - 1)
    .exec();
}
