/**
 * `nicwatch run` as real processes under the failures contract sections 6 and 7 promise to
 * survive: a worker killed mid-stream, Redis stopped and started again (AOF on), and random
 * datagrams at the trap receiver. Traps are real v2c datagrams (Net-SNMP's snmptrap, or the same
 * bytes encoded in test/helpers/trap-datagrams.ts for rate); everything is asserted through the
 * API (/metrics, /readyz, /api/v1/events, /api/v1/incidents) and, for exact counts, Redis itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import IORedis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_QUEUE } from '../../src/queue/jobs';
import { keysFor } from '../../src/store/keys';
import {
  readTrapMetrics,
  readyStatus,
  startNicwatch,
  type NicwatchProcess,
  type TrapMetrics,
} from '../helpers/nicwatch-process';
import {
  freeTcpPort,
  haveRedis,
  startRedisServer,
  useRedis,
  type RedisServer,
  type TestRedis,
} from '../helpers/redis';
import {
  encodeLinkTrap,
  haveSnmptrap,
  LINK_DOWN,
  LINK_UP,
  openUdpSender,
  prng,
  randomDatagram,
  snmptrap,
  udpSocketDrops,
  type UdpSender,
} from '../helpers/trap-datagrams';
import { waitFor } from '../helpers/wait';

const SKIP_REASON = !haveRedis()
  ? 'redis-server is not installed and no Redis answers'
  : !haveSnmptrap()
    ? "Net-SNMP's snmptrap is not installed"
    : '';
if (SKIP_REASON) console.log(`resilience.test: skipped: ${SKIP_REASON}`);
/** The Redis outage needs a redis-server of its own to stop and start. */
const HAVE_REDIS_SERVER =
  spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
if (!SKIP_REASON && !HAVE_REDIS_SERVER)
  console.log('resilience.test: Redis outage skipped: redis-server is not installed');

/** The engine id snmptrap -v3 sends as (the sender is authoritative for traps). */
const V3_ENGINE = '0x8000000001020304';
/** Scenario 1: 2,000 link traps at 1,000/s, the worker killed halfway. */
const STREAM_TRAPS = 2000;
/** Scenario 2: 2,000 traps/s for 12 s, Redis away from 3 s to 8 s. */
const AOF_RATE = 2000;
const AOF_TRAPS = AOF_RATE * 12;
/** Scenario 3. */
const RANDOM_DATAGRAMS = 10_000;
const RANDOM_SEED = 0x5eed1e55;
/**
 * bull finds a dead worker's jobs only after their lock expired (lockDuration, 30 s) and a
 * stalled check saw them twice (stalledInterval, 30 s): about a minute here. The test expires
 * the locks itself, as that minute would, unless NICWATCH_TEST_WAIT_FOR_STALLED=1 asks it to
 * wait for bull's own timers.
 */
const WAIT_FOR_STALLED = process.env.NICWATCH_TEST_WAIT_FOR_STALLED === '1';
const TEST_TIMEOUT_MS = WAIT_FOR_STALLED ? 150_000 : 60_000;

interface Incident {
  id: string;
  state: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
  cause: { device: string; type: string; interface: string | null };
}

interface ApiEvent {
  id: string;
  source: string;
  device: string;
  type: string;
  details: { ifIndex?: number; trapId?: string };
}

function configYaml(redisUrl: string, prefix: string): string {
  return `
redis: { url: "${redisUrl}", prefix: "${prefix}" }
api: { listen: "127.0.0.1:0" }
traps:
  listen: "127.0.0.1:0"
  communities: [public]
  users:
    - { name: nwtrap, level: authPriv, authProtocol: sha, authKey: authkey123, privProtocol: aes, privKey: privkey123 }
snmpDefaults: { port: 9, timeoutMs: 200, retries: 0 }
pollIntervalS: 3600
devices:
  - { name: sw-a, role: switch, address: 127.0.0.1 }
  - { name: sw-b, role: switch, address: 127.0.0.2 }
  - name: srv1
    role: server
    address: 127.0.0.21
    groups:
      - name: bond0
        legs:
          - { interface: eth0, switch: sw-a, port: 1 }
          - { interface: eth1, switch: sw-b, port: 1 }
`;
}

/** ifIndex, ifAdminStatus, ifOperStatus as snmptrap arguments. */
function ifVarbinds(ifIndex: number, down: boolean): string[] {
  return [
    ...[`1.3.6.1.2.1.2.2.1.1.${ifIndex}`, 'i', String(ifIndex)],
    ...[`1.3.6.1.2.1.2.2.1.7.${ifIndex}`, 'i', '1'],
    ...[`1.3.6.1.2.1.2.2.1.8.${ifIndex}`, 'i', down ? '2' : '1'],
  ];
}

/**
 * What lockDuration + stalledInterval do for a dead worker's jobs, at once: their locks gone and
 * the jobs marked by a stalled check, so the next worker's start-up check moves them back to wait
 * (bull 4 moveStalledJobsToWait: a job in `stalled` without `:lock` returns to `wait`).
 */
async function expireLocks(redis: IORedis, queueKey: string, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await redis
    .multi()
    .del(...jobIds.map((id) => `${queueKey}:${id}:lock`))
    .sadd(`${queueKey}:stalled`, ...jobIds)
    .del(`${queueKey}:stalled-check`)
    .exec();
}

/** How many jobs each of bull's lists holds for the queue, for failure messages. */
async function bullCounts(url: string, queueKey: string): Promise<Record<string, number>> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
  try {
    const [active, wait, stalled, failed, delayed] = await Promise.all([
      redis.llen(`${queueKey}:active`),
      redis.llen(`${queueKey}:wait`),
      redis.scard(`${queueKey}:stalled`),
      redis.zcard(`${queueKey}:failed`),
      redis.zcard(`${queueKey}:delayed`),
    ]);
    return { active, wait, stalled, failed, delayed };
  } finally {
    redis.disconnect();
  }
}

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET ${url}: got ${response.status}`);
  return (await response.json()) as T;
}

const incidents = async (api: string, state: string): Promise<Incident[]> =>
  (await getJson<{ incidents: Incident[] }>(`${api}/api/v1/incidents?state=${state}`)).incidents;

/** Every entry of the event stream under the prefix, read straight from Redis. */
async function streamEvents(url: string, key: string): Promise<ApiEvent[]> {
  const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
  try {
    const events: ApiEvent[] = [];
    let start = '-';
    for (;;) {
      const page = await redis.xrange(key, start, '+', 'COUNT', 5000);
      for (const [, fields] of page) events.push(JSON.parse(fields[1] ?? '{}') as ApiEvent);
      if (page.length < 5000) return events;
      start = `(${page[page.length - 1]?.[0] ?? '-'}`;
    }
  } finally {
    redis.disconnect();
  }
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value and the time. */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<{ value: T; ok: boolean; elapsedMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return { value, ok: true, elapsedMs: Date.now() - started };
    if (Date.now() - started > timeoutMs)
      return { value, ok: false, elapsedMs: Date.now() - started };
    await sleep(everyMs);
  }
}

describe.skipIf(SKIP_REASON !== '')('nicwatch run under failures', () => {
  const dirs: string[] = [];
  const processes: NicwatchProcess[] = [];
  const senders: UdpSender[] = [];
  const redisServers: RedisServer[] = [];
  const start = async (...args: Parameters<typeof startNicwatch>): Promise<NicwatchProcess> => {
    const p = await startNicwatch(...args);
    processes.push(p);
    return p;
  };
  const tempDir = (name: string): string => {
    const dir = mkdtempSync(join(tmpdir(), `nicwatch-resilience-${name}-`));
    dirs.push(dir);
    return dir;
  };
  const openSender = async (trapAddress: string): Promise<UdpSender> => {
    const sender = await openUdpSender('127.0.0.1', hostPort(trapAddress));
    senders.push(sender);
    return sender;
  };

  afterAll(async () => {
    senders.forEach((s) => s.close());
    for (const p of processes) await p.stop(3000);
    for (const server of redisServers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('a worker killed and restarted', () => {
    let redis: TestRedis;
    let configFile: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      redis = await useRedis();
      configFile = join(tempDir('worker'), 'nicwatch.yaml');
      writeFileSync(configFile, configYaml(redis.url, redis.prefix));
      env = { NICWATCH_REDIS_URL: redis.url };
    });
    afterAll(async () => redis?.cleanup());

    it(
      'mid-stream: every accepted trap processed and stored once; the open incident closes after',
      async () => {
        const keys = keysFor(redis.prefix);
        const queueKey = `${redis.prefix}:${EVENTS_QUEUE}`;
        const front = await start(configFile, ['traps', 'api'], { env });
        let worker = await start(configFile, ['worker'], { env });
        const api = front.apiUrl;
        const trapPort = hostPort(front.trapAddress).port;
        const sender = await openSender(front.trapAddress);
        const dropsBefore = udpSocketDrops(trapPort);

        // ifIndex 1..2000, linkDown on the odd ones: the first, ifIndex 1, is srv1 bond0 eth0's port.
        let progress = 0;
        const streaming = sender.sendPaced(
          STREAM_TRAPS,
          1000,
          (i) => encodeLinkTrap({ ifIndex: i + 1, down: i % 2 === 0, requestId: i + 1 }),
          { onSent: (n) => void (progress = n) },
        );
        await waitFor('half the stream sent', () => progress >= STREAM_TRAPS / 2, 10_000);
        const openAtKill = await incidents(api, 'open');
        // SIGKILL while the worker holds jobs, so that bull has to recover them from `active`.
        const bull = new IORedis(redis.url);
        const deadline = Date.now() + 2000;
        while ((await bull.llen(`${queueKey}:active`)) === 0 && Date.now() < deadline);
        await worker.kill();
        const killedAt = Date.now();
        const stranded = await bull.lrange(`${queueKey}:active`, 0, -1);
        if (!WAIT_FOR_STALLED) await expireLocks(bull, queueKey, stranded);
        bull.disconnect();
        worker = await start(configFile, ['worker'], { env });
        const restartMs = Date.now() - killedAt;
        const sent = await streaming;
        expect(
          openAtKill.map((i) => i.cause),
          `got ${JSON.stringify(openAtKill)} open at the kill, want the one ifIndex 1 opened`,
        ).toEqual([{ device: 'sw-a', type: 'link-down', interface: null }]);

        const kernelDrops = udpSocketDrops(trapPort) - dropsBefore;
        const caughtUp = await until(
          () => readTrapMetrics(api),
          (m) => m.accepted >= sent - kernelDrops && m.processed >= m.accepted,
          WAIT_FOR_STALLED ? 90_000 : 15_000,
        );
        const m = caughtUp.value;
        const stored = (await streamEvents(redis.url, keys.events)).filter(
          (e) => e.source === 'trap',
        );
        const trapIds = new Set(stored.map((e) => e.details.trapId)).size;
        const ifIndexes = new Set(stored.map((e) => e.details.ifIndex)).size;
        const figures =
          `sent ${sent}, kernel drops ${kernelDrops}, ${JSON.stringify(m)}; stream: ${stored.length} ` +
          `trap events, ${trapIds} trap ids, ${ifIndexes} ifIndexes; ${stranded.length} job(s) ` +
          `stranded by the kill; events queue now ${JSON.stringify(await bullCounts(redis.url, queueKey))}`;
        console.log(
          `resilience: worker SIGKILLed mid-stream, restarted in ${restartMs} ms; ` +
            `${caughtUp.ok ? `processed = accepted ${Date.now() - killedAt} ms after the kill` : 'processed never reached accepted'} ` +
            `(${WAIT_FOR_STALLED ? "bull's own stalled-job timers" : 'dead locks expired by the test'}): ${figures}`,
        );
        expect(m.accepted, `accepted: ${figures}`).toBe(sent - kernelDrops);
        expect(m.processed, `processed = accepted: ${figures}`).toBe(m.accepted);
        expect(
          [stored.length, trapIds, ifIndexes],
          `each trap once in the stream: ${figures}`,
        ).toEqual([m.accepted, m.accepted, m.accepted]);
        for (const type of ['link-down', 'link-up']) {
          const { events } = await getJson<{ events: ApiEvent[] }>(
            `${api}/api/v1/events?device=sw-a&type=${type}&limit=1000`,
          );
          const distinct = new Set(events.map((e) => e.details.ifIndex)).size;
          expect(
            [events.length, distinct],
            `/api/v1/events ${type}: got ${events.length} events for ${distinct} ifIndexes, want 1000 each`,
          ).toEqual([1000, 1000]);
        }

        // eth0's port back, after the restart, said by Net-SNMP's own snmptrap.
        const [incident] = openAtKill;
        snmptrap(
          ['-v2c', '-c', 'public', front.trapAddress, '', LINK_UP, ...ifVarbinds(1, false)],
          tempDir('snmptrap'),
        );
        const all = await until(
          () => incidents(api, 'all'),
          (list) => list.some((i) => i.id === incident?.id && i.state === 'closed'),
          10_000,
        );
        expect(
          all.value.map((i) => [i.id, i.state]),
          `got ${JSON.stringify(all.value)}, want ${incident?.id} closed`,
        ).toEqual([[incident?.id, 'closed']]);
        expect((await readTrapMetrics(api)).processed).toBe(m.accepted + 1);
        expect(front.running() && worker.running(), 'a nicwatch process exited').toBe(true);
        await worker.stop();
        await front.stop();
      },
      TEST_TIMEOUT_MS,
    );

    /**
     * The worker stores a batch's traps in the stream and marks them seen before it applies them
     * to their groups and counts them: killed in between, the retried job must still finish them.
     * Holding the group's lock (as a second worker applying another event would) keeps the batch
     * in that window long enough to kill the worker there every time.
     */
    it('while its batch waits for a group held by another worker: the trap is still correlated and counted', async () => {
      // A prefix of its own: srv1 bond0 starts with no correlation state.
      const own = await useRedis();
      const ownConfig = join(tempDir('worker-locked'), 'nicwatch.yaml');
      writeFileSync(ownConfig, configYaml(own.url, own.prefix));
      const ownEnv = { NICWATCH_REDIS_URL: own.url };
      const keys = keysFor(own.prefix);
      const queueKey = `${own.prefix}:${EVENTS_QUEUE}`;
      const front = await start(ownConfig, ['traps', 'api'], { env: ownEnv });
      let worker = await start(ownConfig, ['worker'], { env: ownEnv });
      const api = front.apiUrl;
      const before = await readTrapMetrics(api);
      const bull = new IORedis(own.url);
      try {
        // Another worker holds srv1/bond0: the batch of sw-a's linkDown for eth0's port waits.
        const groupLock = keys.correlationLock('srv1/bond0');
        await bull.set(groupLock, 'another-worker', 'PX', 30_000);
        const stateDir = tempDir('snmptrap-locked');
        snmptrap(
          ['-v2c', '-c', 'public', front.trapAddress, '', LINK_DOWN, ...ifVarbinds(1, true)],
          stateDir,
        );
        await waitFor(
          'the batch active in the worker',
          async () => (await bull.llen(`${queueKey}:active`)) > 0,
          10_000,
        );
        await sleep(300);
        await worker.kill();
        const stranded = await bull.lrange(`${queueKey}:active`, 0, -1);
        expect(stranded.length, 'no job was active at the kill').toBeGreaterThan(0);
        await bull.del(groupLock);
        await expireLocks(bull, queueKey, stranded);
        worker = await start(ownConfig, ['worker'], { env: ownEnv });
        const caughtUp = await until(
          () => readTrapMetrics(api),
          (m) => m.processed - before.processed >= 1,
          10_000,
        );
        const open = await incidents(api, 'open');
        const figures = `${JSON.stringify(caughtUp.value)} (before: ${JSON.stringify(before)}); open incidents ${JSON.stringify(open)}; ${stranded.length} job(s) stranded; events queue ${JSON.stringify(await bullCounts(own.url, queueKey))}`;
        console.log(`resilience: worker SIGKILLed while its batch waited for a group: ${figures}`);
        expect(caughtUp.value.accepted - before.accepted, figures).toBe(1);
        expect(caughtUp.value.processed - before.processed, `processed: ${figures}`).toBe(1);
        expect(
          open.map((i) => i.cause),
          `the linkDown opens srv1 bond0's incident: ${figures}`,
        ).toEqual([{ device: 'sw-a', type: 'link-down', interface: null }]);
      } finally {
        bull.disconnect();
        await worker.stop();
        await front.stop();
        await own.cleanup();
      }
    }, 60_000);
  });

  describe.skipIf(!HAVE_REDIS_SERVER)('Redis stopped and started again (appendonly)', () => {
    let server: RedisServer;
    let redisDir: string;
    let configFile: string;
    const prefix = 'nwtest-aof';
    beforeAll(async () => {
      redisDir = tempDir('redis');
      server = await startRedisServer({
        appendonly: true,
        port: await freeTcpPort(),
        dir: redisDir,
      });
      redisServers.push(server);
      configFile = join(tempDir('aof'), 'nicwatch.yaml');
      writeFileSync(configFile, configYaml(server.url, prefix));
    });

    it('keeps running, says 503 while Redis is away, and processes every trap it accepted', async () => {
      const nicwatch = await start(configFile, null, { env: { NICWATCH_REDIS_URL: server.url } });
      const api = nicwatch.apiUrl;
      const trapPort = hostPort(nicwatch.trapAddress).port;
      const sender = await openSender(nicwatch.trapAddress);
      const dropsBefore = udpSocketDrops(trapPort);
      const t0 = Date.now();

      const samples: Array<{ at: number; ready: number; health: number }> = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const at = Date.now() - t0;
          const [ready, health] = await Promise.all([
            readyStatus(api, 1500),
            readyStatus(api, 1500, '/healthz'),
          ]);
          samples.push({ at, ready, health });
          await sleep(200);
        }
      })();

      // 2,000 traps/s for 12 s; ifIndex 2..1001 (port 1, srv1's leg, stays out of it).
      const streaming = sender.sendPaced(AOF_TRAPS, AOF_RATE, (i) =>
        encodeLinkTrap({ ifIndex: 2 + (i % 1000), down: i % 2 === 0, requestId: i + 1 }),
      );
      await sleep(3000);
      await server.stop();
      const stoppedAt = Date.now() - t0;
      await sleep(5000);
      const restartedAt = Date.now() - t0;
      server = await startRedisServer({ appendonly: true, port: server.port, dir: redisDir });
      redisServers.push(server);
      const answeredAt = Date.now() - t0;
      const sent = await streaming;
      const streamEndAt = Date.now() - t0;

      const readyAgain = await until(
        () => readyStatus(api),
        (s) => s === 200,
        15_000,
      );
      const kernelDrops = udpSocketDrops(trapPort) - dropsBefore;
      const caughtUp = await until(
        () => trapCounts(api, server.url, prefix),
        (c) =>
          c.accepted + c.dropped + c.rejected + c.malformed >= sent - kernelDrops &&
          c.processed >= c.accepted,
        20_000,
        250,
      );
      const caughtUpAt = Date.now() - t0;
      sampling = false;
      await sampler;
      const c = caughtUp.value;
      const stored = await streamEvents(server.url, keysFor(prefix).events);
      const trapEvents = stored.filter((e) => e.source === 'trap');
      const trapIds = new Set(trapEvents.map((e) => e.details.trapId)).size;
      const during = samples.filter((s) => s.at > stoppedAt + 300 && s.at < restartedAt);
      const firstReady = samples.find((s) => s.at > restartedAt && s.ready === 200)?.at;
      const figures =
        `sent ${sent} in ${streamEndAt} ms, kernel drops ${kernelDrops}; Redis stopped at ${stoppedAt} ms, ` +
        `started at ${restartedAt} ms, answering at ${answeredAt} ms; /readyz 200 again at ` +
        `${firstReady ?? 'never'} ms; processed = accepted at ${caughtUp.ok ? caughtUpAt : 'never'} ms; ` +
        `counters ${JSON.stringify(c)}; stream ${trapEvents.length} trap events, ${trapIds} trap ids; ` +
        `/readyz during the outage ${JSON.stringify(countBy(during.map((s) => s.ready)))}, /healthz ` +
        `throughout ${JSON.stringify(countBy(samples.map((s) => s.health)))}; events queue ` +
        `${JSON.stringify(await bullCounts(server.url, `${prefix}:${EVENTS_QUEUE}`))}; logged ` +
        JSON.stringify(
          countBy(
            nicwatch
              .logs()
              .filter((l) => l.level >= 40)
              .map((l) => l.msg),
          ),
        );
      console.log(`resilience: Redis outage: ${figures}`);

      expect(nicwatch.running(), `nicwatch exited: ${nicwatch.stderr()}`).toBe(true);
      expect(() => process.kill(nicwatch.pid, 0)).not.toThrow();
      expect(
        samples.every((s) => s.health === 200),
        `/healthz: ${figures}`,
      ).toBe(true);
      expect(during.length, figures).toBeGreaterThan(5);
      expect(
        during.every((s) => s.ready === 503),
        `/readyz during the outage: ${figures}`,
      ).toBe(true);
      expect(readyAgain.ok, `/readyz after: ${figures}`).toBe(true);
      expect(
        c.accepted + c.dropped + c.rejected + c.malformed,
        `every datagram counted once: ${figures}`,
      ).toBe(sent - kernelDrops);
      expect([c.rejected, c.malformed], figures).toEqual([0, 0]);
      expect(c.processed, `processed = accepted: ${figures}`).toBe(c.accepted);
      expect(
        [trapEvents.length, trapIds],
        `each accepted trap once in the stream: ${figures}`,
      ).toEqual([c.accepted, c.accepted]);
      await nicwatch.stop();
    }, 60_000);
  });

  describe('random datagrams and wrong credentials', () => {
    let redis: TestRedis;
    let configFile: string;
    beforeAll(async () => {
      redis = await useRedis();
      configFile = join(tempDir('fuzz'), 'nicwatch.yaml');
      writeFileSync(configFile, configYaml(redis.url, redis.prefix));
    });
    afterAll(async () => redis?.cleanup());

    it(`counts ${RANDOM_DATAGRAMS} random datagrams as malformed, wrong credentials as rejected, and keeps accepting`, async () => {
      const nicwatch = await start(configFile, ['traps', 'worker', 'api'], {
        env: { NICWATCH_REDIS_URL: redis.url },
      });
      const api = nicwatch.apiUrl;
      const trapPort = hostPort(nicwatch.trapAddress).port;
      const sender = await openSender(nicwatch.trapAddress);
      const dropsBefore = udpSocketDrops(trapPort);
      const before = await readTrapMetrics(api);
      const counted = (m: TrapMetrics) =>
        m.accepted +
        m.rejected +
        m.malformed -
        before.accepted -
        before.rejected -
        before.malformed;

      const random = prng(RANDOM_SEED);
      const datagrams = Array.from({ length: RANDOM_DATAGRAMS }, () => randomDatagram(random));
      const sent = await sender.sendPaced(datagrams.length, 5000, (i) => datagrams[i] as Buffer);
      const kernelDrops = udpSocketDrops(trapPort) - dropsBefore;
      const settled = await until(
        () => readTrapMetrics(api),
        (m) => counted(m) >= sent - kernelDrops,
        10_000,
      );
      const afterRandom = settled.value;
      const delta = {
        accepted: afterRandom.accepted - before.accepted,
        rejected: afterRandom.rejected - before.rejected,
        malformed: afterRandom.malformed - before.malformed,
      };
      console.log(
        `resilience: ${sent} random datagrams (seed 0x${RANDOM_SEED.toString(16)}), kernel drops ${kernelDrops}: ${JSON.stringify(delta)}`,
      );
      expect(counted(afterRandom), `got ${JSON.stringify(delta)}`).toBe(sent - kernelDrops);
      expect(delta.malformed, `got ${JSON.stringify(delta)}`).toBeGreaterThanOrEqual(
        Math.floor((sent - kernelDrops) * 0.99),
      );

      // Still serving: a valid v2c and v3 trap are accepted, wrong credentials rejected.
      const stateDir = tempDir('snmptrap-creds');
      const v3 = (authKey: string) => [
        ...['-v3', '-e', V3_ENGINE, '-u', 'nwtrap', '-l', 'authPriv'],
        ...['-a', 'SHA', '-A', authKey, '-x', 'AES', '-X', 'privkey123'],
      ];
      const trapArgs = [nicwatch.trapAddress, '', LINK_DOWN, ...ifVarbinds(7, true)];
      snmptrap(['-v2c', '-c', 'public', ...trapArgs], stateDir);
      snmptrap(['-v2c', '-c', 'not-public', ...trapArgs], stateDir);
      snmptrap([...v3('authkey123'), ...trapArgs], stateDir);
      snmptrap([...v3('wrongkey123'), ...trapArgs], stateDir);
      const want = {
        accepted: afterRandom.accepted + 2,
        rejected: afterRandom.rejected + 2,
        malformed: afterRandom.malformed,
      };
      const last = await until(
        () => readTrapMetrics(api),
        (m) =>
          m.accepted >= want.accepted && m.rejected >= want.rejected && m.processed >= m.accepted,
        10_000,
      );
      const { processed, ...got } = last.value;
      expect(got, `after the valid and the wrong-credential traps`).toEqual(want);
      expect(processed, `processed: ${JSON.stringify(last.value)}`).toBe(last.value.accepted);
      const { events } = await getJson<{ events: ApiEvent[] }>(
        `${api}/api/v1/events?device=sw-a&type=link-down&limit=10`,
      );
      expect(events.filter((e) => e.details.ifIndex === 7)).toHaveLength(2);
      expect(nicwatch.running(), `nicwatch exited: ${nicwatch.stderr()}`).toBe(true);
      await nicwatch.stop();
    }, 60_000);
  });
});

/** Trap counters: /metrics, plus `traps:dropped` (not in /metrics) from Redis. */
async function trapCounts(
  api: string,
  redisUrl: string,
  prefix: string,
): Promise<TrapMetrics & { dropped: number }> {
  const metrics = await readTrapMetrics(api);
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const dropped = Number((await redis.hget(keysFor(prefix).counters, 'traps:dropped')) ?? 0);
    return { ...metrics, dropped };
  } finally {
    redis.disconnect();
  }
}

function countBy(values: Array<number | string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
