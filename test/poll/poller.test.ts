/**
 * The poller role against real peers: a real snmpd answering on several loopback addresses,
 * a real Redis (shared under a test prefix, or a private one that the outage test stops and
 * starts). Polls are counted where they open their SNMP client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp, listenApi } from '../../src/api/app';
import { redisApiState } from '../../src/api/state';
import { parseConfig } from '../../src/config/load';
import type { NicwatchConfig } from '../../src/config/schema';
import { createLogger } from '../../src/log';
import { startPoller, type Poller } from '../../src/poll/poller';
import { queueFactory, type QueueFactory } from '../../src/queue/queues';
import { openSnmpClient, type SnmpTarget } from '../../src/snmp/session';
import { keysFor } from '../../src/store/keys';
import { loadPoll } from '../../src/store/polls';
import { connectRedis } from '../../src/store/redis';
import { REPO_ROOT } from '../helpers/cli';
import { haveRedis, startRedisServer, useRedis, type TestRedis } from '../helpers/redis';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd';
import { freeUdpPort, waitFor } from '../helpers/wait';

const logger = createLogger('silent');
const BOND = readFileSync(
  join(REPO_ROOT, 'test/fixtures/bonding/active-backup-mii-both-up.txt'),
  'utf8',
);
const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];

function fleetYaml(
  redisUrl: string,
  prefix: string,
  port: number,
  intervalS: number,
  extra = '',
): string {
  const servers = ADDRESSES.map(
    (address, i) => `
  - name: srv${i + 1}
    role: server
    address: ${address}
    groups: [{ name: bond0, legs: [{ interface: eth0 }, { interface: eth1 }] }]`,
  ).join('');
  return `
redis: { url: "${redisUrl}", prefix: "${prefix}" }
api: { listen: "127.0.0.1:0" }
snmpDefaults: { port: ${port}, timeoutMs: 150, retries: 0 }
pollIntervalS: ${intervalS}
devices:${servers}${extra}
`;
}

/** Opens real SNMP clients and counts them per address: one per poll. */
function countingClient(counts: Map<string, number>) {
  return (target: SnmpTarget) => {
    counts.set(target.host, (counts.get(target.host) ?? 0) + 1);
    return openSnmpClient(target);
  };
}

describe.skipIf(!haveSnmpd() || !haveRedis())('poller', () => {
  let snmpd: Snmpd;
  beforeAll(async () => {
    snmpd = await startSnmpd({
      extends: { bond0: BOND },
      addresses: ADDRESSES,
    });
  });
  afterAll(async () => snmpd?.stop());

  describe('with the shared Redis', () => {
    let redis: TestRedis;
    const opened: Array<{ disconnect(): void } | QueueFactory | Poller> = [];
    beforeAll(async () => {
      redis = await useRedis();
    });
    afterAll(async () => {
      for (const thing of opened.reverse()) {
        if ('stop' in thing) await thing.stop();
        else if ('close' in thing) await thing.close();
        else thing.disconnect();
      }
      await redis?.cleanup();
    });

    async function startOne(config: NicwatchConfig, counts: Map<string, number>): Promise<Poller> {
      const client = connectRedis(config.redis.url);
      const queues = queueFactory(config.redis.url, config.redis.prefix);
      opened.push(client, queues);
      const poller = await startPoller({
        config,
        redis: client,
        keys: keysFor(config.redis.prefix),
        queues,
        logger,
        openClient: countingClient(counts),
      });
      opened.push(poller);
      return poller;
    }

    it('two poller processes share the devices without polling one twice', async () => {
      const config = parseConfig(
        fleetYaml(redis.url, `${redis.prefix}-share`, snmpd.port, 0.5),
        'share.yaml',
        {},
      );
      const counts = new Map<string, number>();
      const started = Date.now();
      const [a, b] = [await startOne(config, counts), await startOne(config, counts)];
      await sleep(5000);
      await a.stop();
      await b.stop();
      const elapsedIntervals = (Date.now() - started) / 500;
      for (const address of ADDRESSES) {
        const polls = counts.get(address) ?? 0;
        // once per interval, plus the first poll each process asks for at start
        expect(
          polls,
          `${address}: ${polls} polls in ${elapsedIntervals.toFixed(1)} intervals`,
        ).toBeGreaterThanOrEqual(elapsedIntervals - 3);
        expect(
          polls,
          `${address}: ${polls} polls in ${elapsedIntervals.toFixed(1)} intervals`,
        ).toBeLessThanOrEqual(elapsedIntervals + 3);
      }
      const store = connectRedis(redis.url);
      opened.push(store);
      const poll = await loadPoll(store, keysFor(`${redis.prefix}-share`), 'srv1');
      expect(poll).toMatchObject({ ok: true, groups: [{ name: 'bond0', ok: true }] });
      expect(poll?.durationMs).toBeGreaterThan(0);
    });

    it('a verifying poll that meets a running poll of its device waits and polls after it', async () => {
      const prefix = `${redis.prefix}-verify`;
      const config = parseConfig(fleetYaml(redis.url, prefix, snmpd.port, 3600), 'verify.yaml', {});
      const counts = new Map<string, number>();
      const poller = await startOne(config, counts);
      const address = ADDRESSES[0] ?? '';
      await waitFor('the first poll at start', () => (counts.get(address) ?? 0) === 1, 5000);
      // Another process holds srv1's poll lock, as while it polls srv1 itself.
      const keys = keysFor(prefix);
      const store = connectRedis(redis.url);
      opened.push(store);
      await store.set(keys.pollLock('srv1'), 'someone-else', 'PX', 60_000);
      await poller.queue.add('poll', { device: 'srv1', force: true }, { removeOnComplete: true });
      await sleep(600);
      expect(counts.get(address), 'no poll while the lock is held').toBe(1);
      await store.del(keys.pollLock('srv1'));
      await waitFor(
        'the verifying poll after the lock',
        () => (counts.get(address) ?? 0) === 2,
        3000,
      );
    });

    it('polls a device that does not answer less and less often', async () => {
      const silentPort = await freeUdpPort();
      const extra = `
  - { name: gone, role: server, address: 127.0.0.15, snmp: { port: ${silentPort} }, groups: [{ name: bond0, legs: [{ interface: eth0 }] }] }`;
      const config = parseConfig(
        fleetYaml(redis.url, `${redis.prefix}-backoff`, snmpd.port, 0.5, extra),
        'backoff.yaml',
        {},
      );
      const counts = new Map<string, number>();
      const poller = await startOne(config, counts);
      await sleep(6000);
      await poller.stop();
      const reachable = counts.get(ADDRESSES[0] ?? '') ?? 0;
      const silent = counts.get('127.0.0.15') ?? 0;
      // attempts at 1, 1, 2, 4 intervals apart: 5 or 6 in 12 intervals, where a reachable one has ~12
      expect(
        silent,
        `silent device polled ${silent} times, reachable ${reachable}`,
      ).toBeLessThanOrEqual(6);
      expect(reachable).toBeGreaterThanOrEqual(10);
    });
  });

  it('survives a Redis restart: /readyz goes 503 and back to 200, polling resumes, no restart', async () => {
    const server = await startRedisServer();
    const config = parseConfig(fleetYaml(server.url, 'outage', snmpd.port, 0.5), 'outage.yaml', {});
    const client = connectRedis(server.url);
    const queues = queueFactory(server.url, 'outage');
    const keys = keysFor('outage');
    const poller = await startPoller({ config, redis: client, keys, queues, logger });
    const api = await listenApi(
      createApiApp(
        redisApiState({ config, redis: client, keys, queues, queueNames: ['poll'] }),
        logger,
      ),
      '127.0.0.1:0',
    );
    const readyz = async () => (await fetch(`http://${api.address}/readyz`)).status;
    try {
      await waitFor(
        'first poll stored',
        async () => (await loadPoll(client, keys, 'srv1')) !== null,
        5000,
      );
      expect(await readyz()).toBe(200);
      await server.stop();
      await waitFor('readyz 503', async () => (await readyz()) === 503, 5000);
      const again = await startRedisServer({ port: server.port });
      try {
        await waitFor('readyz 200 again', async () => (await readyz()) === 200, 10_000);
        // the restarted Redis kept nothing: the schedule is put back and polls come in again
        await waitFor(
          'polls resume',
          async () => (await loadPoll(client, keys, 'srv1')) !== null,
          10_000,
        );
      } finally {
        await poller.stop();
        await api.close();
        await queues.close();
        client.disconnect();
        await again.stop();
      }
    } finally {
      await server.stop();
    }
  }, 40_000);
});
