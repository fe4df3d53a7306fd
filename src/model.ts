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
