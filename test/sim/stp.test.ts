import { describe, expect, it } from 'vitest';
import { DEMO_LAB } from '../../src/lab/spec';
import { bridgeIdOf, spanningTree } from '../../src/lab/stp';

const { switches, trunks } = DEMO_LAB;
const cut =
  (...ports: string[]) =>
  (sw: string, port: string) =>
    !ports.includes(`${sw}/${port}`);

describe('spanning tree of the demo switches', () => {
  it('elects the lowest bridge id and blocks one end of the access switches’ cross link', () => {
    const tree = spanningTree(switches, trunks, cut());
    const root = bridgeIdOf({ priority: 4096, mac: '02:00:00:10:00:01' });
    for (const name of ['sw-core', 'sw-a', 'sw-b', 'sw-c'])
      expect(tree.get(name)?.designatedRoot).toBe(root);
    expect(tree.get('sw-core')?.rootPort).toBeNull();
    expect(tree.get('sw-a')?.rootPort).toBe('swp47');
    expect(tree.get('sw-b')?.rootPort).toBe('swp47');
    // Equal distance to the root: the lower bridge id (sw-a) is designated on the cross link.
    expect(tree.get('sw-a')?.roles.get('swp48')).toBe('designated');
    expect(tree.get('sw-b')?.roles.get('swp48')).toBe('alternate');
    expect(tree.get('sw-a')?.roles.get('swp1')).toBe('designated');
  });

  it('moves the root port to the cross link when an uplink is cut', () => {
    const tree = spanningTree(switches, trunks, cut('sw-a/swp47', 'sw-core/swp1'));
    expect(tree.get('sw-a')?.rootPort).toBe('swp48');
    expect(tree.get('sw-a')?.roles.get('swp47')).toBe('disabled');
    expect(tree.get('sw-b')?.roles.get('swp48')).toBe('designated');
    expect(tree.get('sw-a')?.designatedRoot).toBe(tree.get('sw-core')?.bridgeId);
  });

  it('makes a switch cut off from the root elect itself', () => {
    const tree = spanningTree(switches, trunks, cut('sw-core/swp3', 'sw-c/swp47'));
    expect(tree.get('sw-c')?.designatedRoot).toBe(tree.get('sw-c')?.bridgeId);
    expect(tree.get('sw-c')?.rootPort).toBeNull();
    expect(tree.get('sw-a')?.designatedRoot).toBe(tree.get('sw-core')?.bridgeId);
  });

  it('writes bridge ids as priority.mac so that they order like BridgeId octets', () => {
    expect(bridgeIdOf({ priority: 32768, mac: '02:00:00:10:00:0A' })).toBe('8000.02000010000a');
    expect(
      bridgeIdOf({ priority: 4096, mac: 'ff:ff:ff:ff:ff:ff' }) <
        bridgeIdOf({ priority: 32768, mac: '00:00:00:00:00:01' }),
    ).toBe(true);
  });
});
