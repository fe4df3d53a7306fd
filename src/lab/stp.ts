/**
 * The spanning tree a set of switches settles on (802.1D rules, one cost per link): the lowest
 * bridge id of each connected island is its root; every other switch forwards on its root port
 * and on the ports it is designated for, and blocks the rest. Pure: the simulator adds the
 * listening/learning delays on the way to forwarding.
 */
import type { LabSwitch, LabTrunk } from './spec';

export type PortRole = 'root' | 'designated' | 'alternate' | 'disabled';

export interface BridgeState {
  /** `pppp.aabbccddeeff`, priority in hex then MAC: orders like the 8-byte BridgeId. */
  bridgeId: string;
  designatedRoot: string;
  /** The port towards the root; null on the root itself. */
  rootPort: string | null;
  /** Role of every port: server-facing ports that are up are designated. */
  roles: Map<string, PortRole>;
}

export function bridgeIdOf(sw: Pick<LabSwitch, 'priority' | 'mac'>): string {
  return `${sw.priority.toString(16).padStart(4, '0')}.${sw.mac.replaceAll(':', '').toLowerCase()}`;
}

/** `portUp(switch, port)` tells whether the cable on a port has carrier. */
export function spanningTree(
  switches: LabSwitch[],
  trunks: LabTrunk[],
  portUp: (switchName: string, port: string) => boolean,
): Map<string, BridgeState> {
  const ids = new Map(switches.map((sw) => [sw.name, bridgeIdOf(sw)]));
  const live = trunks.filter((t) => portUp(t.a.switch, t.a.port) && portUp(t.b.switch, t.b.port));
  const neighbours = new Map<string, Array<{ port: string; peer: string; peerPort: string }>>();
  for (const sw of switches) neighbours.set(sw.name, []);
  for (const t of live) {
    neighbours.get(t.a.switch)?.push({ port: t.a.port, peer: t.b.switch, peerPort: t.b.port });
    neighbours.get(t.b.switch)?.push({ port: t.b.port, peer: t.a.switch, peerPort: t.a.port });
  }

  // Islands, each with its root and every switch's hop distance to it.
  const rootOf = new Map<string, string>();
  const distance = new Map<string, number>();
  for (const sw of switches) {
    if (rootOf.has(sw.name)) continue;
    const island = reach(sw.name, neighbours);
    const root = island.reduce((best, name) =>
      (ids.get(name) ?? '') < (ids.get(best) ?? '') ? name : best,
    );
    const hops = distancesFrom(root, neighbours);
    for (const name of island) {
      rootOf.set(name, root);
      distance.set(name, hops.get(name) ?? 0);
    }
  }
  const rank = (name: string): [number, string] => [distance.get(name) ?? 0, ids.get(name) ?? ''];
  const better = (a: string, b: string): boolean => {
    const [da, ia] = rank(a);
    const [db, ib] = rank(b);
    return da < db || (da === db && ia < ib);
  };

  const rootPorts = new Map<string, string | null>();
  for (const sw of switches) {
    const mine = distance.get(sw.name) ?? 0;
    const towards = (neighbours.get(sw.name) ?? [])
      .filter((n) => (distance.get(n.peer) ?? 0) === mine - 1)
      .sort(
        (x, y) =>
          (ids.get(x.peer) ?? '').localeCompare(ids.get(y.peer) ?? '') ||
          x.peerPort.localeCompare(y.peerPort, 'en', { numeric: true }) ||
          x.port.localeCompare(y.port, 'en', { numeric: true }),
      );
    rootPorts.set(sw.name, rootOf.get(sw.name) === sw.name ? null : (towards[0]?.port ?? null));
  }

  const result = new Map<string, BridgeState>();
  for (const sw of switches) {
    const roles = new Map<string, PortRole>();
    for (const port of sw.ports) roles.set(port, portUp(sw.name, port) ? 'designated' : 'disabled');
    for (const n of neighbours.get(sw.name) ?? []) {
      if (rootPorts.get(sw.name) === n.port) roles.set(n.port, 'root');
      else if (rootPorts.get(n.peer) === n.peerPort) roles.set(n.port, 'designated');
      else roles.set(n.port, better(sw.name, n.peer) ? 'designated' : 'alternate');
    }
    result.set(sw.name, {
      bridgeId: ids.get(sw.name) ?? '',
      designatedRoot: ids.get(rootOf.get(sw.name) ?? sw.name) ?? '',
      rootPort: rootPorts.get(sw.name) ?? null,
      roles,
    });
  }
  return result;
}

function reach(start: string, neighbours: Map<string, Array<{ peer: string }>>): string[] {
  const seen = new Set([start]);
  const queue = [start];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const { peer } of neighbours.get(name) ?? []) {
      if (!seen.has(peer)) {
        seen.add(peer);
        queue.push(peer);
      }
    }
  }
  return [...seen];
}

function distancesFrom(
  root: string,
  neighbours: Map<string, Array<{ peer: string }>>,
): Map<string, number> {
  const hops = new Map([[root, 0]]);
  const queue = [root];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const { peer } of neighbours.get(name) ?? []) {
      if (!hops.has(peer)) {
        hops.set(peer, (hops.get(name) ?? 0) + 1);
        queue.push(peer);
      }
    }
  }
  return hops;
}
