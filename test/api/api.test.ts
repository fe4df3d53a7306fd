/**
 * The HTTP API against a real Redis: polls are stored as the poller stores them, the API reads
 * them back. Each test file uses its own key prefix.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { createApiApp, listenApi, type RunningApi } from '../../src/api/app';
import { redisApiState } from '../../src/api/state';
import type { NicwatchConfig } from '../../src/config/schema';
import { createLogger } from '../../src/log';
import type { DevicePoll } from '../../src/model';
import { diffPolls } from '../../src/poll/diff';
import { queueFactory, type QueueFactory } from '../../src/queue/queues';
import { keysFor } from '../../src/store/keys';
import { savePoll } from '../../src/store/polls';
import { connectRedis } from '../../src/store/redis';
import { SW_A, SW_B, bond, config, poll, switchSnapshot } from '../helpers/fleet';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';

const logger = createLogger('silent');
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

function havePromtool(): boolean {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status === 0;
  if (!found)
    console.warn(
      'promtool check skipped: promtool is not installed (scripts/install-deps.sh --with-nms)',
    );
  return found;
}

function fleetConfig(url: string, prefix: string, token?: string): NicwatchConfig {
  const base = config([
    { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
    { interface: 'eth1', switch: 'sw-b', port: 'swp1' },
  ]);
  return {
    ...base,
    redis: { url, prefix },
    api: { listen: '127.0.0.1:0', ...(token ? { token } : {}) },
  } as NicwatchConfig;
}

/** Polls stamped now, so the API does not find them stale. */
function fresh(p: DevicePoll): DevicePoll {
  const at = new Date().toISOString();
  return { ...p, at, lastOkAt: p.ok ? at : p.lastOkAt };
}

describe.skipIf(!haveRedis())('HTTP API over Redis', () => {
  let redis: TestRedis;
  let queues: QueueFactory;
  let api: RunningApi;
  let base: string;
  const clients: Array<{ disconnect(): void }> = [];

  async function start(token?: string): Promise<{ api: RunningApi; base: string; app: Express }> {
    const cfg = fleetConfig(redis.url, redis.prefix, token);
    const client = connectRedis(redis.url);
    clients.push(client);
    const state = redisApiState({
      config: cfg,
      redis: client,
      keys: keysFor(redis.prefix),
      queues,
      queueNames: ['poll'],
    });
    const app = createApiApp(state, logger);
    const running = await listenApi(app, '127.0.0.1:0');
    return { api: running, base: `http://${running.address}`, app };
  }

  beforeAll(async () => {
    redis = await useRedis();
    queues = queueFactory(redis.url, redis.prefix);
    const store = connectRedis(redis.url);
    clients.push(store);
    const keys = keysFor(redis.prefix);
    const before = fresh(
      poll(
        'srv1',
        'server',
        bond('eth0', [
          ['eth0', true],
          ['eth1', true],
        ]),
      ),
    );
    const after = fresh(
      poll(
        'srv1',
        'server',
        bond('eth0', [
          ['eth0', true],
          ['eth1', false],
        ]),
      ),
    );
    await savePoll(
      store,
      keys,
      fresh(poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }]))),
      [],
    );
    await savePoll(
      store,
      keys,
      fresh(poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }]))),
      [],
    );
    await savePoll(store, keys, before, []);
    await savePoll(store, keys, after, diffPolls(before, after));
    ({ api, base } = await start());
  });

  afterAll(async () => {
    await api?.close();
    await queues?.close();
    clients.forEach((c) => c.disconnect());
    await redis?.cleanup();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    return {
      status: res.status,
      body: (await res.json().catch(() => null)) as Record<string, unknown>,
    };
  };

  it('serves the fleet health with the group joined to its switch ports', async () => {
    const { status, body } = await get('/api/v1/health');
    expect(status).toBe(200);
    expect(body.status).toBe('WARNING');
    const groups = body.groups as Array<Record<string, unknown>>;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      device: 'srv1',
      group: 'bond0',
      status: 'WARNING',
      legsUp: 1,
      legsTotal: 2,
      activeLeg: 'eth0',
    });
    expect((groups[0]?.reasons as Array<{ code: string }>).map((r) => r.code)).toEqual([
      'leg-down',
    ]);
    expect((body.switches as unknown[]).length).toBe(2);
  });

  it('serves one device and one group, 404 for unknown ones', async () => {
    expect((await get('/api/v1/health/srv1')).body).toMatchObject({
      status: 'WARNING',
      groups: [{ group: 'bond0' }],
    });
    expect((await get('/api/v1/health/srv1/bond0')).body).toMatchObject({
      device: 'srv1',
      group: 'bond0',
    });
    const unknownDevice = await get('/api/v1/health/srv9');
    expect(unknownDevice.status).toBe(404);
    expect(unknownDevice.body).toEqual({
      error: { code: 'not-found', message: 'unknown device "srv9"' },
    });
    expect((await get('/api/v1/health/srv1/bond9')).status).toBe(404);
    expect((await get('/api/v1/nothing')).status).toBe(404);
  });

  it('lists every group for Zabbix low-level discovery', async () => {
    const res = await fetch(`${base}/api/v1/zabbix/discovery`);
    expect(await res.json()).toEqual([
      { '{#DEVICE}': 'srv1', '{#GROUP}': 'bond0', '{#KIND}': 'linux-bond' },
    ]);
  });

  it('serves the events a poll found, newest first, with filters', async () => {
    const all = await get('/api/v1/events');
    const events = all.body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => e.type)).toEqual(['leg-down']);
    expect(events[0]).toMatchObject({
      source: 'poll',
      device: 'srv1',
      interface: 'eth1',
      details: { group: 'bond0' },
    });
    expect(typeof events[0]?.id).toBe('string');
    expect(((await get('/api/v1/events?device=sw-a')).body.events as unknown[]).length).toBe(0);
    expect(((await get('/api/v1/events?type=leg-up')).body.events as unknown[]).length).toBe(0);
    expect(
      (
        (
          await get(
            `/api/v1/events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
          )
        ).body.events as unknown[]
      ).length,
    ).toBe(0);
    expect((await get('/api/v1/events?type=sideways')).status).toBe(400);
    expect((await get('/api/v1/events?limit=0')).status).toBe(400);
    expect((await get('/api/v1/events?since=yesterday')).status).toBe(400);
  });

  it('serves incidents (none without the correlator) and checks the state filter', async () => {
    expect((await get('/api/v1/incidents?state=all')).body).toEqual({ incidents: [] });
    expect((await get('/api/v1/incidents?state=maybe')).status).toBe(400);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toContain('nicwatch_group_status{device="srv1",group="bond0"} 1');
    expect(text).toContain('nicwatch_group_legs_up{device="srv1",group="bond0"} 1');
    // the reasons of the moment, one series each, for alerts that say why
    expect(text.match(/^nicwatch_group_reason\{.*$/gm)).toEqual([
      'nicwatch_group_reason{device="srv1",group="bond0",code="leg-down"} 1',
    ]);
    expect(text).toContain(`nicwatch_build_info{version="${PACKAGE_VERSION}"} 1`);
    expect(text).toContain('nicwatch_traps_received_total{result="accepted"} 0');
    // no worker runs here: nothing has been correlated
    expect(text).toContain('nicwatch_events_processed_total{source="poll"} 0');
    expect(text).toMatch(/nicwatch_queue_waiting \d+/);
    expect(text).toContain('nicwatch_poll_duration_seconds{device="srv1"} 0.012');
  });

  it.skipIf(!havePromtool())('exposes metrics that promtool check metrics accepts', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint.status, `promtool: ${lint.stdout}${lint.stderr}`).toBe(0);
  });

  it('answers the probes', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).body).toEqual({ status: 'ready', redis: 'up' });
  });

  it('needs the bearer token on every route but the probes when one is set', async () => {
    const secured = await start('s3cret-token');
    try {
      const plain = await fetch(`${secured.base}/api/v1/health`);
      expect(plain.status).toBe(401);
      expect(await plain.json()).toEqual({
        error: {
          code: 'unauthorized',
          message: 'this route needs Authorization: Bearer <api.token>',
        },
      });
      expect(
        (await fetch(`${secured.base}/metrics`, { headers: { authorization: 'Bearer wrong' } }))
          .status,
      ).toBe(401);
      expect(
        (
          await fetch(`${secured.base}/api/v1/health`, {
            headers: { authorization: 'Bearer s3cret-token' },
          })
        ).status,
      ).toBe(200);
      expect((await fetch(`${secured.base}/healthz`)).status).toBe(200);
      expect((await fetch(`${secured.base}/readyz`)).status).toBe(200);
    } finally {
      await secured.api.close();
    }
  });

  it('is not ready, and says so in JSON, while Redis does not answer', async () => {
    const cfg = fleetConfig('redis://127.0.0.1:1/0', redis.prefix);
    const dead = connectRedis('redis://127.0.0.1:1/0');
    clients.push(dead);
    const state = redisApiState({
      config: cfg,
      redis: dead,
      keys: keysFor(redis.prefix),
      queues,
      queueNames: [],
    });
    const running = await listenApi(createApiApp(state, logger), '127.0.0.1:0');
    try {
      const ready = await fetch(`http://${running.address}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not ready', redis: 'down' });
      expect((await fetch(`http://${running.address}/healthz`)).status).toBe(200);
      const health = await fetch(`http://${running.address}/api/v1/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    } finally {
      await running.close();
    }
  });
});
