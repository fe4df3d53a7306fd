/**
 * The one model every decoder produces and every health rule reads: a server's NIC redundancy
 * group (a Linux bond, a teamd team, a Solaris IPMP group) as the server itself reports it.
 */

export type GroupKind = 'linux-bond' | 'linux-team' | 'ipmp' | 'members';
export const GROUP_KINDS: readonly GroupKind[] = ['linux-bond', 'linux-team', 'ipmp', 'members'];

/**
 * How the group uses its legs. Decoders keep the native mode name in `RedundancyGroup.mode`
 * (`active-backup`, `802.3ad`, `activebackup`, `lacp`, ...) and classify it here so that the
 * health rules do not need to know every driver's vocabulary.
 * - `failover`: one leg carries traffic, the others stand by (active-backup, teamd activebackup).
 * - `aggregate`: LACP negotiates one aggregate with the switch (802.3ad, teamd lacp).
 * - `load-share`: every up leg carries traffic without negotiation (balance-*, roundrobin, ...).
 * - `multipath`: Solaris IPMP: every active interface carries traffic, standbys wait.
 */
export type RedundancyPolicy = 'failover' | 'aggregate' | 'load-share' | 'multipath';

/** How the group notices that a leg has failed. */
export type FailureDetection = 'link' | 'probe' | 'link+probe' | 'none';

export interface LacpPort {
  /** Aggregator this member was selected into (bonding "Aggregator ID"), null when not reported. */
  aggregatorId: number | null;
  /** The partner's system MAC as this member last saw it; all zeros means no LACP partner. */
  partnerMac: string | null;
  partnerKey: number | null;
  actorKey: number | null;
  /** LACP port state bits (IEEE 802.1AX actor/partner state octet) when reported. */
  actorState: number | null;
  partnerState: number | null;
}

export interface Leg {
  interface: string;
  /** Link as the group itself judges it (MII/carrier, teamd link watch, IPMP failure detection). */
  up: boolean;
  /** True when this leg carries traffic; for `failover` groups only the active leg. */
  active: boolean;
  /** Native state word when the source has one: `up`, `down`, `FAILED`, `STANDBY`, `ok`, ... */
  state: string | null;
  linkFailures: number | null;
  speedMbps: number | null;
  duplex: string | null;
  /** Permanent hardware address; may be masked in pastes ("xx:xx:..."). */
  mac: string | null;
  /** IPMP: an administratively standby or offline interface; teamd/bonding: false. */
  standby: boolean;
  lacp: LacpPort | null;
}

export interface Monitoring {
  detection: FailureDetection;
  /** Bonding miimon; teamd/IPMP link watches report it where known. 0 = off. */
  miiIntervalMs: number | null;
  arpIntervalMs: number | null;
  arpTargets: string[];
  upDelayMs: number | null;
  downDelayMs: number | null;
  /** IPMP probe-based failure detection time (in.mpathd FAILURE_DETECTION_TIME). */
  probeFailureDetectionMs: number | null;
}

export interface LacpGroup {
  /** The aggregator bonding uses for traffic ("Active Aggregator Info: Aggregator ID"). */
  activeAggregatorId: number | null;
  partnerMac: string | null;
  rate: string | null;
}

export interface RedundancyGroup {
  kind: GroupKind;
  /** The group's own name (`bond0`, `team0`, `ipmp0`) when the text says it, else null. */
  name: string | null;
  /** Native mode name as the source prints it, normalised to its short form. */
  mode: string;
  policy: RedundancyPolicy;
  /** The single leg carrying traffic for `failover` groups; null for others or when none. */
  activeLeg: string | null;
  legs: Leg[];
  monitoring: Monitoring;
  /** The group's own preferred leg (bonding primary, teamd prio winner is not reported). */
  primary: string | null;
  /** bonding primary_reselect: always | better | failure. */
  primaryReselect: string | null;
  /** bonding fail_over_mac: none | active | follow. */
  failOverMac: string | null;
  lacp: LacpGroup | null;
  /** Driver or program version from the header, when the text has one. */
  driverVersion: string | null;
}

/** Defaults for a leg; decoders spread their findings over it. */
export function newLeg(name: string): Leg {
  return {
    interface: name,
    up: false,
    active: false,
    state: null,
    linkFailures: null,
    speedMbps: null,
    duplex: null,
    mac: null,
    standby: false,
    lacp: null,
  };
}

export function newMonitoring(): Monitoring {
  return {
    detection: 'none',
    miiIntervalMs: null,
    arpIntervalMs: null,
    arpTargets: [],
    upDelayMs: null,
    downDelayMs: null,
    probeFailureDetectionMs: null,
  };
}

export type Status = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** Exit status of a Nagios plugin and the numeric value of `nicwatch_group_status`. */
export const STATUS_CODE: Record<Status, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export type ReasonCode =
  | 'all-legs-up'
  | 'leg-down'
  | 'no-legs-up'
  | 'active-leg-down'
  | 'stp-not-forwarding'
  | 'single-switch'
  | 'not-edge-port'
  | 'single-leg'
  | 'lacp-not-negotiated'
  | 'no-link-monitoring'
  | 'non-primary-active'
  | 'flapping'
  | 'upstream-lost'
  | 'stale'
  | 'device-unreachable';

export interface Reason {
  code: ReasonCode;
  status: Status;
  message: string;
}

/* ---- The switch side: what a switch's agent says about its ports and STP. ---- */

/** BRIDGE-MIB dot1dStpPortState (RFC 4188) values, in MIB order (1..6). */
export const STP_PORT_STATES = [
  'disabled',
  'blocking',
  'listening',
  'learning',
  'forwarding',
  'broken',
] as const;
export type StpPortState = (typeof STP_PORT_STATES)[number];

/** One row of IF-MIB ifTable + ifXTable. */
export interface InterfaceState {
  ifIndex: number;
  /** ifName (ifXTable), else ifDescr: what operators call the port. */
  name: string;
  descr: string;
  alias: string | null;
  /** IANAifType, e.g. 6 ethernetCsmacd, 161 ieee8023adLag. */
  type: number | null;
  /** ifOperStatus up(1); null when the agent did not say. */
  operUp: boolean | null;
  adminUp: boolean | null;
  /** ifHighSpeed, else ifSpeed / 10^6. */
  speedMbps: number | null;
  /** ifLastChange in sysUpTime hundredths of a second. */
  lastChangeTicks: number | null;
}

/** A bridge's spanning-tree view of itself (BRIDGE-MIB dot1dStp scalars). */
export interface StpBridge {
  /**
   * Bridge identifiers are normalised to `pppp.aabbccddeeff` (priority in hex, MAC), whether the
   * agent sent the 8-byte BridgeId or snmp-bridge-mib's sysfs string.
   */
  bridgeId: string | null;
  designatedRoot: string | null;
  /** dot1dStpRootPort: 0 on the root bridge itself. */
  rootPort: number | null;
  topologyChanges: number | null;
  /** dot1dStpTimeSinceTopologyChange in seconds. */
  timeSinceTopologyChangeS: number | null;
}

/** One bridge port: BRIDGE-MIB base and STP port tables, RSTP-MIB edge state. */
export interface StpPort {
  bridgePort: number;
  ifIndex: number | null;
  state: StpPortState | null;
  /** RSTP-MIB dot1dStpPortOperEdgePort; null when the agent has no RSTP-MIB. */
  edge: boolean | null;
}

/** One LLDP-MIB remote-table row, mapped to the local interface it was heard on. */
export interface LldpNeighbour {
  /** ifIndex of the local port, through lldpLocPortTable and the bridge port map; null if unmapped. */
  localIfIndex: number | null;
  localPortNum: number;
  chassisId: string;
  portId: string;
  portDescr: string | null;
  sysName: string | null;
}

/** Everything one switch poll learns. A MIB the agent lacks leaves its part null, never guessed. */
export interface SwitchSnapshot {
  interfaces: InterfaceState[];
  stp: StpBridge | null;
  stpPorts: StpPort[] | null;
  lldp: LldpNeighbour[] | null;
  /** LAG member ifIndex → aggregate ifIndex (ifStackTable / IEEE8023-LAG-MIB). */
  lagOf: Record<number, number>;
}

/* ---- What a poll stores and what changes between polls. ---- */

export type DeviceRole = 'switch' | 'server';

/** How a device's state is read. */
export type Transport = 'snmp' | 'netconf';

/** One group as the last poll of its server read it. */
export interface GroupPoll {
  name: string;
  /** False when this group's text could not be read or decoded (the reason is in `error`). */
  ok: boolean;
  error: string | null;
  group: RedundancyGroup | null;
}

/**
 * A device's latest poll. When a poll fails, the data of the last good poll is kept beside
 * `ok: false`, so the API can still show the legs it last saw.
 */
export interface DevicePoll {
  device: string;
  role: DeviceRole;
  /** When this poll finished (ISO 8601 UTC). */
  at: string;
  /** How it was read; absent in polls stored before NETCONF existed (SNMP). */
  transport?: Transport;
  /** The agent answered. */
  ok: boolean;
  error: string | null;
  durationMs: number;
  /** When the agent last answered; null if it never did. */
  lastOkAt: string | null;
  switch: SwitchSnapshot | null;
  groups: GroupPoll[];
  /**
   * Link states a trap announced for switch interfaces (by ifIndex) that polls have not
   * confirmed yet: agents cache IF-MIB for seconds, so a poll right after a trap may still show
   * the old state. Absent when there are none.
   */
  hints?: Record<number, { up: boolean; at: string }>;
}

/**
 * Event types. `trap` is a trap nicwatch does not interpret, kept with its OID in
 * `details.trapOid` (contract section 6: "others are kept as events of their OID").
 */
export const EVENT_TYPES = [
  'link-down',
  'link-up',
  'stp-state',
  'stp-topology-change',
  'stp-new-root',
  'leg-down',
  'leg-up',
  'active-leg-changed',
  'device-unreachable',
  'device-reachable',
  'trap',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type EventSource = 'trap' | 'poll' | 'netconf';

/** A change seen by a poll or announced by a trap (contract section 4). */
export interface StateEvent {
  /** Assigned by the store (the Redis stream entry id); empty until stored. */
  id: string;
  at: string;
  source: EventSource;
  device: string;
  type: EventType;
  interface?: string;
  details: Record<string, unknown>;
}

/**
 * A trap as the receiver accepted it, before correlation: a StateEvent of source `trap` with
 * what correlation needs to place it. `details` carries at least `trapOid`, `version`
 * (`1`|`2c`|`3`), `from` (UDP source `host:port`), `trapId` (unique per accepted trap, for
 * de-duplication), `varbinds` (`[{ oid, type, value }]` as text) and, for link traps, `ifIndex`,
 * `ifAdminStatus`, `ifOperStatus` when the trap carries them.
 */
export type TrapEvent = Omit<StateEvent, 'id'> & { source: 'trap' };
