/**
 * A leg whose switch port STP keeps blocking: a virtualisation host bridges its two NICs with
 * STP on (a common set-up), and with sw-b's own uplink made expensive the host's bridge wins the
 * segment to sw-b, so the kernel blocks sw-b's server-facing port. nicwatch must say
 * `stp-not-forwarding` for that leg while the server itself sees both links up.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import { startDaemon, type Daemon } from '../../src/daemon/run';
import type { GroupHealth } from '../../src/health/fleet';
import { createLogger } from '../../src/log';
import { labConfigYaml } from '../helpers/lab-config';
import {
  canUseNetns,
  NETNS_SKIP_REASON,
  startLab,
  type Lab,
  type LabSpec,
} from '../helpers/netns-lab';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';

const BOND = `Ethernet Channel Bonding Driver: 6.1.0-26-amd64

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: eth0
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 0
Down Delay (ms): 0

Slave Interface: eth0
MII Status: up
Link Failure Count: 0

Slave Interface: eth1
MII Status: up
Link Failure Count: 0
`;

function ip(namespace: string, ...args: string[]): void {
  execFileSync('ip', ['-n', namespace, ...args], { stdio: 'pipe' });
}

describe.skipIf(!canUseNetns() || !haveRedis())(
  `a blocked leg port${NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`}`,
  () => {
    let lab: Lab;
    let redis: TestRedis;
    let daemon: Daemon;

    beforeAll(async () => {
      const spec: LabSpec = {
        switches: [{ name: 'root', priority: 4096 }, { name: 'sw-a' }, { name: 'sw-b' }],
        links: [
          { a: 'root', b: 'sw-a' },
          { a: 'root', b: 'sw-b' },
          { a: 'sw-a', b: 'sw-b' },
        ],
        servers: [
          {
            name: 'hv1',
            nics: [
              { name: 'eth0', switch: 'sw-a', port: 'swp1' },
              { name: 'eth1', switch: 'sw-b', port: 'swp1' },
            ],
            extends: { bond0: BOND },
          },
        ],
        ifTableCacheSeconds: 1,
      };
      lab = await startLab(spec);
      // sw-b's direct uplink costs more than the way round through sw-a, so sw-b and the host offer
      // the segment between them the same cost to the root, and the host's lower bridge id wins it.
      execFileSync('bridge', [
        '-n',
        lab.namespace('sw-b'),
        'link',
        'set',
        'dev',
        'to-root',
        'cost',
        '1000',
      ]);
      const hv = lab.namespace('hv1');
      ip(
        hv,
        'link',
        'add',
        'br-host',
        'type',
        'bridge',
        'stp_state',
        '1',
        'priority',
        '8192',
        'forward_delay',
        '200',
        'hello_time',
        '100',
        'max_age',
        '600',
      );
      ip(hv, 'link', 'set', 'eth0', 'master', 'br-host');
      ip(hv, 'link', 'set', 'eth1', 'master', 'br-host');
      ip(hv, 'link', 'set', 'br-host', 'up');
      redis = await useRedis();
      const config = parseConfig(
        labConfigYaml(lab, spec, { redis, pollIntervalS: 1 }),
        'blocked.yaml',
        {},
      );
      daemon = await startDaemon(config, ['poller', 'api'], createLogger('silent'));
    }, 90_000);

    afterAll(async () => {
      await daemon?.stop();
      await lab?.stop();
      await redis?.cleanup();
    });

    it('reports stp-not-forwarding for the leg whose switch port the kernel blocks', async () => {
      const kernelBlocks = () => lab.bridgePortStates('sw-b').swp1 === 'blocking';
      await waitFor('the kernel to block sw-b swp1', kernelBlocks, 20_000);
      let last: GroupHealth | undefined;
      await waitFor(
        'stp-not-forwarding in the API',
        async () => {
          last = (await (
            await fetch(`http://${daemon.apiAddress}/api/v1/health/hv1/bond0`)
          ).json()) as GroupHealth;
          return last.reasons.some((r) => r.code === 'stp-not-forwarding');
        },
        15_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last seen ${JSON.stringify(last)}`);
      });
      expect(last?.status).toBe('WARNING');
      expect(last?.legs[1]).toMatchObject({
        interface: 'eth1',
        up: true,
        portUp: true,
        stpState: 'blocking',
      });
      expect(last?.reasons.find((r) => r.code === 'stp-not-forwarding')?.message).toBe(
        'sw-b swp1 (eth1) is blocking',
      );
      expect(last?.legsUp).toBe(1);
    });
  },
);
