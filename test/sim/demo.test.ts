/**
 * `nicwatch demo` as a newcomer runs it (the built program, a subprocess): the README's promise.
 * Everything it shows comes through the real pipeline: SNMP polls of the simulated agents, their
 * traps to the receiver, the correlator, Redis and the API; and, as root with netconfd installed,
 * NETCONF polls of sw-d, a real netconfd whose ports follow the lab's cables.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlate/engine';
import type { GroupHealth } from '../../src/health/fleet';
import { netconfSwitchProblem } from '../../src/lab/netconf-switch';
import { NICWATCH_BIN, runCli, shebangNodeOptions } from '../helpers/cli';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { alive } from '../helpers/processes';
import { freeTcpPort, waitFor } from '../helpers/wait';

const haveRedisServer = !spawnSync('redis-server', ['--version']).error;
/** Empty when the demo can run its NETCONF switch here (root, netconfd, sshd, ip, ssh-keygen). */
const NETCONF_PROBLEM = netconfSwitchProblem();
const SPEAKS_NETCONF =
  /^nicwatch demo: sw-d speaks NETCONF \(netconfd at 198\.18\.200\.\d+:830\)$/m;
const LEFT_OUT =
  /^nicwatch demo: the NETCONF switch sw-d is left out: (.+) \(it needs root and netconfd: scripts\/install-deps\.sh --with-nms\)$/gm;

const namespaces = (): string[] =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '');

interface Health {
  status: string;
  groups: GroupHealth[];
  switches: Array<{
    device: string;
    status: string;
    reachable: boolean;
    designatedRoot: string | null;
  }>;
}

/** What each demo group shows before anything is cut: status and reason codes. */
const EXPECTED: Record<string, [string, string[]]> = {
  'srv-web1/bond0': ['OK', ['all-legs-up']],
  'srv-web2/bond0': ['WARNING', ['leg-down']],
  'srv-db1/bond0': ['WARNING', ['single-switch']],
  'srv-app1/bond0': ['WARNING', ['no-link-monitoring']],
  'srv-stor1/bond0': ['CRITICAL', ['upstream-lost']],
  'srv-db2/bond1': ['OK', ['all-legs-up']],
  'srv-k8s1/team0': ['OK', ['all-legs-up']],
  'sol-db1/ipmp0': ['OK', ['all-legs-up']],
  'srv-web3/bond0': ['OK', ['all-legs-up']],
  'srv-mail1/bond0': ['WARNING', ['not-edge-port']],
};
/** The group cabled to sw-d, there only when sw-d runs. */
const EXPECTED_WITH_NETCONF: Record<string, [string, string[]]> = {
  'srv-nc1/bond0': ['OK', ['all-legs-up']],
};

describe.skipIf(!haveRedisServer)(
  `nicwatch demo${haveRedisServer ? '' : ' (redis-server is missing: scripts/install-deps.sh)'}`,
  () => {
    let demo: DemoProcess;
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${demo.url}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
      return (await response.json()) as T;
    };
    const health = () => get<Health>('/api/v1/health');
    const group = (device: string, name: string) =>
      get<GroupHealth>(`/api/v1/health/${device}/${name}`);
    const openIncident = async (device: string): Promise<Incident | undefined> =>
      (await get<{ incidents: Incident[] }>('/api/v1/incidents?state=open')).incidents.find(
        (i) => i.device === device,
      );

    beforeAll(async () => {
      demo = await startDemo();
    }, 40_000);
    afterAll(async () => demo?.stop());

    it('within 20 s shows every group, covering OK, WARNING and CRITICAL, each for its reason', async () => {
      const expected = {
        ...EXPECTED,
        ...(SPEAKS_NETCONF.test(demo.output()) ? EXPECTED_WITH_NETCONF : {}),
      };
      let last: Health | null = null;
      const seen = () =>
        (last?.groups ?? []).filter((g) => {
          const want = expected[`${g.device}/${g.group}`];
          return (
            want &&
            g.status === want[0] &&
            want[1].every((code) => g.reasons.some((r) => r.code === code))
          );
        }).length;
      await waitFor(
        'every demo group in its expected state',
        async () => {
          last = await health();
          return seen() === Object.keys(expected).length && last.groups.length === seen();
        },
        20_000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: ${JSON.stringify(last?.groups.map((g) => [g.device, g.group, g.status, g.reasons.map((r) => r.code)]))}`,
        );
      });
      const statuses = new Set((last as Health | null)?.groups.map((g) => g.status));
      expect([...statuses].sort()).toEqual(['CRITICAL', 'OK', 'WARNING']);
      expect((last as Health | null)?.status).toBe('CRITICAL');
      expect(demo.output()).toMatch(/dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    }, 30_000);

    it('shows the switch side: legs land on their ports, forwarding, sw-c cut off from the root', async () => {
      const web1 = await group('srv-web1', 'bond0');
      expect(
        web1.legs.map((l) => [
          l.interface,
          l.switch,
          l.port,
          l.portUp,
          l.stpState,
          l.edge,
          l.active,
        ]),
      ).toEqual([
        ['eth0', 'sw-a', 'swp1', true, 'forwarding', true, true],
        ['eth1', 'sw-b', 'swp1', true, 'forwarding', true, false],
      ]);
      const { switches } = await health();
      const root = switches.find((s) => s.device === 'sw-core')?.designatedRoot;
      expect(switches.find((s) => s.device === 'sw-a')?.designatedRoot).toBe(root);
      expect(switches.find((s) => s.device === 'sw-c')?.designatedRoot).not.toBe(root);
    });

    it("cutting a healthy group's active leg turns it WARNING with an incident timing the failover within 5 s", async () => {
      const started = Date.now();
      await demo.cut('sw-a', 'swp1');
      let incident: Incident | undefined;
      await waitFor(
        'a WARNING srv-web1/bond0 and its incident with failoverMs',
        async () => {
          incident = await openIncident('srv-web1');
          return (
            incident?.failoverMs != null && (await group('srv-web1', 'bond0')).status === 'WARNING'
          );
        },
        5000,
      );
      const seenAfterMs = Date.now() - started;
      expect(incident?.cause).toEqual({ device: 'sw-a', type: 'link-down', interface: 'swp1' });
      expect(incident?.summary).toMatch(
        /sw-a swp1 down, srv-web1 bond0 failed over eth0 → eth1 in \d+ ms/,
      );
      const web1 = await group('srv-web1', 'bond0');
      expect(web1.activeLeg).toBe('eth1');
      expect(web1.legs[0]).toMatchObject({ interface: 'eth0', up: false, portUp: false });
      console.log(
        `demo: incident with failoverMs=${incident?.failoverMs} seen ${seenAfterMs} ms after the cut`,
      );

      await demo.mend('sw-a', 'swp1');
      await waitFor(
        'srv-web1 back to OK on its primary, the incident closed',
        async () =>
          (await group('srv-web1', 'bond0')).status === 'OK' &&
          (await openIncident('srv-web1')) === undefined,
        15_000,
      );
      expect((await group('srv-web1', 'bond0')).activeLeg).toBe('eth0');
    }, 30_000);

    it('a bond without link monitoring does not fail over: CRITICAL active-leg-down', async () => {
      await demo.cut('sw-a', 'swp5');
      await waitFor(
        'srv-app1 CRITICAL active-leg-down',
        async () =>
          (await group('srv-app1', 'bond0')).reasons.some((r) => r.code === 'active-leg-down'),
        10_000,
      );
      const app1 = await group('srv-app1', 'bond0');
      expect(app1.status).toBe('CRITICAL');
      expect(app1.activeLeg).toBe('eth0');
      await demo.mend('sw-a', 'swp5');
      await waitFor(
        'srv-app1 back to WARNING',
        async () => (await group('srv-app1', 'bond0')).status === 'WARNING',
        10_000,
      );
    }, 30_000);

    it('answers a cut of what does not exist with a clear error', async () => {
      const unknown = await fetch(`${demo.url}/lab/links/sw-a/swp99/down`, { method: 'POST' });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
        /sw-a has no port "swp99"/,
      );
      const wrong = await fetch(`${demo.url}/lab/links/sw-a/swp1/sideways`, { method: 'POST' });
      expect(wrong.status).toBe(400);
    });

    it('lets curl and its own page cut a cable, not another web site', async () => {
      // sw-a swp12 has nothing cabled to it: cutting it disturbs no group
      const post = async (action: 'down' | 'up', headers: Record<string, string> = {}) => {
        const response = await fetch(`${demo.url}/lab/links/sw-a/swp12/${action}`, {
          method: 'POST',
          headers,
        });
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      const foreign = await post('down', { Origin: 'http://attacker.example' });
      expect(foreign.status, JSON.stringify(foreign.body)).toBe(403);
      expect(foreign.body).toMatchObject({ error: { code: 'forbidden' } });
      const crossSite = await post('down', { 'Sec-Fetch-Site': 'cross-site' });
      expect(crossSite.status, JSON.stringify(crossSite.body)).toBe(403);
      const otherPort = await post('down', { Origin: 'http://127.0.0.1:1' });
      expect(otherPort.status, 'a page on another local port').toBe(403);
      // curl as section 8 of the contract writes it: no Origin. The cable is still up.
      expect(await post('up')).toEqual({
        status: 200,
        body: { switch: 'sw-a', port: 'swp12', up: true, changed: false },
      });
      // the dashboard's own fetch: Origin is this very host
      const own = await post('down', { Origin: demo.url, 'Sec-Fetch-Site': 'same-origin' });
      expect(own).toEqual({
        status: 200,
        body: { switch: 'sw-a', port: 'swp12', up: false, changed: true },
      });
      expect((await post('up')).body).toMatchObject({ up: true, changed: true });
    });

    it('records the newRoot trap of a switch that becomes root of its island', async () => {
      type Event = { device: string; type: string; source: string; at: string };
      // polls report a changed designated root as stp-new-root too: only the traps count here
      const newRoots = async (): Promise<Event[]> =>
        (
          await get<{ events: Event[] }>('/api/v1/events?type=stp-new-root&device=sw-c')
        ).events.filter((e) => e.source === 'trap');
      const before = (await newRoots()).length;
      // sw-c joins sw-core's tree (no trap: it stops being root), then is cut off again
      await demo.mend('sw-core', 'swp3');
      await waitFor(
        "sw-c under sw-core's root",
        async () => {
          const { switches } = await health();
          const root = switches.find((s) => s.device === 'sw-core')?.designatedRoot;
          return switches.find((s) => s.device === 'sw-c')?.designatedRoot === root;
        },
        5000,
      );
      expect(await newRoots()).toHaveLength(before);
      await demo.cut('sw-core', 'swp3');
      await waitFor(
        'an stp-new-root event from sw-c',
        async () => (await newRoots()).length > before,
        5000,
      );
      expect((await newRoots())[0]).toMatchObject({ device: 'sw-c', type: 'stp-new-root' });
    }, 15_000);

    it.skipIf(NETCONF_PROBLEM !== '')(
      'reads sw-d over NETCONF: a cut in its namespace turns the leg on it down within two polls, a mend back',
      async () => {
        expect(demo.output()).toMatch(SPEAKS_NETCONF);
        const legsOf = (g: GroupHealth) =>
          g.legs.map((l) => [l.interface, l.switch, l.port, l.portUp, l.stpState, l.active]);
        const eth1 = async () => (await group('srv-nc1', 'bond0')).legs[1];
        await waitFor(
          'srv-nc1 OK with its leg on sw-d up',
          async () =>
            (await group('srv-nc1', 'bond0')).status === 'OK' && (await eth1())?.portUp === true,
          15_000,
        );
        expect(legsOf(await group('srv-nc1', 'bond0'))).toEqual([
          ['eth0', 'sw-a', 'swp11', true, 'forwarding', true],
          // ietf-interfaces has no STP: unknown, never a guess
          ['eth1', 'sw-d', 'swp1', true, null, false],
        ]);
        const swD = (await health()).switches.find((s) => s.device === 'sw-d');
        expect(swD?.reachable, 'sw-d polled over NETCONF').toBe(true);

        const cutAt = Date.now();
        await demo.cut('sw-d', 'swp1');
        // the demo polls every 5 s: two intervals
        await waitFor(
          'the leg on sw-d swp1 down and srv-nc1 WARNING',
          async () =>
            (await eth1())?.portUp === false &&
            (await group('srv-nc1', 'bond0')).status === 'WARNING',
          10_000,
        );
        console.log(
          `demo: sw-d swp1 seen down over NETCONF ${Date.now() - cutAt} ms after the cut`,
        );
        const nc1 = await group('srv-nc1', 'bond0');
        expect(nc1.reasons.map((r) => r.code)).toContain('leg-down');
        expect(nc1.activeLeg, 'the primary keeps the traffic').toBe('eth0');
        const events = await get<{ events: Array<{ source: string; interface?: string }> }>(
          '/api/v1/events?device=sw-d&type=link-down',
        );
        expect(events.events).toContainEqual(
          expect.objectContaining({ source: 'netconf', interface: 'swp1' }),
        );

        await demo.mend('sw-d', 'swp1');
        await waitFor(
          'srv-nc1 back to OK with its leg on sw-d up',
          async () =>
            (await eth1())?.portUp === true && (await group('srv-nc1', 'bond0')).status === 'OK',
          10_000,
        );
      },
      40_000,
    );

    it.skipIf(NETCONF_PROBLEM === '')(
      `leaves sw-d and srv-nc1 out in one line (${NETCONF_PROBLEM || 'n/a'})`,
      async () => {
        expect([...demo.output().matchAll(LEFT_OUT)].map((m) => m[1])).toEqual([NETCONF_PROBLEM]);
        const fleet = await health();
        expect(fleet.groups.map((g) => g.device)).not.toContain('srv-nc1');
        expect(fleet.switches.map((s) => s.device)).not.toContain('sw-d');
      },
    );
  },
);

describe.skipIf(!haveRedisServer)('nicwatch demo, its scenario and its stop', () => {
  it('cuts and mends a link by itself and stops its own Redis on SIGTERM', async () => {
    const demo = await startDemo({ scenario: true, extraArgs: ['--scenario-every', '3'] });
    try {
      await waitFor(
        'the scenario to cut and mend',
        () => /scenario: mended sw-a swp9/.test(demo.output()),
        15_000,
      );
      expect(demo.output()).toMatch(/scenario: cut sw-a swp9 \(srv-web3 eth0/);
      await waitFor(
        "the scenario's cut as a trap event",
        async () => {
          const response = await fetch(`${demo.url}/api/v1/events?device=sw-a&type=link-down`);
          const { events } = (await response.json()) as {
            events: Array<{ interface?: string; source: string }>;
          };
          return events.some((e) => e.interface === 'swp9' && e.source === 'trap');
        },
        5000,
      );
      const netns = `nwdemo-${demo.pid}-sw-d`;
      if (NETCONF_PROBLEM === '') expect(namespaces()).toContain(netns);
      await demo.stop(5000, { leaveRedis: true });
      expect(namespaces(), 'the demo removed its NETCONF switch').not.toContain(netns);
      const pid = Number(/private redis-server \(pid (\d+)\)/.exec(demo.output())?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(() => process.kill(pid, 0), 'the demo stopped its Redis').toThrow();
    } finally {
      await demo.stop();
    }
  }, 40_000);
});

describe.skipIf(!haveRedisServer)('nicwatch demo where its NETCONF switch cannot run', () => {
  it('leaves sw-d and the server cabled to it out, said in one line', async () => {
    // a PATH that has redis-server but neither ip nor ssh-keygen
    const bin = mkdtempSync(join(tmpdir(), 'nicwatch-demo-path-'));
    const redisServer = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
    symlinkSync(redisServer.stdout.trim(), join(bin, 'redis-server'));
    const demo = await startDemo({ env: { PATH: bin } });
    try {
      const reasons = [...demo.output().matchAll(LEFT_OUT)].map((m) => m[1]);
      expect(reasons, demo.output()).toHaveLength(1);
      if (NETCONF_PROBLEM === '') expect(reasons).toEqual(['ip, ssh-keygen not on PATH']);
      expect(demo.output()).not.toMatch(SPEAKS_NETCONF);
      expect(demo.output()).toMatch(/4 switches and 10 servers answer SNMP/);
      const fleet = (await (await fetch(`${demo.url}/api/v1/health`)).json()) as Health;
      expect(fleet.groups.map((g) => `${g.device}/${g.group}`).sort()).toEqual(
        Object.keys(EXPECTED).sort(),
      );
      expect(fleet.switches.map((s) => s.device)).not.toContain('sw-d');
      const cut = await fetch(`${demo.url}/lab/links/sw-d/swp1/down`, { method: 'POST' });
      expect(cut.status).toBe(404);
      expect(namespaces()).not.toContain(`nwdemo-${demo.pid}-sw-d`);
    } finally {
      await demo.stop();
      rmSync(bin, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('nicwatch demo without any Redis', () => {
  it('stops with one sentence saying how to get one', async () => {
    const run = await runCli(['demo', '--port', '0'], {
      env: { PATH: '/nonexistent', NICWATCH_REDIS_URL: '' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'nicwatch demo needs Redis: install redis-server (scripts/install-deps.sh, or apt-get install redis-server) or point NICWATCH_REDIS_URL at one, e.g. NICWATCH_REDIS_URL=redis://127.0.0.1:6379/0',
    );
  });

  it('names a NICWATCH_REDIS_URL that does not answer', async () => {
    const port = await freeTcpPort();
    const run = await runCli(['demo', '--port', '0'], {
      env: { NICWATCH_REDIS_URL: `redis://127.0.0.1:${port}/0` },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `nicwatch demo: the Redis at NICWATCH_REDIS_URL (redis://127.0.0.1:${port}/0) does not answer; start it, or unset NICWATCH_REDIS_URL to let the demo start its own`,
    );
  });
});

const haveSetpriv = spawnSync('setpriv', ['--version']).status === 0;

describe.skipIf(!haveRedisServer || !haveSetpriv)(
  `nicwatch demo SIGKILLed${haveSetpriv ? '' : ' (needs setpriv, from util-linux)'}`,
  () => {
    it('takes its private Redis with it, and the next demo removes its folder', async () => {
      const killed = await startDemo();
      let next: DemoProcess | null = null;
      try {
        const redisPid = Number(/private redis-server \(pid (\d+)\)/.exec(killed.output())?.[1]);
        const folder = readlinkSync(`/proc/${redisPid}/cwd`);
        expect(folder).toMatch(new RegExp(`^${tmpdir()}/nicwatch-demo-redis-${killed.pid}-`));
        process.kill(killed.pid, 'SIGKILL');
        await waitFor('its Redis to end', () => !alive(redisPid), 5000);

        // removed by this next demo, or by one another test file starts first: same outcome
        next = await startDemo();
        expect(existsSync(folder), 'the next demo removed it').toBe(false);
      } finally {
        await next?.stop();
        await killed.stop();
      }
    }, 60_000);
  },
);

describe.skipIf(!haveRedisServer)('nicwatch demo stopped while it starts', () => {
  it('takes its private Redis with it', async () => {
    const child = spawn(
      process.execPath,
      [...shebangNodeOptions(NICWATCH_BIN), NICWATCH_BIN, 'demo', '--port', '0', '--no-scenario'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NICWATCH_REDIS_URL: '' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let redisPid = 0;
    try {
      await waitFor(
        'the demo to start its Redis',
        () => {
          redisPid = Number(/private redis-server \(pid (\d+)\)/.exec(output)?.[1] ?? 0);
          return redisPid > 0;
        },
        15_000,
      );
      child.kill('SIGTERM');
      await exited;
      expect(() => process.kill(redisPid, 0), 'its Redis is gone').toThrow();
    } finally {
      child.kill('SIGKILL');
      if (redisPid > 0) {
        try {
          process.kill(redisPid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }, 30_000);
});
