/**
 * The fleet's health as `/api/v1/health` serves it (contract sections 4 and 5): every configured
 * group joined with the switch ports its legs are cabled to, and every switch. Pure: the caller
 * passes the latest polls and the time.
 */
import type { NicwatchConfig, DeviceConfig, GroupConfig } from '../config/schema';
import type {
  DevicePoll,
  GroupKind,
  Reason,
  RedundancyGroup,
  Status,
  StpPortState,
  SwitchSnapshot,
} from '../model';
import { FLAP_SUPPRESS, isFlapping, type GroupCorrelation } from '../correlate/engine';
import { UNKNOWN_LINK, carriesTraffic, reason, type LegLink } from './legs';
import { statusOfReasons, worstStatus } from './rollup';
import { evaluateServerRules, joinLegs } from './rules';
import { findInterface, fleetRoot, hasLostUpstream, stpPortOf } from './topology';

export interface LegHealth {
  interface: string;
  up: boolean;
  active: boolean;
  switch: string | null;
  port: string | null;
  portUp: boolean | null;
  stpState: StpPortState | null;
  edge: boolean | null;
}

export interface Failover {
  at: string;
  from: string;
  to: string;
  detectionMs: number | null;
}

export interface GroupHealth {
  device: string;
  group: string;
  kind: GroupKind | null;
  mode: string | null;
  status: Status;
  reasons: Reason[];
  activeLeg: string | null;
  legsUp: number;
  legsTotal: number;
  legs: LegHealth[];
  failovers: number;
  lastFailover: Failover | null;
  updatedAt: string | null;
}

export interface SwitchPortHealth {
  port: string;
  ifIndex: number;
  up: boolean | null;
  stpState: StpPortState | null;
  edge: boolean | null;
}

export interface SwitchHealth {
  device: string;
  status: Status;
  reachable: boolean;
  /** The switch's own bridge id (an extension of the contract's Switch): equal to designatedRoot on the root. */
  bridgeId: string | null;
  designatedRoot: string | null;
  topologyChanges: number | null;
  lastTopologyChange: string | null;
  /** Why it is not OK (an extension of the contract's Switch): unreachable with the poll's error, stale, upstream lost. */
  reasons: Reason[];
  ports: SwitchPortHealth[];
}

export interface FleetHealth {
  status: Status;
  generatedAt: string;
  groups: GroupHealth[];
  switches: SwitchHealth[];
}

/** Failover history per `device/group`, kept by the store. */
export type FailoverHistory = ReadonlyMap<string, { count: number; last: Failover | null }>;

export interface FleetInput {
  config: Pick<NicwatchConfig, 'devices' | 'correlation'>;
  polls: ReadonlyMap<string, DevicePoll>;
  failovers?: FailoverHistory;
  /** The correlator's state per `device/group`, for `flapping`. */
  correlations?: ReadonlyMap<string, GroupCorrelation>;
  now: Date;
}

export function buildFleetHealth(input: FleetInput): FleetHealth {
  const fresh = freshSwitches(input);
  const root = fleetRoot(fresh.values());
  const lost = new Set(
    [...fresh].filter(([, s]) => hasLostUpstream(s, root)).map(([name]) => name),
  );
  const groups = input.config.devices
    .filter((device) => device.role === 'server')
    .flatMap((device) =>
      (device.groups ?? []).map((group) => groupHealth(input, device, group, fresh, lost)),
    );
  const switches = input.config.devices
    .filter((device) => device.role === 'switch')
    .map((device) => switchHealth(input, device.name, lost.has(device.name)));
  const status = worstStatus([...groups, ...switches].map((part) => part.status));
  return { status, generatedAt: input.now.toISOString(), groups, switches };
}

/** Why a device's data cannot be judged now, or null when it can. */
function unusable(input: FleetInput, poll: DevicePoll | undefined): Reason | null {
  if (!poll) return reason('stale', 'UNKNOWN', 'not polled yet');
  const ageS = (input.now.getTime() - Date.parse(poll.at)) / 1000;
  if (ageS > input.config.correlation.staleAfterS) {
    return reason(
      'stale',
      'UNKNOWN',
      `no fresh data from ${poll.device} for ${Math.round(ageS)} s`,
    );
  }
  if (!poll.ok) {
    return reason(
      'device-unreachable',
      'UNKNOWN',
      `${poll.device} does not answer: ${poll.error ?? 'unknown error'}`,
    );
  }
  return null;
}

function freshSwitches(input: FleetInput): Map<string, SwitchSnapshot> {
  const fresh = new Map<string, SwitchSnapshot>();
  for (const device of input.config.devices) {
    const poll = input.polls.get(device.name);
    if (device.role === 'switch' && poll?.switch && !unusable(input, poll)) {
      fresh.set(device.name, poll.switch);
    }
  }
  return fresh;
}

function groupHealth(
  input: FleetInput,
  device: DeviceConfig,
  config: GroupConfig,
  switches: ReadonlyMap<string, SwitchSnapshot>,
  upstreamLost: ReadonlySet<string>,
): GroupHealth {
  const poll = input.polls.get(device.name);
  const polled = poll?.groups.find((g) => g.name === config.name);
  const history = input.failovers?.get(`${device.name}/${config.name}`);
  const base = {
    device: device.name,
    group: config.name,
    failovers: history?.count ?? 0,
    lastFailover: history?.last ?? null,
    updatedAt: poll?.at ?? null,
  };
  const links = Object.fromEntries(
    config.legs.map((leg) => [leg.interface, legLink(leg, switches, upstreamLost)]),
  );
  const blocker =
    unusable(input, poll) ??
    (polled && !polled.ok
      ? reason(
          'device-unreachable',
          'UNKNOWN',
          `${device.name} ${config.name}: ${polled.error ?? 'no state'}`,
        )
      : null);
  if (blocker || !polled?.group) {
    const why = blocker ?? reason('stale', 'UNKNOWN', `${config.name} not read yet`);
    return {
      ...base,
      ...unjudged(config, polled?.group ?? null, links),
      status: why.status,
      reasons: [why],
    };
  }
  const group = polled.group;
  const options = {
    primary: config.primary,
    configuredLegs: config.legs.map((l) => l.interface),
    links,
  };
  const reasons = evaluateServerRules(group, options);
  const flapping = flappingReason(input, `${device.name}/${config.name}`);
  if (flapping) {
    if (reasons.length === 1 && reasons[0]?.code === 'all-legs-up') reasons.pop();
    reasons.push(flapping);
  }
  const legs = joinLegs(group, options);
  return {
    ...base,
    kind: group.kind,
    mode: group.mode,
    status: statusOfReasons(reasons),
    reasons,
    activeLeg: group.activeLeg,
    legsUp: legs.filter(carriesTraffic).length,
    legsTotal: legs.length,
    legs: legs.map((leg) => ({
      interface: leg.name,
      up: leg.up,
      active: leg.active,
      switch: leg.switch,
      port: leg.port,
      portUp: leg.portUp,
      stpState: leg.stpState,
      edge: leg.edge,
    })),
  };
}

/** `flapping`: a leg of the group changed state more than FLAP_SUPPRESS times within the last window. */
function flappingReason(input: FleetInput, key: string): Reason | null {
  const state = input.correlations?.get(key);
  if (!state) return null;
  const nowMs = input.now.getTime();
  const windowMs = input.config.correlation.windowMs;
  const legs = Object.entries(state.legs).filter(([, leg]) => isFlapping(leg, nowMs, windowMs));
  if (legs.length === 0) return null;
  const names = legs.map(([name]) => name).join(', ');
  return reason(
    'flapping',
    'WARNING',
    `${names} keeps changing state (more than ${FLAP_SUPPRESS} times within ${windowMs / 1000} s)`,
  );
}

/** The legs as configured, with the last known group data but no verdict. */
function unjudged(
  config: GroupConfig,
  group: RedundancyGroup | null,
  links: Record<string, LegLink>,
) {
  const legs = config.legs.map((leg) => {
    const seen = group?.legs.find((l) => l.interface === leg.interface);
    return {
      interface: leg.interface,
      up: seen?.up ?? false,
      active: seen?.active ?? false,
      ...pickLink(links[leg.interface]),
    };
  });
  return {
    kind: group?.kind ?? config.kind ?? null,
    mode: group?.mode ?? null,
    activeLeg: group?.activeLeg ?? null,
    legsUp: legs.filter((leg) => leg.up && leg.portUp !== false).length,
    legsTotal: legs.length,
    legs,
  };
}

function pickLink(link: LegLink | undefined) {
  const { switch: sw, port, portUp, stpState, edge } = link ?? UNKNOWN_LINK;
  return { switch: sw, port, portUp, stpState, edge };
}

function legLink(
  leg: GroupConfig['legs'][number],
  switches: ReadonlyMap<string, SwitchSnapshot>,
  upstreamLost: ReadonlySet<string>,
): LegLink {
  const sw = leg.switch ?? null;
  const portName = leg.port === undefined ? null : String(leg.port);
  const snapshot = sw === null ? undefined : switches.get(sw);
  const known = { ...UNKNOWN_LINK, switch: sw, port: portName };
  if (!snapshot || leg.port === undefined) return known;
  const iface = findInterface(snapshot, leg.port);
  if (!iface) return known;
  const stp = stpPortOf(snapshot, iface.ifIndex);
  return {
    switch: sw,
    port: iface.name,
    portUp: iface.operUp,
    stpState: stp?.state ?? null,
    edge: stp?.edge ?? null,
    upstreamLost: sw !== null && upstreamLost.has(sw),
  };
}

function switchHealth(input: FleetInput, name: string, upstreamLost: boolean): SwitchHealth {
  const poll = input.polls.get(name);
  const data = poll?.switch ?? null;
  const problem = unusable(input, poll);
  const stp = data?.stp ?? null;
  const lastTopologyChange =
    poll && stp?.timeSinceTopologyChangeS != null
      ? new Date(Date.parse(poll.at) - stp.timeSinceTopologyChangeS * 1000).toISOString()
      : null;
  const reasons = problem
    ? [problem]
    : upstreamLost
      ? [reason('upstream-lost', 'WARNING', `${name} has no forwarding path to the STP root`)]
      : [];
  return {
    device: name,
    status: problem ? problem.status : upstreamLost ? 'WARNING' : 'OK',
    reachable: poll?.ok ?? false,
    bridgeId: stp?.bridgeId ?? null,
    designatedRoot: stp?.designatedRoot ?? null,
    topologyChanges: stp?.topologyChanges ?? null,
    lastTopologyChange,
    reasons,
    ports: data ? switchPorts(data) : [],
  };
}

/** The bridge ports when the switch runs a bridge, else every interface. */
function switchPorts(snapshot: SwitchSnapshot): SwitchPortHealth[] {
  const bridged = new Set((snapshot.stpPorts ?? []).map((port) => port.ifIndex));
  const interfaces =
    bridged.size > 0
      ? snapshot.interfaces.filter((i) => bridged.has(i.ifIndex))
      : snapshot.interfaces;
  return interfaces.map((iface) => {
    const stp = stpPortOf(snapshot, iface.ifIndex);
    return {
      port: iface.name,
      ifIndex: iface.ifIndex,
      up: iface.operUp,
      stpState: stp?.state ?? null,
      edge: stp?.edge ?? null,
    };
  });
}
