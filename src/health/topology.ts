/**
 * The switch side of the fleet, from the switches' latest polls: which port a leg lands on, its
 * STP state (judged on the aggregate for a LAG member) and whether its switch still reaches the
 * STP root. Pure.
 */
import type { InterfaceState, StpPort, SwitchSnapshot } from '../model';

/** A leg's `port` from the configuration: ifName, ifDescr, or ifIndex. */
export function findInterface(
  snapshot: SwitchSnapshot,
  port: string | number,
): InterfaceState | null {
  const text = String(port);
  const { interfaces } = snapshot;
  return (
    interfaces.find((i) => i.name === text) ??
    interfaces.find((i) => i.descr === text) ??
    (/^\d+$/.test(text) ? interfaces.find((i) => i.ifIndex === Number(text)) : undefined) ??
    null
  );
}

/**
 * The STP port that decides for this interface: STP runs on the port-channel, so a LAG
 * member's own row (often blocking or absent) says nothing about its traffic.
 */
export function stpPortOf(snapshot: SwitchSnapshot, ifIndex: number): StpPort | null {
  const decisive = snapshot.lagOf[ifIndex] ?? ifIndex;
  return snapshot.stpPorts?.find((port) => port.ifIndex === decisive) ?? null;
}

/**
 * The root of the fleet's spanning tree: the lowest designated root any switch reports. A switch
 * cut off from it elects itself, with a higher id, so the lowest one is the real root even when
 * the root itself is not polled.
 */
export function fleetRoot(switches: Iterable<SwitchSnapshot>): string | null {
  let root: string | null = null;
  for (const snapshot of switches) {
    const candidate = snapshot.stp?.designatedRoot ?? null;
    if (candidate !== null && (root === null || candidate < root)) root = candidate;
  }
  return root;
}

/**
 * True when the switch has no forwarding path towards the fleet's root: it names another root.
 * A bridge that loses its root port recomputes at once and, with no other path, elects itself
 * (or the best bridge of its island); only a path broken beyond a live link waits out max age.
 * dot1dStpRootPort is not used: Net-SNMP's snmp-bridge-mib reports the kernel's port number
 * there, not the bridge port, so it cannot be joined with the port table. Unknown STP: false.
 */
export function hasLostUpstream(snapshot: SwitchSnapshot, root: string | null): boolean {
  const stp = snapshot.stp;
  if (!stp || root === null || stp.designatedRoot === null) return false;
  return stp.designatedRoot !== root;
}
