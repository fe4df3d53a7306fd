/**
 * The simulated lab's state and how it moves, the way real devices do: a cut cable drops the
 * carrier on both ends; each switch recomputes its spanning tree (non-edge ports listen, then
 * learn, before forwarding) and sends linkDown/linkUp a moment later; a bond with link monitoring
 * notices after its interval and changes its active leg, one without never does. The SNMP agents
 * read their answers from here; timers are the only I/O.
 */
import { EventEmitter } from 'node:events';
import type { StpPortState as StpState } from '../model';
import { renderGroup, type GroupState } from './render';
import type { LabGroup, LabServer, LabSpec, LabSwitch } from './spec';
import { spanningTree, type BridgeState } from './stp';

export class LabError extends Error {}

export interface PortView {
  name: string;
  ifIndex: number;
  up: boolean;
  /** ms since the lab started, for ifLastChange. */
  lastChangeMs: number;
  stpState: StpState;
  edge: boolean;
  /** What the cable on this port leads to, for ifAlias. */
  peer: string;
}

export interface BridgeView {
  bridgeId: string;
  designatedRoot: string;
  /** ifIndex (= bridge port) of the root port, 0 on the root. */
  rootPort: number;
  topologyChanges: number;
  lastTopologyChangeMs: number;
}

export interface InterfaceView {
  name: string;
  ifIndex: number;
  up: boolean;
  lastChangeMs: number;
}

export interface LinkChange {
  switch: string;
  port: string;
  ifIndex: number;
  up: boolean;
}

/**
 * Events: 'changed' (anything an agent serves), 'link' (LinkChange, after the switch's trap
 * delay), 'topology-change' (switch name), 'new-root' (switch name: it has just become the root
 * of its island, as BRIDGE-MIB's newRoot reports; a switch that stops being root says nothing).
 */
export class LabWorld extends EventEmitter {
  readonly startedAt = Date.now();
  private readonly carrier = new Map<string, boolean>();
  private readonly lastChange = new Map<string, number>();
  private readonly stpStates = new Map<string, StpState>();
  private readonly stpTimers = new Map<string, NodeJS.Timeout>();
  private readonly otherTimers = new Set<NodeJS.Timeout>();
  private readonly groups = new Map<string, GroupState>();
  private readonly topology = new Map<string, { changes: number; lastMs: number }>();
  private tree = new Map<string, BridgeState>();
  private stopped = false;

  constructor(readonly spec: LabSpec) {
    super();
    // One listener per agent, and labs have more devices than the default warning's ten.
    this.setMaxListeners(0);
    for (const key of spec.cutAtStart) {
      this.portKeyOrThrow(key);
      this.carrier.set(key, false);
    }
    for (const server of spec.servers) {
      for (const group of server.groups)
        this.groups.set(
          `${server.name}/${group.name}`,
          initialGroup(group, (nic) => this.nicUp(server, nic)),
        );
    }
    for (const sw of spec.switches) this.topology.set(sw.name, { changes: 0, lastMs: 0 });
    this.tree = this.computeTree();
    for (const sw of spec.switches) {
      for (const port of sw.ports)
        this.stpStates.set(`${sw.name}/${port}`, targetState(this.roleOf(sw.name, port)));
    }
  }

  /** Cuts (`up` false) or mends a cable by one of its switch ports; false when nothing changed. */
  setLink(switchName: string, port: string, up: boolean): boolean {
    const key = this.portKeyOrThrow(`${switchName}/${port}`);
    if (this.portUp(switchName, port) === up) return false;
    const now = this.nowMs();
    const ends = [key, ...this.peerPortKeys(key)];
    for (const end of ends) {
      this.carrier.set(end, up);
      this.lastChange.set(end, now);
    }
    const nic = this.nicOnPort(switchName, port);
    if (nic) this.lastChange.set(`${nic.server.name}:${nic.nic}`, now);
    this.restp();
    for (const end of ends) {
      const [sw = '', p = ''] = end.split('/');
      const ifIndex = this.ifIndexOf(sw, p);
      this.later(this.spec.trapDelayMs, () =>
        this.emit('link', { switch: sw, port: p, ifIndex, up } satisfies LinkChange),
      );
    }
    if (nic) this.noticeNic(nic.server, nic.nic);
    this.emit('changed');
    return true;
  }

  portUp(switchName: string, port: string): boolean {
    return this.carrier.get(`${switchName}/${port}`) ?? true;
  }

  switchPorts(name: string): PortView[] {
    const sw = this.switchOrThrow(name);
    return sw.ports.map((port, i) => ({
      name: port,
      ifIndex: i + 1,
      up: this.portUp(name, port),
      lastChangeMs: this.lastChange.get(`${name}/${port}`) ?? 0,
      stpState: this.stpStates.get(`${name}/${port}`) ?? 'disabled',
      edge: this.isEdge(sw, port),
      peer: this.peerName(name, port),
    }));
  }

  bridge(name: string): BridgeView {
    const sw = this.switchOrThrow(name);
    const state = this.tree.get(name);
    const tc = this.topology.get(name) ?? { changes: 0, lastMs: 0 };
    return {
      bridgeId: state?.bridgeId ?? '',
      designatedRoot: state?.designatedRoot ?? '',
      rootPort: state?.rootPort ? sw.ports.indexOf(state.rootPort) + 1 : 0,
      topologyChanges: tc.changes,
      lastTopologyChangeMs: tc.lastMs,
    };
  }

  serverInterfaces(name: string): InterfaceView[] {
    const server = this.serverOrThrow(name);
    const nics = server.nics.map((nic, i) => ({
      name: nic.name,
      ifIndex: i + 2,
      up: this.nicUp(server, nic.name),
      lastChangeMs: this.lastChange.get(`${server.name}:${nic.name}`) ?? 0,
    }));
    const groups = server.groups.map((group, i) => ({
      name: group.name,
      ifIndex: server.nics.length + 2 + i,
      up: group.legs.some(
        (leg) => this.groups.get(`${server.name}/${group.name}`)?.legs.get(leg)?.up,
      ),
      lastChangeMs: 0,
    }));
    return [{ name: 'lo', ifIndex: 1, up: true, lastChangeMs: 0 }, ...nics, ...groups];
  }

  /** The text each group's `extend` prints, by group name. */
  groupTexts(name: string): Map<string, string> {
    const server = this.serverOrThrow(name);
    return new Map(
      server.groups.map((group) => {
        const state = this.groups.get(`${server.name}/${group.name}`) ?? {
          active: null,
          legs: new Map(),
        };
        return [group.name, renderGroup(group, state, server.nics)];
      }),
    );
  }

  nowMs(): number {
    return Date.now() - this.startedAt;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of [...this.stpTimers.values(), ...this.otherTimers]) clearTimeout(timer);
    this.stpTimers.clear();
    this.otherTimers.clear();
  }

  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.otherTimers.delete(timer);
      if (!this.stopped) run();
    }, ms);
    this.otherTimers.add(timer);
    return timer;
  }

  private computeTree(): Map<string, BridgeState> {
    return spanningTree(this.spec.switches, this.spec.trunks, (sw, port) => this.portUp(sw, port));
  }

  private isRoot(switchName: string): boolean {
    const state = this.tree.get(switchName);
    return state !== undefined && state.designatedRoot === state.bridgeId;
  }

  private roleOf(switchName: string, port: string) {
    return this.tree.get(switchName)?.roles.get(port) ?? 'disabled';
  }

  /** Moves every port towards its new role: down or blocking at once, forwarding via listening and learning. */
  private restp(): void {
    const wasRoot = new Set(
      this.spec.switches.filter((sw) => this.isRoot(sw.name)).map((sw) => sw.name),
    );
    this.tree = this.computeTree();
    for (const sw of this.spec.switches)
      if (!wasRoot.has(sw.name) && this.isRoot(sw.name)) this.emit('new-root', sw.name);
    for (const sw of this.spec.switches) {
      for (const port of sw.ports) {
        const key = `${sw.name}/${port}`;
        const target = targetState(this.roleOf(sw.name, port));
        const current = this.stpStates.get(key) ?? 'disabled';
        if (target === 'forwarding') {
          if (current === 'forwarding' || current === 'listening' || current === 'learning')
            continue;
          if (this.isEdge(sw, port)) this.setStp(sw.name, port, 'forwarding');
          else this.walkToForwarding(sw, port);
        } else if (current !== target) {
          const timer = this.stpTimers.get(key);
          if (timer) clearTimeout(timer);
          this.stpTimers.delete(key);
          this.setStp(sw.name, port, target);
        }
      }
    }
  }

  private walkToForwarding(sw: LabSwitch, port: string): void {
    const key = `${sw.name}/${port}`;
    const step = (state: StpState, next: StpState | null): void => {
      this.setStp(sw.name, port, state);
      if (next === null) return;
      const timer = setTimeout(() => {
        this.stpTimers.delete(key);
        if (this.stopped || targetState(this.roleOf(sw.name, port)) !== 'forwarding') return;
        step(next, next === 'learning' ? 'forwarding' : null);
      }, this.spec.forwardDelayMs);
      this.stpTimers.set(key, timer);
    };
    step('listening', 'learning');
  }

  private setStp(switchName: string, port: string, state: StpState): void {
    const key = `${switchName}/${port}`;
    const before = this.stpStates.get(key);
    this.stpStates.set(key, state);
    const sw = this.switchOrThrow(switchName);
    // 802.1D: a non-edge port entering or leaving forwarding is a topology change.
    if (!this.isEdge(sw, port) && (state === 'forwarding') !== (before === 'forwarding')) {
      const tc = this.topology.get(switchName);
      if (tc) {
        tc.changes += 1;
        tc.lastMs = this.nowMs();
      }
      this.emit('topology-change', switchName);
    }
    this.emit('changed');
  }

  /** The group's link monitoring notices a NIC's carrier after its interval, never without one. */
  private noticeNic(server: LabServer, nic: string): void {
    for (const group of server.groups) {
      if (!group.legs.includes(nic) || group.miimonMs <= 0) continue;
      this.later(group.miimonMs, () => {
        const state = this.groups.get(`${server.name}/${group.name}`);
        const leg = state?.legs.get(nic);
        if (!state || !leg) return;
        const up = this.nicUp(server, nic);
        if (leg.up === up) return;
        leg.up = up;
        if (!up) leg.failures += 1;
        state.active = chooseActive(group, state);
        this.emit('changed');
      });
    }
  }

  private nicUp(server: LabServer, nicName: string): boolean {
    const nic = server.nics.find((n) => n.name === nicName);
    return nic ? this.portUp(nic.switch, nic.port) : false;
  }

  private nicOnPort(switchName: string, port: string): { server: LabServer; nic: string } | null {
    for (const server of this.spec.servers) {
      const nic = server.nics.find((n) => n.switch === switchName && n.port === port);
      if (nic) return { server, nic: nic.name };
    }
    return null;
  }

  private peerPortKeys(key: string): string[] {
    return this.spec.trunks.flatMap((t) => {
      const a = `${t.a.switch}/${t.a.port}`;
      const b = `${t.b.switch}/${t.b.port}`;
      return a === key ? [b] : b === key ? [a] : [];
    });
  }

  private peerName(switchName: string, port: string): string {
    const [peer] = this.peerPortKeys(`${switchName}/${port}`);
    if (peer) return peer.replace('/', ' ');
    const nic = this.nicOnPort(switchName, port);
    return nic ? `${nic.server.name} ${nic.nic}` : '';
  }

  private isEdge(sw: LabSwitch, port: string): boolean {
    if (this.peerPortKeys(`${sw.name}/${port}`).length > 0) return false;
    return !(sw.nonEdgePorts ?? []).includes(port);
  }

  private ifIndexOf(switchName: string, port: string): number {
    return this.switchOrThrow(switchName).ports.indexOf(port) + 1;
  }

  private portKeyOrThrow(key: string): string {
    const [switchName = '', port = ''] = key.split('/');
    const sw = this.spec.switches.find((s) => s.name === switchName);
    if (!sw)
      throw new LabError(
        `no switch "${switchName}" in the lab (switches: ${this.spec.switches.map((s) => s.name).join(', ')})`,
      );
    if (!sw.ports.includes(port))
      throw new LabError(`${switchName} has no port "${port}" (ports: ${sw.ports.join(', ')})`);
    return key;
  }

  private switchOrThrow(name: string): LabSwitch {
    const sw = this.spec.switches.find((s) => s.name === name);
    if (!sw) throw new LabError(`no switch "${name}" in the lab`);
    return sw;
  }

  private serverOrThrow(name: string): LabServer {
    const server = this.spec.servers.find((s) => s.name === name);
    if (!server) throw new LabError(`no server "${name}" in the lab`);
    return server;
  }
}

function targetState(role: string): StpState {
  if (role === 'disabled') return 'disabled';
  return role === 'alternate' ? 'blocking' : 'forwarding';
}

function initialGroup(group: LabGroup, nicUp: (nic: string) => boolean): GroupState {
  const state: GroupState = {
    active: null,
    legs: new Map(
      group.legs.map((leg) => [leg, { up: group.miimonMs <= 0 || nicUp(leg), failures: 0 }]),
    ),
  };
  state.active = chooseActive(group, state);
  return state;
}

/**
 * Active-backup selection: keep the active leg while it is up; the primary takes over whenever
 * it is up (primary_reselect always); otherwise the first leg that is up.
 */
export function chooseActive(group: LabGroup, state: GroupState): string | null {
  const up = (name: string | undefined | null): boolean =>
    !!name && state.legs.get(name)?.up === true;
  if (group.primary && up(group.primary)) return group.primary;
  if (up(state.active)) return state.active;
  return group.legs.find((leg) => up(leg)) ?? null;
}
