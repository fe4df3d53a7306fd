/**
 * The demo's NETCONF switch against the product's own NETCONF poll: real netconfd and sshd in a
 * namespace of the switch's own, its ports following the lab world's cables through the kernel,
 * and nothing left behind once it stops. Needs root and netconfd (scripts/install-deps.sh
 * --with-nms); skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  netconfSwitchProblem,
  startNetconfSwitch,
  type NetconfSwitchStart,
  type RunningNetconfSwitch,
} from '../../src/lab/netconf-switch';
import { DEMO_LAB, type LabSwitch } from '../../src/lab/spec';
import { LabWorld } from '../../src/lab/world';
import { pollOverNetconf } from '../../src/poll/netconf-poller';
import { waitFor } from '../helpers/wait';

const PROBLEM = netconfSwitchProblem();
const SW_D = DEMO_LAB.switches.find((sw) => sw.name === 'sw-d') as LabSwitch;

const namespaces = (): string[] =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
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
