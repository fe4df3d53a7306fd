/**
 * `nicwatch run` with a switch read over NETCONF (contract section 2, `netconf:`), against real
 * peers: Linux bridges in network namespaces (test/helpers/netns-lab.ts), sw-a served by snmpd as
 * usual and sw-n by yuma123's netconfd running in sw-n's namespace behind a private sshd
 * (test/helpers/netconfd.ts). srv1's bond has one leg on each. The cable to sw-n is cut and
 * mended in the lab; the bond file is left as it is, so the leg can only go down through what
 * NETCONF says of sw-n swp1.
 *
 * A second daemon polls three switches that cannot be read: sw-n's server with a wrong password,
 * a closed port, and a TCP peer that accepts and never speaks. Each must turn UNKNOWN with its
 * reason, the last within the NETCONF timeout set here: a poll never hangs.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import { startDaemon, type Daemon } from '../../src/daemon/run';
import type { FleetHealth, GroupHealth, SwitchHealth } from '../../src/health/fleet';
import { createLogger } from '../../src/log';
import type { StateEvent } from '../../src/model';
import { bondText } from '../helpers/bond-text';
import { runCli } from '../helpers/cli';
import { labConfigYaml, netconfYaml } from '../helpers/lab-config';
import {
  NETCONFD_SKIP_REASON,
  netconfdSessions,
  startNetconfd,
  type Netconfd,
} from '../helpers/netconfd';
import { NETNS_SKIP_REASON, startLab, type Lab, type LabSpec } from '../helpers/netns-lab';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { freeTcpPort, freeUdpPort, waitFor } from '../helpers/wait';

const POLL_S = 2;
/** The bound the issue sets for a cut to show: two poll intervals. */
const DETECT_MS = 2 * POLL_S * 1000;
/** The NETCONF timeout of every switch here: connect, login, hello and the `<get>`. */
const NETCONF_TIMEOUT_MS = 3000;

const SKIP_REASON =
  NETNS_SKIP_REASON ||
  NETCONFD_SKIP_REASON ||
  (haveRedis() ? '' : 'no Redis: install redis-server or set NICWATCH_TEST_REDIS_URL');

const SPEC: LabSpec = {
  switches: [{ name: 'sw-a' }, { name: 'sw-n' }],
  servers: [
    {
      name: 'srv1',
      nics: [
        { name: 'eth0', switch: 'sw-a', port: 'swp1' },
        { name: 'eth1', switch: 'sw-n', port: 'swp1' },
      ],
      extends: { bond0: bondText('eth0', { eth0: 'up', eth1: 'up' }) },
    },
  ],
  ifTableCacheSeconds: 1,
};

describe.skipIf(SKIP_REASON !== '')(
  `nicwatch run with a switch over NETCONF${SKIP_REASON && ` (${SKIP_REASON})`}`,
  () => {
    let lab: Lab;
    let nc: Netconfd;
    let redis: TestRedis;
    let daemon: Daemon;
    let api: string;

    beforeAll(async () => {
      lab = await startLab(SPEC);
      nc = await startNetconfd({ netns: lab.namespace('sw-n') });
      redis = await useRedis();
      const trapPort = await freeUdpPort();
      const yaml = labConfigYaml(lab, SPEC, {
        redis,
        pollIntervalS: POLL_S,
        trapListen: `127.0.0.1:${trapPort}`,
        netconf: {
          'sw-n': {
            address: nc.host,
            port: nc.port,
            username: nc.username,
            password: '${SW_N_PASS}',
            timeoutMs: NETCONF_TIMEOUT_MS,
          },
        },
      });
      const config = parseConfig(yaml, 'lab-netconf.yaml', { SW_N_PASS: nc.password });
      expect(config.devices.find((d) => d.name === 'sw-n')?.snmp).toBeUndefined();
      daemon = await startDaemon(
        config,
        ['poller', 'traps', 'worker', 'api'],
        createLogger('silent'),
      );
      api = `http://${daemon.apiAddress}`;
      console.log(
        `lab ${lab.timings.totalMs} ms (STP ${lab.timings.stpMs} ms); netconfd + sshd ` +
          `${nc.timings.totalMs} ms`,
      );
    }, 60_000);

    afterAll(async () => {
      await daemon?.stop();
      // netconfd runs in the lab's namespace: stop it before the lab removes that
      await nc?.stop();
      await lab?.stop();
      await redis?.cleanup();
    });

    const fleet = async (): Promise<FleetHealth> =>
      (await fetch(`${api}/api/v1/health`)).json() as Promise<FleetHealth>;
    const bond0 = (health: FleetHealth): GroupHealth | undefined =>
      health.groups.find((g) => g.device === 'srv1' && g.group === 'bond0');
    const events = async (query: string): Promise<StateEvent[]> =>
      ((await (await fetch(`${api}/api/v1/events?${query}`)).json()) as { events: StateEvent[] })
        .events;
    /** Waits until `ready` holds for the fleet; returns that fleet and how long it took. */
    const waitForFleet = async (
      what: string,
      ready: (health: FleetHealth) => boolean,
      timeoutMs: number,
    ): Promise<{ health: FleetHealth; ms: number }> => {
      const started = Date.now();
      let last: FleetHealth | undefined;
      await waitFor(what, async () => ready((last = await fleet())), timeoutMs).catch(
        (err: Error) => {
          const group = last && bond0(last);
          throw new Error(
            `${err.message}; last seen ${JSON.stringify(group?.reasons)} legs ` +
              `${JSON.stringify(group?.legs)}; switches ${JSON.stringify(last?.switches)}\n${nc.logs()}`,
          );
        },
      );
      return { health: last!, ms: Date.now() - started };
    };
    const legOnSwN = (health: FleetHealth) => bond0(health)?.legs.find((l) => l.switch === 'sw-n');

    it("reads sw-n's port over NETCONF: the leg on it is up and the group OK", async () => {
      const { health } = await waitForFleet(
        'srv1 bond0 OK with both switch sides known',
        (h) =>
          bond0(h)?.status === 'OK' &&
          legOnSwN(h)?.portUp === true &&
          bond0(h)?.legs[0]?.stpState === 'forwarding',
        20_000,
      );
      expect(
        bond0(health)?.legs.map((l) => [l.interface, l.switch, l.port, l.portUp, l.stpState]),
      ).toEqual([
        ['eth0', 'sw-a', 'swp1', true, 'forwarding'],
        // ietf-interfaces has no STP: unknown, not a guess
        ['eth1', 'sw-n', 'swp1', true, null],
      ]);
      expect(bond0(health)?.reasons.map((r) => r.code)).toEqual(['all-legs-up']);
      const swN = health.switches.find((s) => s.device === 'sw-n');
      expect(swN).toMatchObject({ status: 'OK', reachable: true, reasons: [] });
      // netconfd reports the namespace's own interfaces, none of the host's
      expect(swN?.ports.map((p) => p.port).sort()).toEqual(['br0', 'lo', 'mgmt', 'swp1']);
      expect(swN?.ports.find((p) => p.port === 'swp1')).toMatchObject({ up: true });
      const swNEvents = await events('device=sw-n');
      expect(swNEvents.filter((e) => e.source !== 'netconf')).toEqual([]);
      const metrics = await (await fetch(`${api}/metrics`)).text();
      const pollS = /^nicwatch_poll_duration_seconds\{device="sw-n"\} (\S+)$/m.exec(metrics)?.[1];
      console.log(`last NETCONF poll of sw-n: ${pollS} s`);
    });

    it('turns the leg down within two poll intervals of a cable cut, and back when mended', async () => {
      const cutAt = Date.now();
      lab.cutCable('srv1', 'eth1');
      const cut = await waitForFleet(
        'the leg on sw-n down',
        (h) => legOnSwN(h)?.portUp === false,
        10_000,
      );
      const detectMs = Date.now() - cutAt;
      console.log(`cable cut on sw-n swp1 seen over NETCONF after ${detectMs} ms`);
      expect(detectMs, `cut seen after ${detectMs} ms, want ≤ ${DETECT_MS}`).toBeLessThanOrEqual(
        DETECT_MS,
      );
      const group = bond0(cut.health);
      expect(group?.status).toBe('WARNING');
      expect(group?.reasons.map((r) => r.code)).toEqual(['leg-down']);
      expect(group?.reasons[0]?.message).toMatch(/eth1 \(sw-n swp1 down\)/);
      const down = await events('device=sw-n&type=link-down');
      expect(down.map((e) => [e.source, e.interface])).toContainEqual(['netconf', 'swp1']);

      const mendAt = Date.now();
      lab.mendCable('srv1', 'eth1');
      await waitForFleet(
        'srv1 bond0 OK again',
        (h) => bond0(h)?.status === 'OK' && legOnSwN(h)?.portUp === true,
        10_000,
      );
      console.log(`mended cable seen over NETCONF after ${Date.now() - mendAt} ms`);
      const swNEvents = await events('device=sw-n');
      expect(swNEvents.filter((e) => e.source !== 'netconf')).toEqual([]);
      expect(swNEvents.map((e) => [e.type, e.interface])).toContainEqual(['link-up', 'swp1']);
    });

    it('keeps one NETCONF session to sw-n across polls: one login, not one per poll', async () => {
      // A session opened for one poll answers its <get> and <close-session/> and is gone; one
      // kept answers a <get> every poll. (A poll that times out under load replaces it: any
      // session seen answering three more rpcs is one kept across polls.)
      const firstSeen = new Map<string, number>();
      const seen: string[] = [];
      await waitFor(
        'one session to answer three more polls',
        async () => {
          const now = await netconfdSessions(nc);
          seen.push(JSON.stringify([...now]));
          for (const [id, rpcs] of now) {
            if (!firstSeen.has(id)) firstSeen.set(id, rpcs);
            if (rpcs - (firstSeen.get(id) ?? rpcs) >= 3) return true;
          }
          return false;
        },
        8 * POLL_S * 1000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}; sessions (id, rpcs) seen last: ${seen.slice(-4).join(' ')}`,
        );
      });
    });

    describe('switches that cannot be read over NETCONF', () => {
      let silent: Server;
      const silentSockets = new Set<Socket>();
      let badRedis: TestRedis;
      let badDaemon: Daemon;
      let badApi: string;
      let startedAt: number;

      beforeAll(async () => {
        // accepts the TCP connection and never sends an SSH banner
        silent = createServer((socket) => {
          silentSockets.add(socket);
          socket.on('close', () => silentSockets.delete(socket));
        });
        silent.listen(0, '127.0.0.3');
        await once(silent, 'listening');
        const silentPort = (silent.address() as AddressInfo).port;
        const closedPort = await freeTcpPort();
        const login = { username: nc.username, timeoutMs: NETCONF_TIMEOUT_MS };
        badRedis = await useRedis();
        const config = parseConfig(
          `
redis: { url: "${badRedis.url}", prefix: "${badRedis.prefix}" }
api: { listen: "127.0.0.1:0" }
pollIntervalS: ${POLL_S}
devices:
  - { name: sw-n-bad, role: switch, address: ${nc.host}, netconf: ${netconfYaml({ ...login, port: nc.port, password: 'not-the-password' })} }
  - { name: sw-n-closed, role: switch, address: 127.0.0.2, netconf: ${netconfYaml({ ...login, port: closedPort, password: nc.password })} }
  - { name: sw-n-silent, role: switch, address: 127.0.0.3, netconf: ${netconfYaml({ ...login, port: silentPort, password: nc.password })} }
`,
          'lab-netconf-bad.yaml',
          {},
        );
        startedAt = Date.now();
        badDaemon = await startDaemon(config, ['poller', 'api'], createLogger('silent'));
        badApi = `http://${badDaemon.apiAddress}`;
      });

      afterAll(async () => {
        await badDaemon?.stop();
        for (const socket of silentSockets) socket.destroy();
        if (silent) await new Promise((resolve) => silent.close(resolve));
        await badRedis?.cleanup();
      });

      const cases: Array<{ device: string; message: RegExp; boundMs: number }> = [
        {
          device: 'sw-n-bad',
          message:
            /^sw-n-bad does not answer: 127\.0\.0\.1:\d+ rejected the SSH login of user "nwnc[0-9a-f]+" \(password\)$/,
          boundMs: 2000,
        },
        {
          device: 'sw-n-closed',
          message:
            /^sw-n-closed does not answer: 127\.0\.0\.2:\d+ refused the connection \(no SSH server on that port\)$/,
          boundMs: 2000,
        },
        {
          device: 'sw-n-silent',
          message: new RegExp(
            `^sw-n-silent does not answer: no SSH handshake with 127\\.0\\.0\\.3:\\d+ within ${NETCONF_TIMEOUT_MS} ms$`,
          ),
          boundMs: NETCONF_TIMEOUT_MS + 2000,
        },
      ];

      it.each(cases)('$device turns UNKNOWN device-unreachable with its reason', async (c) => {
        let sw: SwitchHealth | undefined;
        await waitFor(
          `${c.device} unreachable`,
          async () => {
            const health = (await (await fetch(`${badApi}/api/v1/health`)).json()) as FleetHealth;
            sw = health.switches.find((s) => s.device === c.device);
            return sw?.reasons[0]?.code === 'device-unreachable';
          },
          c.boundMs + 5000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; last seen ${JSON.stringify(sw)}`);
        });
        const ms = Date.now() - startedAt;
        console.log(
          `${c.device}: UNKNOWN ${ms} ms after the daemon started: ${sw?.reasons[0]?.message}`,
        );
        expect(
          ms,
          `${c.device} unreachable after ${ms} ms, want ≤ ${c.boundMs}`,
        ).toBeLessThanOrEqual(c.boundMs);
        expect(sw).toMatchObject({ status: 'UNKNOWN', reachable: false, ports: [] });
        expect(sw?.reasons[0]?.message).toMatch(c.message);
        expect(sw?.reasons[0]?.message).not.toContain(nc.password);
        expect(sw?.reasons[0]?.message).not.toContain('not-the-password');
        const said = (await (await fetch(`${badApi}/api/v1/events?device=${c.device}`)).json()) as {
          events: StateEvent[];
        };
        expect(said.events.map((e) => [e.source, e.type])).toEqual([
          ['netconf', 'device-unreachable'],
        ]);
      });

      it('never waits past the NETCONF timeout (poll durations in /metrics)', async () => {
        const metrics = await (await fetch(`${badApi}/metrics`)).text();
        const durationS = (device: string): number =>
          Number(
            new RegExp(`^nicwatch_poll_duration_seconds\\{device="${device}"\\} (\\S+)$`, 'm').exec(
              metrics,
            )?.[1],
          );
        const limitS = NETCONF_TIMEOUT_MS / 1000;
        console.log(
          `poll durations: ${cases.map((c) => `${c.device} ${durationS(c.device)} s`).join(', ')}`,
        );
        expect(durationS('sw-n-bad')).toBeLessThan(limitS / 2);
        expect(durationS('sw-n-closed')).toBeLessThan(limitS / 2);
        // the silent peer costs the whole timeout, and not more
        expect(durationS('sw-n-silent')).toBeGreaterThanOrEqual(limitS - 0.05);
        expect(durationS('sw-n-silent')).toBeLessThan(limitS + 0.5);
      });

      it('nicwatch check --url --device sw-n-bad exits 3 with the reason on its line', async () => {
        const check = await runCli(['check', '--url', badApi, '--device', 'sw-n-bad', '-t', '5']);
        expect(check.stdout).toMatch(
          /^NICWATCH UNKNOWN - sw-n-bad \(switch\): sw-n-bad does not answer: 127\.0\.0\.1:\d+ rejected the SSH login of user "nwnc[0-9a-f]+" \(password\) \[device-unreachable\] \| ports_up=0;;;0;0\n/,
        );
        expect(check.stdout).not.toContain('not-the-password');
        expect(check.code, check.stdout + check.stderr).toBe(3);
      });
    });
  },
);
