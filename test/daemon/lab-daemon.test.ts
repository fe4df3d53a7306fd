/**
 * `nicwatch run` (poller + api) against real peers: Linux bridges running kernel STP in network
 * namespaces, each with its own snmpd and snmp-bridge-mib, and servers whose snmpd `extend`
 * prints a bonding file this test controls. The test cuts cables and links and reads the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NicwatchConfig } from '../../src/config/schema';
import { parseConfig } from '../../src/config/load';
import { startDaemon, type Daemon } from '../../src/daemon/run';
import type { GroupHealth, FleetHealth } from '../../src/health/fleet';
import { createLogger } from '../../src/log';
import { runCli } from '../helpers/cli';
import { labConfigYaml } from '../helpers/lab-config';
import {
  canUseNetns,
  NETNS_SKIP_REASON,
  startLab,
  type Lab,
  type LabSpec,
} from '../helpers/netns-lab';
import { bondText } from '../helpers/bond-text';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';

const POLL_S = 1;
/** Two poll intervals plus the agents' caches (IF-MIB 1 s, bridge subagent up to 2 s). */
const SETTLE_MS = 2 * POLL_S * 1000 + 3000;

const BOTH_UP = bondText('eth0', { eth0: 'up', eth1: 'up' });

describe.skipIf(!canUseNetns() || !haveRedis())(
  `nicwatch run against kernel STP bridges${NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`}`,
  () => {
    let lab: Lab;
    let redis: TestRedis;
    let daemon: Daemon;
    let config: NicwatchConfig;
    let api: string;

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
            name: 'srv1',
            nics: [
              { name: 'eth0', switch: 'sw-a', port: 'swp1' },
              { name: 'eth1', switch: 'sw-b', port: 'swp1' },
            ],
            extends: { bond0: BOTH_UP },
          },
          {
            name: 'srv2',
            nics: [
              { name: 'eth0', switch: 'sw-a', port: 'swp2' },
              { name: 'eth1', switch: 'sw-a', port: 'swp3' },
            ],
            extends: { bond0: BOTH_UP },
          },
        ],
        ifTableCacheSeconds: 1,
      };
      lab = await startLab(spec);
      redis = await useRedis();
      const yaml = labConfigYaml(lab, spec, {
        redis,
        pollIntervalS: POLL_S,
        correlation: { staleAfterS: 8 },
      });
      config = parseConfig(yaml, 'lab.yaml', {});
      daemon = await startDaemon(config, ['poller', 'api'], createLogger('silent'));
      api = `http://${daemon.apiAddress}`;
    }, 90_000);

    afterAll(async () => {
      await daemon?.stop();
      await lab?.stop();
      await redis?.cleanup();
    });

    const fleet = async (): Promise<FleetHealth> =>
      (await fetch(`${api}/api/v1/health`)).json() as Promise<FleetHealth>;
    const group = async (device: string): Promise<GroupHealth> =>
      (await fetch(`${api}/api/v1/health/${device}/bond0`)).json() as Promise<GroupHealth>;
    /** Waits until the group shows `status` with `code` among its reasons (and `also` holds). */
    const waitForGroup = async (
      device: string,
      status: string,
      code: string,
      timeoutMs = SETTLE_MS + 8000,
      also: (g: GroupHealth) => boolean = () => true,
    ): Promise<GroupHealth> => {
      let last: GroupHealth | undefined;
      await waitFor(
        `${device} bond0 ${status} ${code}`,
        async () => {
          last = await group(device);
          return last.status === status && last.reasons.some((r) => r.code === code) && also(last);
        },
        timeoutMs,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}; last seen ${JSON.stringify(last?.reasons)} legs ${JSON.stringify(last?.legs)}`,
        );
      });
      return last as GroupHealth;
    };
    const switchSideKnown = (g: GroupHealth): boolean =>
      g.legs.every((leg) => leg.stpState !== null);

    it('reports the healthy group OK with its legs forwarding on two switches', async () => {
      const healthy = await waitForGroup('srv1', 'OK', 'all-legs-up', 20_000, switchSideKnown);
      expect(
        healthy.legs.map((leg) => [leg.interface, leg.switch, leg.port, leg.portUp, leg.stpState]),
      ).toEqual([
        ['eth0', 'sw-a', 'swp1', true, 'forwarding'],
        ['eth1', 'sw-b', 'swp1', true, 'forwarding'],
      ]);
      const switches = (await fleet()).switches;
      expect(switches.map((s) => s.status)).toEqual(['OK', 'OK', 'OK']);
      const roots = new Set(switches.map((s) => s.designatedRoot));
      expect(roots.size, `one root for all: ${[...roots].join(' ')}`).toBe(1);
      const blocking = switches.flatMap((s) =>
        s.ports.filter((p) => p.stpState === 'blocking').map((p) => `${s.device} ${p.port}`),
      );
      expect(blocking, 'the triangle blocks exactly one port').toHaveLength(1);
    });

    it('gives single-switch for two legs on one bridge', async () => {
      const single = await waitForGroup(
        'srv2',
        'WARNING',
        'single-switch',
        SETTLE_MS,
        switchSideKnown,
      );
      expect(single.reasons.map((r) => r.code)).toEqual(['single-switch']);
    });

    it('moves from OK to WARNING leg-down when a cable is cut, and nicwatch check --url exits 1', async () => {
      lab.cutCable('srv1', 'eth1');
      // The switch side sees it before the bond file says anything.
      const cut = await waitForGroup('srv1', 'WARNING', 'leg-down');
      expect(cut.legs[1]).toMatchObject({ interface: 'eth1', portUp: false });
      lab.setExtend('srv1', 'bond0', bondText('eth0', { eth0: 'up', eth1: 'down' }));
      await waitFor(
        'bond file read',
        async () => (await group('srv1')).legs[1]?.up === false,
        SETTLE_MS,
      );
      const check = await runCli([
        'check',
        '--url',
        api,
        '--device',
        'srv1',
        '--group',
        'bond0',
        '-t',
        '5',
      ]);
      expect(check.stdout).toMatch(
        /^NICWATCH WARNING - srv1 bond0 \(linux-bond active-backup\): 1 of 2 legs down: eth1 down \[leg-down\] \| legs_up=1;2:;1:;0;2 failovers=0c\n/,
      );
      expect(check.code).toBe(1);
      const events = (await (
        await fetch(`${api}/api/v1/events?device=sw-b&type=link-down`)
      ).json()) as { events: Array<{ interface: string }> };
      expect(events.events.map((e) => e.interface)).toContain('swp1');
    });

    it('comes back to OK when the cable is mended', async () => {
      lab.mendCable('srv1', 'eth1');
      lab.setExtend('srv1', 'bond0', BOTH_UP);
      // Linux bridges have no edge ports: the port listens and learns before it forwards.
      await waitForGroup('srv1', 'OK', 'all-legs-up', 20_000, switchSideKnown);
    });

    it("reports upstream-lost, CRITICAL, when the active leg's switch is cut off from the root", async () => {
      lab.cutLink('root', 'sw-a');
      lab.cutLink('sw-a', 'sw-b');
      try {
        // The bond's MII sees its carrier and never fails over: the file stays as it is.
        const lost = await waitForGroup('srv1', 'CRITICAL', 'upstream-lost', 20_000);
        expect(lost.reasons.find((r) => r.code === 'upstream-lost')?.message).toMatch(
          /sw-a \(behind active eth0\) has no forwarding path to the STP root/,
        );
        expect((await fleet()).switches.find((s) => s.device === 'sw-a')?.status).toBe('WARNING');
      } finally {
        lab.mendLink('root', 'sw-a');
        lab.mendLink('sw-a', 'sw-b');
      }
      await waitForGroup('srv1', 'OK', 'all-legs-up', 30_000);
    });

    it("says device-unreachable, then stale, when the server's snmpd stops", async () => {
      await lab.stopAgent('srv1');
      try {
        const unreachable = await waitForGroup('srv1', 'UNKNOWN', 'device-unreachable');
        expect(unreachable.reasons[0]?.message).toMatch(/srv1 does not answer: no answer from/);
        const check = await runCli(['check', '--url', api, '--device', 'srv1', '--group', 'bond0']);
        expect(check.code).toBe(3);
        // With the poller gone too, the data ages past staleAfterS.
        await daemon.stop();
        daemon = await startDaemon(config, ['api'], createLogger('silent'));
        api = `http://${daemon.apiAddress}`;
        await waitForGroup('srv1', 'UNKNOWN', 'stale', 15_000);
      } finally {
        await lab.startAgent('srv1');
      }
    });

    it('check --url is UNKNOWN when the API is down or the group unknown', async () => {
      const unknownGroup = await runCli([
        'check',
        '--url',
        api,
        '--device',
        'srv1',
        '--group',
        'bond9',
      ]);
      expect(unknownGroup.stdout).toMatch(
        /^NICWATCH UNKNOWN - nicwatch API at .* answered 404: device srv1 has no group "bond9"/,
      );
      expect(unknownGroup.code).toBe(3);
      await daemon.stop();
      const down = await runCli([
        'check',
        '--url',
        api,
        '--device',
        'srv1',
        '--group',
        'bond0',
        '-t',
        '3',
      ]);
      expect(down.stdout).toMatch(
        /^NICWATCH UNKNOWN - nicwatch API at .* did not answer: ECONNREFUSED/,
      );
      expect(down.code).toBe(3);
    });
  },
);
