/**
 * The simulated lab behaves like the real thing where nicwatch can see it: both ends of a cut
 * cable go down, STP re-converges (a non-edge port listens and learns first), the switch sends
 * its trap a moment later, and a bond fails over after its MII interval, or never without one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_LAB, netconfSwitches, withoutSwitch, type LabSpec } from '../../src/lab/spec';
import { LabError, LabWorld, type LinkChange } from '../../src/lab/world';
import { decodeGroupText } from '../../src/bond/decode';
import { waitFor } from '../helpers/wait';

const fast: LabSpec = { ...DEMO_LAB, forwardDelayMs: 150, trapDelayMs: 20 };
let world: LabWorld;
afterEach(() => world?.stop());

const port = (sw: string, name: string) => world.switchPorts(sw).find((p) => p.name === name);
const group = (server: string, name: string) =>
  decodeGroupText(world.groupTexts(server).get(name) ?? '');

describe('the simulated lab', () => {
  it('starts as its spec says: the cut cables down, sw-c on its own root', () => {
    world = new LabWorld(fast);
    expect(port('sw-a', 'swp2')?.up).toBe(false);
    expect(port('sw-a', 'swp2')?.stpState).toBe('disabled');
    expect(port('sw-a', 'swp1')?.stpState).toBe('forwarding');
    expect(port('sw-b', 'swp48')?.stpState).toBe('blocking');
    expect(world.bridge('sw-c').designatedRoot).not.toBe(world.bridge('sw-a').designatedRoot);
    expect(group('srv-web2', 'bond0').activeLeg).toBe('eth1');
    expect(world.serverInterfaces('srv-web2').find((i) => i.name === 'eth0')?.up).toBe(false);
  });

  it('a cut under an MII-monitored bond: both ends down, trap after the delay, failover after miimon', async () => {
    world = new LabWorld(fast);
    const traps: LinkChange[] = [];
    world.on('link', (change: LinkChange) => traps.push(change));
    expect(world.setLink('sw-a', 'swp1', false)).toBe(true);
    expect(world.setLink('sw-a', 'swp1', false)).toBe(false);
    expect(port('sw-a', 'swp1')?.up).toBe(false);
    expect(world.serverInterfaces('srv-web1').find((i) => i.name === 'eth0')?.up).toBe(false);
    // Not yet noticed by the bond, and the trap not yet sent.
    expect(group('srv-web1', 'bond0').activeLeg).toBe('eth0');
    expect(traps).toEqual([]);
    await waitFor('the failover', () => group('srv-web1', 'bond0').activeLeg === 'eth1', 2000);
    expect(group('srv-web1', 'bond0').legs[0]?.linkFailures).toBe(1);
    expect(traps).toEqual([{ switch: 'sw-a', port: 'swp1', ifIndex: 1, up: false }]);
    // The primary takes the traffic back once its cable is mended.
    world.setLink('sw-a', 'swp1', true);
    await waitFor('the failback', () => group('srv-web1', 'bond0').activeLeg === 'eth0', 2000);
  });

  it('a bond without link monitoring keeps its dead active leg', async () => {
    world = new LabWorld(fast);
    world.setLink('sw-a', 'swp5', false);
    // A monitored bond cut at the same moment shows when an MII interval has passed.
    world.setLink('sw-a', 'swp1', false);
    await waitFor(
      'the monitored bond',
      () => group('srv-web1', 'bond0').activeLeg === 'eth1',
      2000,
    );
    const bond = group('srv-app1', 'bond0');
    expect(bond.activeLeg).toBe('eth0');
    expect(bond.legs[0]?.up).toBe(true);
  });

  it('an uplink cut: the cross link takes over through listening and learning, with topology changes', async () => {
    world = new LabWorld(fast);
    const changes: string[] = [];
    world.on('topology-change', (sw: string) => changes.push(sw));
    world.setLink('sw-b', 'swp47', false);
    expect(port('sw-core', 'swp2')?.up).toBe(false);
    expect(port('sw-b', 'swp48')?.stpState).toBe('listening');
    await waitFor('learning', () => port('sw-b', 'swp48')?.stpState === 'learning', 1000);
    await waitFor('forwarding', () => port('sw-b', 'swp48')?.stpState === 'forwarding', 1000);
    expect(world.bridge('sw-b').rootPort).toBe(
      world.switchPorts('sw-b').findIndex((p) => p.name === 'swp48') + 1,
    );
    expect(world.bridge('sw-b').topologyChanges).toBeGreaterThan(0);
    expect(changes).toContain('sw-b');
  });

  it('a server port without PortFast comes back through listening and learning; an edge port at once', async () => {
    world = new LabWorld(fast);
    world.setLink('sw-b', 'swp11', false);
    world.setLink('sw-b', 'swp11', true);
    expect(port('sw-b', 'swp11')?.stpState).toBe('listening');
    expect(port('sw-b', 'swp11')?.edge).toBe(false);
    world.setLink('sw-b', 'swp1', false);
    world.setLink('sw-b', 'swp1', true);
    expect(port('sw-b', 'swp1')?.stpState).toBe('forwarding');
    await waitFor('forwarding', () => port('sw-b', 'swp11')?.stpState === 'forwarding', 1000);
  });

  it('a switch that becomes the root of its island says so (newRoot); one that stops being root does not', () => {
    world = new LabWorld(fast);
    const newRoots: string[] = [];
    world.on('new-root', (sw: string) => newRoots.push(sw));
    const root = (sw: string) => world.bridge(sw).designatedRoot;
    // sw-c's uplink mended: it joins sw-core's tree and stops being its own root, in silence
    world.setLink('sw-core', 'swp3', true);
    expect(root('sw-c')).toBe(root('sw-core'));
    expect(newRoots).toEqual([]);
    // cut again: sw-c is alone and elects itself
    world.setLink('sw-core', 'swp3', false);
    expect(root('sw-c')).toBe(world.bridge('sw-c').bridgeId);
    expect(newRoots, `got ${newRoots.join(', ')}, want sw-c alone`).toEqual(['sw-c']);
    // sw-core cut off from sw-a and sw-b: of the two, sw-a (the lower MAC) becomes the root
    world.setLink('sw-core', 'swp1', false);
    expect(newRoots).toEqual(['sw-c']);
    world.setLink('sw-core', 'swp2', false);
    expect(root('sw-b')).toBe(world.bridge('sw-a').bridgeId);
    expect(newRoots, `got ${newRoots.join(', ')}, want sw-c then sw-a`).toEqual(['sw-c', 'sw-a']);
  });

  it('models sw-d, the NETCONF switch, as an island whose cables move srv-nc1 like any other', async () => {
    world = new LabWorld(fast);
    expect(world.bridge('sw-d').designatedRoot, 'its own root').toBe(world.bridge('sw-d').bridgeId);
    expect(port('sw-d', 'swp1')).toMatchObject({ up: true, peer: 'srv-nc1 eth1' });
    world.setLink('sw-d', 'swp1', false);
    expect(world.serverInterfaces('srv-nc1').find((i) => i.name === 'eth1')?.up).toBe(false);
    await waitFor(
      'srv-nc1 to notice eth1',
      () => group('srv-nc1', 'bond0').legs[1]?.up === false,
      2000,
    );
    expect(group('srv-nc1', 'bond0').activeLeg, 'the primary keeps the traffic').toBe('eth0');
    world.setLink('sw-d', 'swp1', true);
    world.setLink('sw-a', 'swp11', false);
    await waitFor(
      'the failover to sw-d',
      () => group('srv-nc1', 'bond0').activeLeg === 'eth1',
      2000,
    );
  });

  it('without its NETCONF switch the lab loses sw-d and srv-nc1, nothing else', () => {
    expect(netconfSwitches(DEMO_LAB).map((sw) => sw.name)).toEqual(['sw-d']);
    const smaller = withoutSwitch(DEMO_LAB, 'sw-d');
    const names = (spec: LabSpec) => [
      ...spec.switches.map((sw) => sw.name),
      ...spec.servers.map((server) => server.name),
    ];
    expect(names(DEMO_LAB).filter((name) => !names(smaller).includes(name))).toEqual([
      'sw-d',
      'srv-nc1',
    ]);
    expect(smaller.trunks).toEqual(DEMO_LAB.trunks);
    expect(smaller.cutAtStart).toEqual(DEMO_LAB.cutAtStart);
    expect(netconfSwitches(smaller)).toEqual([]);
  });

  it('names what does not exist', () => {
    world = new LabWorld(fast);
    expect(() => world.setLink('sw-x', 'swp1', false)).toThrow(LabError);
    expect(() => world.setLink('sw-a', 'swp99', false)).toThrow(/sw-a has no port "swp99"/);
  });
});
