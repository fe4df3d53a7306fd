/**
 * The demo's NETCONF switch against the product's own NETCONF poll: real netconfd and sshd in a
 * namespace of the switch's own, its ports following the lab world's cables through the kernel,
 * and nothing left behind once it stops — nor once a demo is stopped by a second Ctrl-C, nor,
 * after the next demo has started, once one is SIGKILLed. Needs root and netconfd
 * (scripts/install-deps.sh --with-nms); skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  netconfSwitchProblem,
  removeLeftoversOfDeadDemos,
  startNetconfSwitch,
  type NetconfSwitchStart,
  type RunningNetconfSwitch,
} from '../../src/lab/netconf-switch';
import { DEMO_LAB, type LabSwitch } from '../../src/lab/spec';
import { LabWorld } from '../../src/lab/world';
import { pollOverNetconf } from '../../src/poll/netconf-poller';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { alive, startZombie } from '../helpers/processes';
import { waitFor } from '../helpers/wait';

const PROBLEM = netconfSwitchProblem();
const SW_D = DEMO_LAB.switches.find((sw) => sw.name === 'sw-d') as LabSwitch;

const namespaces = (): string[] =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '');
function running(start: NetconfSwitchStart): RunningNetconfSwitch {
  if ('leftOut' in start) throw new Error(`left out: ${start.leftOut}`);
  return start;
}

describe.skipIf(PROBLEM !== '')(
  `the demo's NETCONF switch${PROBLEM && ` (${PROBLEM}: scripts/install-deps.sh --with-nms, as root)`}`,
  () => {
    let world: LabWorld;
    let sw: RunningNetconfSwitch;
    const errors: string[] = [];
    const ports = async (target = sw): Promise<Record<string, boolean | null>> => {
      const polled = await pollOverNetconf(
        { name: 'sw-d', role: 'switch', address: target.device.address },
        target.device.netconf,
      );
      return Object.fromEntries(
        (polled.switch?.interfaces ?? []).map((i) => [i.name, i.operUp] as const),
      );
    };

    beforeAll(async () => {
      world = new LabWorld({ ...DEMO_LAB, cutAtStart: ['sw-d/swp3'] });
      sw = running(
        await startNetconfSwitch(world, SW_D, {
          tag: `t${process.pid}`,
          onError: (err) => errors.push(err.message),
        }),
      );
      console.log(`NETCONF switch started in ${sw.startMs} ms at ${sw.device.address}`);
    });
    afterAll(async () => {
      await sw?.stop();
      world?.stop();
    });

    it('answers a NETCONF <get> with its ports as the world has them, the cut one down', async () => {
      expect(sw.device).toMatchObject({
        address: expect.stringMatching(/^198\.18\.200\.\d+$/),
        netconf: { port: 830, username: 'root', timeoutMs: 3000 },
      });
      expect(await ports()).toEqual({
        lo: false,
        mgmt: true,
        swp1: true,
        swp2: true,
        swp3: false,
        swp4: true,
      });
      expect(namespaces()).toContain(sw.netns);
    });

    it('follows a cut and a mend in the world within the kernel’s link-state delay', async () => {
      world.setLink('sw-d', 'swp1', false);
      let seen: Record<string, boolean | null> = {};
      await waitFor(
        'swp1 down over NETCONF',
        async () => (seen = await ports()).swp1 === false,
        5000,
      );
      expect(seen).toMatchObject({ swp1: false, swp2: true, swp3: false });
      world.setLink('sw-d', 'swp1', true);
      world.setLink('sw-d', 'swp3', true);
      await waitFor(
        'swp1 and swp3 up over NETCONF',
        async () => {
          seen = await ports();
          return seen.swp1 === true && seen.swp3 === true;
        },
        5000,
      );
      expect(errors).toEqual([]);
    });

    it('a second lab takes the next management /30, and each stops without leaving anything', async () => {
      const other = running(await startNetconfSwitch(world, SW_D, { tag: `u${process.pid}` }));
      const pids = other.pids();
      try {
        expect(other.device.address).not.toBe(sw.device.address);
        expect((await ports(other)).swp2).toBe(true);
        expect((await ports()).swp2, 'the first one still answers').toBe(true);
      } finally {
        await other.stop();
      }
      expect(namespaces()).not.toContain(other.netns);
      expect(namespaces()).not.toContain(`${other.netns}-nics`);
      expect(pids.filter(alive), 'netconfd and sshd gone').toEqual([]);
      expect(existsSync(other.device.netconf.privateKeyFile), 'its folder removed').toBe(false);
      const links = spawnSync('ip', ['-br', 'addr'], { encoding: 'utf8' }).stdout;
      const rootEnd = other.device.address.replace(/\d+$/, (n) => String(Number(n) - 1));
      expect(links, `${rootEnd} removed`).not.toMatch(
        new RegExp(`${rootEnd.replace(/\./g, '\\.')}/`),
      );
    });
  },
);

/** What a demo's NETCONF switch puts on the machine, found from outside the demo. */
interface Traces {
  namespaces: string[];
  /** netconfd, sshd and anything else running in those namespaces. */
  daemons: number[];
  /** The root-side ends of its management links. */
  links: string[];
  /** Its folders with the keys, from the daemons' command lines. */
  folders: string[];
}
interface DemoTraces extends Traces {
  owner: number;
}
const NOTHING: Traces = { namespaces: [], daemons: [], links: [], folders: [] };

const namedNamespaces = (): Array<{ name: string; id?: number }> =>
  JSON.parse(spawnSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' }).stdout.trim() || '[]');
/** Each veth end of the root namespace with the id of its peer's namespace. */
const vethPeers = (): Map<string, number | undefined> =>
  new Map(
    (
      JSON.parse(
        spawnSync('ip', ['-j', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).stdout ||
          '[]',
      ) as Array<{ ifname: string; link_netnsid?: number }>
    ).map((link) => [link.ifname, link.link_netnsid]),
  );

function tracesOf(owner: number): DemoTraces {
  const ours = namedNamespaces().filter((ns) => ns.name.startsWith(`nwdemo-${owner}-`));
  const ids = new Set(ours.flatMap((ns) => (ns.id === undefined ? [] : [ns.id])));
  const daemons = ours.flatMap((ns) =>
    spawnSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' })
      .stdout.split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  const folder = new RegExp(`${tmpdir()}/nicwatch-demo-sw-d-\\w{6}`, 'g');
  const folders = daemons.flatMap((pid) => {
    try {
      return [...readFileSync(`/proc/${pid}/cmdline`, 'utf8').matchAll(folder)].map((m) => m[0]);
    } catch {
      return [];
    }
  });
  return {
    owner,
    namespaces: ours.map((ns) => ns.name),
    daemons,
    links: [...vethPeers()]
      .filter(([name, peer]) => name.startsWith('nwdemo-m') && peer !== undefined && ids.has(peer))
      .map(([name]) => name),
    folders: [...new Set(folders)],
  };
}

/**
 * What is still there of `traces`. A link of the same name counts unless its peer now sits in
 * another demo's namespace: the next demo takes the first free /30, and so the same name.
 */
function remaining(traces: DemoTraces): Traces {
  const named = namedNamespaces();
  const peers = vethPeers();
  const stillOurs = (link: string): boolean => {
    if (!peers.has(link)) return false;
    const peer = named.find((ns) => ns.id !== undefined && ns.id === peers.get(link));
    return peer === undefined || peer.name.startsWith(`nwdemo-${traces.owner}-`);
  };
  return {
    namespaces: traces.namespaces.filter((ns) => named.some((n) => n.name === ns)),
    daemons: traces.daemons.filter(alive),
    links: traces.links.filter(stillOurs),
    folders: traces.folders.filter((folder) => existsSync(folder)),
  };
}

/** By PID and by the names the test saw, and what the demo's namespaces hold now. */
function removeTraces(traces: DemoTraces): void {
  const now = tracesOf(traces.owner);
  const left = remaining({
    owner: traces.owner,
    namespaces: [...new Set([...traces.namespaces, ...now.namespaces])],
    daemons: [...new Set([...traces.daemons, ...now.daemons])],
    links: [...new Set([...traces.links, ...now.links])],
    folders: [...new Set([...traces.folders, ...now.folders])],
  });
  for (const pid of left.daemons) process.kill(pid, 'SIGKILL');
  for (const link of left.links) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  for (const ns of left.namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  for (const folder of left.folders) rmSync(folder, { recursive: true, force: true });
}

/** The demo's NETCONF switch is up: both namespaces, netconfd and sshd, the link, the folder. */
async function switchTraces(demo: DemoProcess): Promise<DemoTraces> {
  expect(demo.output()).toContain('sw-d speaks NETCONF');
  let traces: DemoTraces = { owner: 0, ...NOTHING };
  await waitFor(
    'the demo’s sw-d namespaces, daemons, link and folder',
    () => {
      traces = tracesOf(demo.pid);
      return (
        traces.namespaces.length === 2 &&
        traces.daemons.length >= 2 &&
        traces.links.length === 1 &&
        traces.folders.length === 1
      );
    },
    5000,
  );
  return traces;
}

const NO_REDIS = spawnSync('redis-server', ['--version']).error !== undefined;

describe.skipIf(PROBLEM !== '' || NO_REDIS)(
  `a demo that ends abruptly${PROBLEM && ` (${PROBLEM}: scripts/install-deps.sh --with-nms, as root)`}${NO_REDIS ? ' (needs redis-server)' : ''}`,
  () => {
    it('stopped by two quick SIGINTs, leaves no namespace, daemon, link or folder', async () => {
      const demo = await startDemo();
      let traces: DemoTraces = { owner: demo.pid, ...NOTHING };
      try {
        traces = await switchTraces(demo);
        process.kill(demo.pid, 'SIGINT');
        // the second comes while the first's clean stop is under way
        await waitFor('the demo to say it is stopping', () => /stopping/.test(demo.output()), 5000);
        process.kill(demo.pid, 'SIGINT');
        await waitFor('the demo to exit', () => !alive(demo.pid), 10_000);
        await waitFor('its daemons to be gone', () => !traces.daemons.some(alive), 5000);
        expect(remaining(traces)).toEqual(NOTHING);
        expect(tracesOf(demo.pid).namespaces).toEqual([]);
      } finally {
        await demo.stop();
        removeTraces(traces);
      }
    }, 90_000);

    it('SIGKILLed, leaves nothing once the next demo has started', async () => {
      const killed = await startDemo();
      let traces: DemoTraces = { owner: killed.pid, ...NOTHING };
      let next: DemoProcess | null = null;
      try {
        traces = await switchTraces(killed);
        process.kill(killed.pid, 'SIGKILL');
        await waitFor('the SIGKILLed demo to be gone', () => !alive(killed.pid), 5000);

        // Whichever demo starts next removes them: this one, or one another test file starts.
        next = await startDemo();
        await waitFor(
          'the dead demo’s daemons to be gone',
          () => !traces.daemons.some(alive),
          5000,
        );
        expect(remaining(traces)).toEqual(NOTHING);
        const nextTraces = await switchTraces(next);
        expect(nextTraces.links, 'the next demo has its own link').toHaveLength(1);
      } finally {
        await next?.stop();
        await killed.stop();
        removeTraces(traces);
      }
    }, 120_000);

    it('counts a demo that is a zombie, not yet reaped, as ended', async () => {
      const zombie = await startZombie();
      const namespace = `nwdemo-${zombie.pid}-sw-z`;
      try {
        expect(spawnSync('ip', ['netns', 'add', namespace]).status).toBe(0);

        // (a demo another test file starts at this moment may remove it first: same outcome)
        removeLeftoversOfDeadDemos();
        expect(namedNamespaces().map((ns) => ns.name)).not.toContain(namespace);
      } finally {
        zombie.parent.kill('SIGKILL');
        spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
      }
    });
  },
);
