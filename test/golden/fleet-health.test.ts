/**
 * The whole path on a fixture fleet: each device is polled by the real poller (its SNMP answers
 * come from captured walks of the lab's snmpd and from the bonding/teamd/IPMP fixtures), the
 * polls go through Redis, and `/api/v1/health` is compared with the reviewed golden file
 * test/fixtures/golden/health.json. After a deliberate change, review the difference and
 * regenerate with UPDATE_GOLDEN=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp, listenApi, type RunningApi } from '../../src/api/app';
import { redisApiState } from '../../src/api/state';
import { parseConfig } from '../../src/config/load';
import type { NicwatchConfig } from '../../src/config/schema';
import { createLogger } from '../../src/log';
import { pollOnce } from '../../src/poll/poller';
import { queueFactory, type QueueFactory } from '../../src/queue/queues';
import type { SnmpClient, SnmpTarget } from '../../src/snmp/session';
import { keysFor } from '../../src/store/keys';
import { connectRedis } from '../../src/store/redis';
import { REPO_ROOT } from '../helpers/cli';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { loadWalkFile } from '../helpers/snmpwalk-file';
import { extendClient, silentClient, walkClient } from '../helpers/walk-client';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const GOLDEN = join(FIXTURES, 'golden', 'health.json');
const text = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

/** Management address → what the device there answers. */
const AGENTS: Record<string, () => SnmpClient> = {
  '198.18.100.1': () => walkClient(loadWalkFile(join(FIXTURES, 'switch/lab-swa.snmpwalk'))),
  '198.18.100.2': () => walkClient(loadWalkFile(join(FIXTURES, 'switch/lab-swb.snmpwalk'))),
  '198.18.100.3': () => walkClient(loadWalkFile(join(FIXTURES, 'switch/lab-swc.snmpwalk'))),
  '198.18.101.1': () => extendClient({ bond0: text('bonding/active-backup-mii-one-down.txt') }),
  '198.18.101.2': () => extendClient({ bond0: text('bonding/802.3ad-partner-zero.txt') }),
  '198.18.101.3': () => extendClient({ team0: text('teamd/activebackup-both-up.json') }),
  '198.18.101.4': () => extendClient({ ipmp0: text('ipmp/ipmpstat-i-standby.txt') }),
  '198.18.101.5': () => silentClient(),
  '198.18.101.6': () => extendClient({ bond0: text('bonding/active-backup-mii-both-up.txt') }),
};

const FLEET = `
correlation: { staleAfterS: 3600 }
devices:
  - { name: swa, role: switch, address: 198.18.100.1 }
  - { name: swb, role: switch, address: 198.18.100.2 }
  - { name: swc, role: switch, address: 198.18.100.3 }
  # eth1's switch port has no carrier in the capture, and the bond says so too
  - name: srv-degraded
    role: server
    address: 198.18.101.1
    groups:
      - name: bond0
        legs:
          - { interface: eth0, switch: swb, port: b-srv }
          - { interface: eth1, switch: swc, port: c-srv }
  # an aggregate never negotiated, one member on the port STP blocks
  - name: srv-lacp
    role: server
    address: 198.18.101.2
    groups:
      - name: bond0
        legs:
          - { interface: ens1f0, switch: swb, port: b-c }
          - { interface: ens1f1, switch: swc, port: c-b }
  # both legs on one switch
  - name: srv-team
    role: server
    address: 198.18.101.3
    groups:
      - name: team0
        kind: linux-team
        legs:
          - { interface: eth1, switch: swb, port: b-a }
          - { interface: eth2, switch: swb, port: b-srv }
  # server side only: no switch configured for its legs
  - name: srv-ipmp
    role: server
    address: 198.18.101.4
    groups:
      - name: ipmp0
        legs:
          - { interface: net0 }
          - { interface: net1 }
  - name: srv-silent
    role: server
    address: 198.18.101.5
    groups:
      - name: bond0
        legs:
          - { interface: eth0, switch: swb, port: b-srv }
          - { interface: eth1, switch: swc, port: c-srv }
  # the configured primary is up but not active
  - name: srv-primary
    role: server
    address: 198.18.101.6
    groups:
      - name: bond0
        primary: eth1
        legs:
          - { interface: eth0, switch: swa, port: a-b }
          - { interface: eth1, switch: swb, port: b-a }
`;

/** Times change every run; the golden file keeps their place. */
function normalise(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v)
      ? '<time>'
      : v,
  );
}

describe.skipIf(!haveRedis())('golden: fixture fleet through poller, Redis and API', () => {
  let redis: TestRedis;
  let queues: QueueFactory;
  let api: RunningApi;
  let config: NicwatchConfig;
  const connections: Array<{ disconnect(): void }> = [];

  beforeAll(async () => {
    redis = await useRedis();
    config = parseConfig(FLEET, 'golden.yaml', {});
    config = { ...config, redis: { url: redis.url, prefix: redis.prefix } };
    const store = connectRedis(redis.url);
    connections.push(store);
    const keys = keysFor(redis.prefix);
    const openClient = (target: SnmpTarget): SnmpClient => {
      const agent = AGENTS[target.host];
      if (!agent) throw new Error(`no fixture agent at ${target.host}`);
      return agent();
    };
    const logger = createLogger('silent');
    for (const device of config.devices) {
      await pollOnce({ config, redis: store, keys, logger, openClient }, device);
    }
    queues = queueFactory(redis.url, redis.prefix);
    const state = redisApiState({ config, redis: store, keys, queues, queueNames: [] });
    api = await listenApi(createApiApp(state, logger), '127.0.0.1:0');
  });

  afterAll(async () => {
    await api?.close();
    await queues?.close();
    connections.forEach((c) => c.disconnect());
    await redis?.cleanup();
  });

  it('serves the reviewed /api/v1/health', async () => {
    const health = normalise(await (await fetch(`http://${api.address}/api/v1/health`)).json());
    if (process.env.UPDATE_GOLDEN === '1')
      writeFileSync(GOLDEN, `${JSON.stringify(health, null, 2)}\n`);
    expect(health).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });
});
