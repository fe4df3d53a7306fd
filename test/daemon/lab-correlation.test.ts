/**
 * The whole pipeline against real peers: a switch in a network namespace sends a real v2c
 * linkDown (Net-SNMP's snmptrap, from the switch's own address) for the port a bond's active leg
 * is cabled to, the cable really is cut, and the server's bond fails over (its extend prints the
 * new state). nicwatch must open one incident naming both, time the failover, and close it when
 * the leg is back.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import type { Incident } from '../../src/correlate/engine';
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
import { bondText } from '../helpers/bond-text';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { freeUdpPort, waitFor } from '../helpers/wait';

const WINDOW_MS = 4000;

describe.skipIf(!canUseNetns() || !haveRedis())(
  `correlation of traps and polls${NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`}`,
  () => {
    let lab: Lab;
    let redis: TestRedis;
    let daemon: Daemon;
    let trapPort: number;
    let api: string;

    beforeAll(async () => {
      const spec: LabSpec = {
        switches: [{ name: 'sw-a', priority: 4096 }, { name: 'sw-b' }],
        links: [{ a: 'sw-a', b: 'sw-b' }],
        servers: [
          {
            name: 'srv1',
            nics: [
              { name: 'eth0', switch: 'sw-a', port: 'swp1' },
              { name: 'eth1', switch: 'sw-b', port: 'swp1' },
            ],
            extends: { bond0: bondText('eth0', { eth0: 'up', eth1: 'up' }) },
          },
        ],
        ifTableCacheSeconds: 1,
      };
      lab = await startLab(spec);
      redis = await useRedis();
      trapPort = await freeUdpPort();
      const config = parseConfig(
        labConfigYaml(lab, spec, {
          redis,
          pollIntervalS: 1,
          trapListen: `0.0.0.0:${trapPort}`,
          correlation: { windowMs: WINDOW_MS },
        }),
        'correlation.yaml',
        {},
      );
      daemon = await startDaemon(
        config,
        ['poller', 'traps', 'worker', 'api'],
        createLogger('silent'),
      );
      api = `http://${daemon.apiAddress}`;
    }, 90_000);

    afterAll(async () => {
      await daemon?.stop();
      await lab?.stop();
      await redis?.cleanup();
    });

    /** A v2c link trap sent by Net-SNMP's snmptrap from inside the switch's namespace. */
    function sendLinkTrap(sw: string, port: string, down: boolean): void {
      const ifIndex = lab.ifIndex(sw, port);
      const receiver = lab
        .switchAddress(sw)
        .replace(/\.\d+$/, (last) => `.${Number(last.slice(1)) - 1}`);
      execFileSync(
        'ip',
        [
          'netns',
          'exec',
          lab.namespace(sw),
          'snmptrap',
          '-v2c',
          '-c',
          'public',
          `${receiver}:${trapPort}`,
          '',
          down ? '1.3.6.1.6.3.1.1.5.3' : '1.3.6.1.6.3.1.1.5.4',
          `1.3.6.1.2.1.2.2.1.1.${ifIndex}`,
          'i',
          String(ifIndex),
          `1.3.6.1.2.1.2.2.1.7.${ifIndex}`,
          'i',
          '1',
          `1.3.6.1.2.1.2.2.1.8.${ifIndex}`,
          'i',
          down ? '2' : '1',
        ],
        { env: { ...process.env, MIBS: '' }, stdio: 'pipe' },
      );
    }

    const incidents = async (state: string): Promise<Incident[]> =>
      (
        (await (await fetch(`${api}/api/v1/incidents?state=${state}`)).json()) as {
          incidents: Incident[];
        }
      ).incidents;
    const group = async (): Promise<GroupHealth> =>
      (await fetch(`${api}/api/v1/health/srv1/bond0`)).json() as Promise<GroupHealth>;

    it('starts healthy', async () => {
      await waitFor(
        'srv1 bond0 OK with both switches known',
        async () => {
          const g = await group();
          return g.status === 'OK' && g.legs.every((leg) => leg.stpState !== null);
        },
        20_000,
      );
    });

    it('joins the switch linkDown with the failover into one incident with failoverMs', async () => {
      lab.cutCable('srv1', 'eth0');
      sendLinkTrap('sw-a', 'swp1', true);
      lab.setExtend('srv1', 'bond0', bondText('eth1', { eth0: 'down', eth1: 'up' }));
      let open: Incident[] = [];
      await waitFor(
        'one open incident with its failover',
        async () => {
          open = await incidents('open');
          return open.length === 1 && open[0]?.failoverMs !== null;
        },
        15_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(open)}`);
      });
      const [incident] = open;
      expect(incident).toMatchObject({
        device: 'srv1',
        group: 'bond0',
        cause: { device: 'sw-a', type: 'link-down', interface: 'swp1' },
      });
      expect(incident?.failoverMs).toBeGreaterThanOrEqual(0);
      expect(incident?.summary).toMatch(
        /^sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 in \d+ ms, running on one leg$/,
      );
      expect(incident?.events.length).toBeGreaterThanOrEqual(2);
      const health = await group();
      expect(health.status).toBe('WARNING');
      expect(health.reasons.map((r) => r.code)).toContain('leg-down');
      const trapEvents = (await (
        await fetch(`${api}/api/v1/events?source=trap&device=sw-a&type=link-down`)
      ).json()) as { events: Array<{ source: string; interface?: string }> };
      expect(trapEvents.events.some((e) => e.source === 'trap' && e.interface === 'swp1')).toBe(
        true,
      );
    });

    it('closes the incident when the leg is back', async () => {
      lab.mendCable('srv1', 'eth0');
      sendLinkTrap('sw-a', 'swp1', false);
      lab.setExtend('srv1', 'bond0', bondText('eth1', { eth0: 'up', eth1: 'up' }));
      await waitFor('no open incident', async () => (await incidents('open')).length === 0, 15_000);
      const [closed] = await incidents('closed');
      expect(closed?.closedAt).not.toBeNull();
      expect(closed?.summary).toMatch(/every leg back$/);
      // the receiver adds its counts to Redis's counters a few times a second
      await waitFor(
        'trap counters in /metrics',
        async () => {
          const metrics = await (await fetch(`${api}/metrics`)).text();
          return (
            /nicwatch_traps_received_total\{result="accepted"\} [1-9]/.test(metrics) &&
            /nicwatch_events_processed_total\{source="trap"\} [1-9]/.test(metrics)
          );
        },
        5000,
      );
    });

    it('says active-leg-down when the bond keeps sending through the leg whose port went down', async () => {
      // Linux bridges have no edge ports: wait until eth0's port forwards again after the repair.
      await waitFor(
        'the kernel forwards on sw-a swp1 again',
        () => lab.bridgePortStates('sw-a').swp1 === 'forwarding',
        20_000,
      );
      await waitFor(
        'both legs forwarding in the API',
        async () => {
          const g = await group();
          return g.status === 'OK' && g.legs.every((leg) => leg.stpState === 'forwarding');
        },
        20_000,
      );
      // eth1 is active now; its switch port goes down but the bond (no carrier change seen by a
      // media converter, say) stays on it.
      lab.cutCable('srv1', 'eth1');
      sendLinkTrap('sw-b', 'swp1', true);
      let open: Incident[] = [];
      await waitFor(
        'active-leg-down after the window',
        async () => {
          open = await incidents('open');
          return open[0]?.activeLegDown === true;
        },
        WINDOW_MS + 10_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(open)}`);
      });
      expect(open[0]?.summary).toMatch(
        /did not fail over: still sending through eth1 \(active-leg-down\)/,
      );
      const health = await group();
      expect(health.status).toBe('CRITICAL');
      expect(health.reasons.map((r) => r.code)).toContain('active-leg-down');
      lab.mendCable('srv1', 'eth1');
      sendLinkTrap('sw-b', 'swp1', false);
      await waitFor('closed again', async () => (await incidents('open')).length === 0, 15_000);
    });
  },
);
