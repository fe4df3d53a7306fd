/**
 * What the simulated servers print must read back, through the product's own decoders, as the
 * state the simulator holds: otherwise the demo would show the decoders' mistakes, not the lab.
 */
import { describe, expect, it } from 'vitest';
import { decodeGroupText } from '../../src/bond/decode';
import { renderGroup, type GroupState } from '../../src/lab/render';
import type { LabGroup, LabNic } from '../../src/lab/spec';

const nics: LabNic[] = [
  { name: 'eth0', mac: '52:54:00:20:01:01', switch: 'sw-a', port: 'swp1' },
  { name: 'eth1', mac: '52:54:00:20:01:02', switch: 'sw-b', port: 'swp1' },
];
const group = (over: Partial<LabGroup>): LabGroup => ({
  name: 'bond0',
  kind: 'linux-bond',
  mode: 'active-backup',
  legs: ['eth0', 'eth1'],
  miimonMs: 100,
  ...over,
});
const state = (active: string | null, up: [boolean, boolean], failures = [0, 0]): GroupState => ({
  active,
  legs: new Map([
    ['eth0', { up: up[0], failures: failures[0] ?? 0 }],
    ['eth1', { up: up[1], failures: failures[1] ?? 0 }],
  ]),
});

describe('simulated group texts read back through the decoders', () => {
  it('active-backup bond after a failover', () => {
    const decoded = decodeGroupText(
      renderGroup(group({ primary: 'eth0' }), state('eth1', [false, true], [3, 0]), nics),
    );
    expect(decoded.kind).toBe('linux-bond');
    expect(decoded.mode).toBe('active-backup');
    expect(decoded.activeLeg).toBe('eth1');
    expect(decoded.primary).toBe('eth0');
    expect(decoded.legs.map((l) => [l.interface, l.up, l.linkFailures])).toEqual([
      ['eth0', false, 3],
      ['eth1', true, 0],
    ]);
    expect(decoded.monitoring.miiIntervalMs).toBe(100);
  });

  it('a bond without link monitoring says so', () => {
    const decoded = decodeGroupText(
      renderGroup(group({ miimonMs: 0 }), state('eth0', [true, true]), nics),
    );
    expect(decoded.monitoring.miiIntervalMs).toBe(0);
  });

  it('802.3ad: a member that lost its link leaves the aggregator and its partner', () => {
    const decoded = decodeGroupText(
      renderGroup(group({ mode: '802.3ad' }), state(null, [true, false]), nics),
    );
    expect(decoded.mode).toBe('802.3ad');
    expect(decoded.legs.map((l) => l.up)).toEqual([true, false]);
    expect(decoded.lacp).not.toBeNull();
    expect(decoded.legs[0]?.lacp?.partnerMac).toBe('02:00:00:10:0a:99');
  });

  it('teamd activebackup dump', () => {
    const decoded = decodeGroupText(
      renderGroup(
        group({ name: 'team0', kind: 'linux-team' }),
        state('eth1', [false, true], [1, 0]),
        nics,
      ),
    );
    expect(decoded.kind).toBe('linux-team');
    expect(decoded.activeLeg).toBe('eth1');
    expect(decoded.legs.map((l) => [l.interface, l.up])).toEqual([
      ['eth0', false],
      ['eth1', true],
    ]);
  });

  it('ipmpstat -i with test addresses: a failed interface', () => {
    const decoded = decodeGroupText(
      renderGroup(
        group({ name: 'ipmp0', kind: 'ipmp', legs: ['eth0', 'eth1'] }),
        state('eth1', [false, true]),
        nics,
      ),
      { group: 'ipmp0' },
    );
    expect(decoded.kind).toBe('ipmp');
    expect(decoded.monitoring.detection).toBe('link+probe');
    expect(decoded.legs.map((l) => [l.interface, l.up])).toEqual([
      ['eth0', false],
      ['eth1', true],
    ]);
  });
});
