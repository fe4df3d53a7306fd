/**
 * A real agent's own link traps: Net-SNMP's snmpd in a switch namespace watches its ports'
 * ifOperStatus (DISMAN-EVENT-MIB monitors, see the lab's `trapSink`) and sends v2c linkDown/linkUp
 * by itself when the cable of a bond leg is cut and mended. nicwatch polls only every 30 s, so
 * the trap is what tells it: the event names the port (ifIndex resolved through the switch's
 * poll), the leg's port goes down in the health at once, and an incident opens with the trap as
 * its cause; the mend brings a linkUp and the port back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import type { Incident } from '../../src/correlate/engine';
import { startDaemon, type Daemon } from '../../src/daemon/run';
import type { GroupHealth, LegHealth } from '../../src/health/fleet';
import { createLogger } from '../../src/log';
import type { StateEvent } from '../../src/model';
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

const POLL_INTERVAL_MS = 30_000;
/** snmpd samples every 1 s through a 1 s ifTable cache; nicwatch then queues and correlates. */
const TRAP_WAIT_MS = 8000;
/** snmpTrapEnterprise.0, which Net-SNMP's agent adds to the notifications it generates. */
const SNMP_TRAP_ENTERPRISE = '1.3.6.1.6.3.1.1.4.3.0';

describe.skipIf(!canUseNetns() || !haveRedis())(
  `link traps sent by a real snmpd${NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`}`,
  () => {
    let lab: Lab;
    let redis: TestRedis;
    let daemon: Daemon;
    let api: string;

    beforeAll(async () => {
      const trapPort = await freeUdpPort();
      const spec: LabSpec = {
        switches: [
          { name: 'sw-a', priority: 4096, trapSink: { port: trapPort } },
          { name: 'sw-b' },
        ],
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
      const config = parseConfig(
        labConfigYaml(lab, spec, {
          redis,
          pollIntervalS: POLL_INTERVAL_MS / 1000,
          trapListen: `0.0.0.0:${trapPort}`,
          correlation: { windowMs: 4000 },
        }),
        'snmpd-traps.yaml',
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

    const getJson = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${api}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
      return (await response.json()) as T;
    };
    const events = async (type: 'link-down' | 'link-up'): Promise<StateEvent[]> =>
      (await getJson<{ events: StateEvent[] }>(`/api/v1/events?device=sw-a&type=${type}`)).events;
    const incidents = async (state: 'open' | 'closed'): Promise<Incident[]> =>
      (await getJson<{ incidents: Incident[] }>(`/api/v1/incidents?state=${state}`)).incidents;
    const group = (): Promise<GroupHealth> => getJson<GroupHealth>('/api/v1/health/srv1/bond0');
    const eth0 = async (): Promise<LegHealth | undefined> =>
      (await group()).legs.find((leg) => leg.interface === 'eth0');

    /** The trap event of sw-a swp1 of that type received at or after `sinceMs`, once there. */
    const waitForTrap = async (
      type: 'link-down' | 'link-up',
      sinceMs: number,
    ): Promise<StateEvent> => {
      let found: StateEvent | undefined;
      let seen: StateEvent[] = [];
      await waitFor(
        `a ${type} trap from sw-a's snmpd for swp1`,
        async () => {
          seen = (await events(type)).filter((e) => Date.parse(e.at) >= sinceMs);
          found = seen.find((e) => e.source === 'trap' && e.interface === 'swp1');
          return found !== undefined;
        },
        TRAP_WAIT_MS,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; events: ${JSON.stringify(seen)}`);
      });
      return found!;
    };

    /**
     * Scheduled polls come at multiples of the interval since the epoch (bull's `repeat.every`):
     * start a step only when the next one is far enough away that what the test sees before it
     * can only come from a trap (or a poll a trap asked for).
     */
    const awayFromScheduledPolls = async (neededMs: number): Promise<number> => {
      let untilPoll = POLL_INTERVAL_MS - (Date.now() % POLL_INTERVAL_MS);
      if (untilPoll < neededMs) {
        await sleep(untilPoll + 2000); // past the boundary and its poll
        untilPoll = POLL_INTERVAL_MS - (Date.now() % POLL_INTERVAL_MS);
      }
      return Date.now() + untilPoll;
    };

    it('starts healthy, with no link trap yet', async () => {
      await waitFor(
        'srv1 bond0 OK with both switch ports known',
        async () => {
          const g = await group();
          return (
            g.status === 'OK' && g.legs.every((leg) => leg.portUp === true && leg.stpState !== null)
          );
        },
        20_000,
      );
      expect((await events('link-down')).filter((e) => e.source === 'trap')).toEqual([]);
      expect(await incidents('open')).toEqual([]);
    });

    it("learns of a cut cable from snmpd's own linkDown, long before the next poll", async () => {
      const nextPoll = await awayFromScheduledPolls(20_000);
      const cutAt = Date.now();
      lab.cutCable('srv1', 'eth0');
      // the bond fails over, as a real one would; only a poll of srv1 can tell
      lab.setExtend('srv1', 'bond0', bondText('eth1', { eth0: 'down', eth1: 'up' }));

      const trap = await waitForTrap('link-down', cutAt);
      const receivedMs = Date.parse(trap.at) - cutAt;
      console.info(`snmpd's linkDown received ${receivedMs} ms after the cut`);
      expect(trap).toMatchObject({
        source: 'trap',
        device: 'sw-a',
        type: 'link-down',
        interface: 'swp1',
        details: {
          version: '2c',
          trapOid: '1.3.6.1.6.3.1.1.5.3',
          ifIndex: lab.ifIndex('sw-a', 'swp1'),
          ifAdminStatus: 'up',
          ifOperStatus: 'down',
        },
      });
      expect(String(trap.details.from)).toMatch(
        new RegExp(`^${lab.switchAddress('sw-a').replaceAll('.', '\\.')}:\\d+$`),
      );
      // generated by the agent, not sent with snmptrap
      const varbinds = trap.details.varbinds as Array<{ oid: string; value: string }>;
      expect(varbinds.find((vb) => vb.oid === SNMP_TRAP_ENTERPRISE)?.value).toMatch(
        /^1\.3\.6\.1\.4\.1\.8072\./,
      );
      // the first word nicwatch had of it is the trap's
      const downs = (await events('link-down')).filter(
        (e) => e.interface === 'swp1' && Date.parse(e.at) >= cutAt,
      );
      const earliest = downs.reduce((a, b) => (Date.parse(b.at) < Date.parse(a.at) ? b : a));
      expect(earliest.source).toBe('trap');

      await waitFor(
        "eth0's switch port down in the health",
        async () => (await eth0())?.portUp === false,
        3000,
      );
      const shownMs = Date.now() - cutAt;
      console.info(`leg eth0 portUp: false ${shownMs} ms after the cut`);
      expect(Date.now()).toBeLessThan(nextPoll - 1000);

      let open: Incident[] = [];
      await waitFor(
        'an incident caused by the linkDown',
        async () => (open = await incidents('open')).length === 1,
        5000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(open)}`);
      });
      expect(open[0]).toMatchObject({
        device: 'srv1',
        group: 'bond0',
        cause: { device: 'sw-a', type: 'link-down', interface: 'swp1' },
      });
      // the trap asked for a poll of the server behind the port: the failover shows too
      await waitFor(
        'the failover, from the poll the trap asked for',
        async () => {
          open = await incidents('open');
          return open[0]?.failoverMs !== null && open[0]?.failoverMs !== undefined;
        },
        5000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(open)}`);
      });
      expect(open[0]?.summary).toMatch(/^sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 in /);
      expect(Date.now()).toBeLessThan(nextPoll);
    }, 60_000);

    it("learns of the mend from snmpd's linkUp, and closes the incident", async () => {
      const nextPoll = await awayFromScheduledPolls(20_000);
      const mendAt = Date.now();
      lab.mendCable('srv1', 'eth0');
      lab.setExtend('srv1', 'bond0', bondText('eth1', { eth0: 'up', eth1: 'up' }));

      const trap = await waitForTrap('link-up', mendAt);
      console.info(`snmpd's linkUp received ${Date.parse(trap.at) - mendAt} ms after the mend`);
      expect(trap).toMatchObject({
        source: 'trap',
        device: 'sw-a',
        type: 'link-up',
        interface: 'swp1',
        details: { trapOid: '1.3.6.1.6.3.1.1.5.4', ifOperStatus: 'up' },
      });
      await waitFor(
        "eth0's switch port up again in the health",
        async () => (await eth0())?.portUp === true,
        3000,
      );
      await waitFor('no open incident', async () => (await incidents('open')).length === 0, 5000);
      const [closed] = await incidents('closed');
      expect(closed?.cause).toEqual({ device: 'sw-a', type: 'link-down', interface: 'swp1' });
      expect(closed?.summary).toMatch(/every leg back$/);
      expect(Date.now()).toBeLessThan(nextPoll);

      const metrics = await (await fetch(`${api}/metrics`)).text();
      expect(metrics).toMatch(/nicwatch_traps_received_total\{result="accepted"\} [1-9]/);
      expect(metrics).toMatch(/nicwatch_traps_received_total\{result="rejected"\} 0\b/);
    }, 60_000);
  },
);
