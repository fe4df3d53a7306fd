/**
 * The cabling the operator configured, indexed for the correlator: which group's leg sits behind
 * a switch port, and which groups a server interface belongs to. Pure.
 */
import type { DeviceConfig } from '../config/schema';
import type { InterfaceState } from '../model';

export interface LegRef {
  /** The server and its group. */
  device: string;
  group: string;
  /** The server's interface. */
  leg: string;
  switch: string | null;
  /** The leg's `port` as configured: ifName, ifDescr or ifIndex. */
  port: string | null;
}

export interface Topology {
  /** Every leg of the group, by `device/group`. */
  legsOfGroup: ReadonlyMap<string, LegRef[]>;
  /** The legs cabled to one switch. */
  legsOfSwitch: ReadonlyMap<string, LegRef[]>;
  /** The legs of one server, by interface name. */
  legsOfServer: ReadonlyMap<string, LegRef[]>;
}

export function groupKey(device: string, group: string): string {
  return `${device}/${group}`;
}

export function buildTopology(devices: readonly DeviceConfig[]): Topology {
  const legsOfGroup = new Map<string, LegRef[]>();
  const legsOfSwitch = new Map<string, LegRef[]>();
  const legsOfServer = new Map<string, LegRef[]>();
  const push = (map: Map<string, LegRef[]>, key: string, ref: LegRef): void => {
    map.set(key, [...(map.get(key) ?? []), ref]);
  };
  for (const device of devices) {
    for (const group of device.groups ?? []) {
      for (const leg of group.legs) {
        const ref: LegRef = {
          device: device.name,
          group: group.name,
          leg: leg.interface,
          switch: leg.switch ?? null,
          port: leg.port === undefined ? null : String(leg.port),
        };
        push(legsOfGroup, groupKey(device.name, group.name), ref);
        push(legsOfServer, device.name, ref);
        if (ref.switch) push(legsOfSwitch, ref.switch, ref);
      }
    }
  }
  return { legsOfGroup, legsOfSwitch, legsOfServer };
}

/**
 * The legs behind one switch interface: the configured `port` may name it by ifName, ifDescr or
 * ifIndex, and a trap may carry any of them (or only the ifIndex, resolved through the switch's
 * last poll).
 */
export function legsBehindPort(
  topology: Topology,
  switchName: string,
  port: { name?: string; ifIndex?: number; interfaces?: readonly InterfaceState[] },
): LegRef[] {
  const iface =
    port.interfaces?.find((i) =>
      port.ifIndex !== undefined ? i.ifIndex === port.ifIndex : i.name === port.name,
    ) ?? null;
  const names = new Set(
    [
      port.name,
      iface?.name,
      iface?.descr,
      port.ifIndex?.toString(),
      iface?.ifIndex.toString(),
    ].filter((n): n is string => n !== undefined && n !== null),
  );
  return (topology.legsOfSwitch.get(switchName) ?? []).filter(
    (ref) => ref.port !== null && names.has(ref.port),
  );
}
