/** Small hand-built fleets for health and API tests: two access switches and srv1 with bond0. */
import type { NicwatchConfig } from '../../src/config/schema';
import {
  newLeg,
  newMonitoring,
  type DevicePoll,
  type RedundancyGroup,
  type StpPortState,
  type SwitchSnapshot,
} from '../../src/model';

export const NOW = new Date('2026-11-25T10:00:00.000Z');
export const AT = '2026-11-25T09:59:50.000Z';
export const ROOT = '1000.020000000001';
export const SW_A = '8000.02000000000a';
export const SW_B = '8000.02000000000b';

export interface PortSpec {
  name: string;
  up?: boolean;
  state?: StpPortState | null;
  edge?: boolean | null;
}

/** A switch with an uplink `up1` (its root port) and the given server-facing ports. */
export function switchSnapshot(
  bridgeId: string,
  ports: PortSpec[],
  over: Partial<SwitchSnapshot['stp'] & object> = {},
): SwitchSnapshot {
  const all: PortSpec[] = [{ name: 'up1', up: true, state: 'forwarding', edge: false }, ...ports];
  return {
    interfaces: all.map((p, i) => ({
      ifIndex: i + 1,
      name: p.name,
      descr: p.name,
      alias: null,
      type: 6,
      operUp: p.up ?? true,
      adminUp: true,
      speedMbps: 10000,
      lastChangeTicks: 0,
    })),
    stp: {
      bridgeId,
      designatedRoot: ROOT,
      rootPort: 1,
      topologyChanges: 3,
      timeSinceTopologyChangeS: 60,
      ...over,
    },
    stpPorts: all.map((p, i) => ({
      bridgePort: i + 1,
      ifIndex: i + 1,
      state: p.state === undefined ? 'forwarding' : p.state,
      edge: p.edge === undefined ? true : p.edge,
    })),
    lldp: null,
    lagOf: {},
  };
}

export function bond(active: string | null, legs: Array<[string, boolean]>): RedundancyGroup {
  return {
    kind: 'linux-bond',
    name: null,
    mode: 'active-backup',
    policy: 'failover',
    activeLeg: active,
    legs: legs.map(([name, up]) => ({
      ...newLeg(name),
      up,
      state: up ? 'up' : 'down',
      active: name === active,
    })),
    monitoring: { ...newMonitoring(), detection: 'link', miiIntervalMs: 100 },
    primary: null,
    primaryReselect: null,
    failOverMac: 'none',
    lacp: null,
    driverVersion: null,
  };
}

export function poll(
  device: string,
  role: 'switch' | 'server',
  data: SwitchSnapshot | RedundancyGroup,
  over: Partial<DevicePoll> = {},
): DevicePoll {
  return {
    device,
    role,
    at: AT,
    ok: true,
    error: null,
    durationMs: 12,
    lastOkAt: AT,
    switch: role === 'switch' ? (data as SwitchSnapshot) : null,
    groups:
      role === 'server'
        ? [{ name: 'bond0', ok: true, error: null, group: data as RedundancyGroup }]
        : [],
    ...over,
  };
}

export function config(
  legs: Array<{ interface: string; switch: string; port: string }>,
): NicwatchConfig {
  return {
    correlation: { windowMs: 30000, staleAfterS: 90 },
    devices: [
      { name: 'sw-a', role: 'switch', address: '198.18.11.2' },
      { name: 'sw-b', role: 'switch', address: '198.18.12.2' },
      {
        name: 'srv1',
        role: 'server',
        address: '198.18.21.2',
        groups: [{ name: 'bond0', source: 'extend', extend: 'bond0', legs }],
      },
    ],
  } as unknown as NicwatchConfig;
}
