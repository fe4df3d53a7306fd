/**
 * ietf-interfaces (RFC 7223, RFC 8343) → InterfaceState, the same rows IF-MIB gives. Pure: a
 * reply's `<data>` in, model out. Also what the openconfig-interfaces decoder shares with it:
 * iana-if-type numbers, speed and the ifIndex numbering.
 */
import { DecodeError } from '../../errors';
import type { InterfaceState } from '../../model';
import { childElements, type Identity, leafReader, UINT64_MAX, type XmlElement } from '../xml';

export const IETF_INTERFACES_NS = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
export const IANA_IF_TYPE_NS = 'urn:ietf:params:xml:ns:yang:iana-if-type';

const FORMAT = 'ietf-interfaces';
const leaves = leafReader(FORMAT);

/** What an interfaces decoder finds: the rows, and which aggregate each LAG member belongs to. */
export interface DecodedInterfaces {
  interfaces: InterfaceState[];
  /** Member interface name → aggregate interface name. */
  aggregateOf: Map<string, string>;
}

/** An interface row before numbering: `ifIndex` null when the server did not say. */
export type InterfaceRow = Omit<InterfaceState, 'ifIndex'> & { ifIndex: number | null };

/** iana-if-type identity → IANAifType number (the identities follow the MIB's numbering). */
const IANA_IF_TYPES: Record<string, number> = {
  other: 1,
  ethernetCsmacd: 6,
  softwareLoopback: 24,
  propVirtual: 53,
  fastEther: 62,
  gigabitEthernet: 117,
  tunnel: 131,
  l2vlan: 135,
  l3ipvlan: 136,
  ieee8023adLag: 161,
  bridge: 209,
};
export const IF_TYPE_IEEE8023AD_LAG = 161;

/** An iana-if-type identity as its number; null for an identity of another module or not listed. */
export function ianaIfType(identity: Identity | null): number | null {
  if (identity === null || (identity.ns !== null && identity.ns !== IANA_IF_TYPE_NS)) return null;
  return Object.prototype.hasOwnProperty.call(IANA_IF_TYPES, identity.name)
    ? (IANA_IF_TYPES[identity.name] ?? null)
    : null;
}

/**
 * No port runs at 10^15 bit/s; above that a speed is a wrapped negative, as netconfd's
 * `sysfs speed × 10^6` makes of an unknown speed (-1): 2^64 − 10^6 (real-peers.md). Below it the
 * conversion to Mbit/s is exact (under 2^53).
 */
const MAX_PLAUSIBLE_BPS = 10n ** 15n;

export function speedMbpsFromBps(bps: bigint | null): number | null {
  if (bps === null || bps > MAX_PLAUSIBLE_BPS) return null;
  return Number(bps) / 1_000_000;
}

const ADMIN_STATUSES = ['up', 'down', 'testing'] as const;
const OPER_STATUSES = [
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'not-present',
  'lower-layer-down',
] as const;

/**
 * Whether the port passes traffic; only `up` does (testing and dormant do not, as in IF-MIB).
 * `unknown` is false here, where IF-MIB's unknown(4) is null: netconfd (yuma123 2.13), which
 * reads the kernel's operstate, reports every state but up and down as `unknown`, and a cut
 * cable is one of them: a veth whose peer is down (kernel LOWERLAYERDOWN) comes out `unknown`,
 * not `down`. So only `up` may count as up. A loopback (kernel operstate unknown) comes out
 * false too; it is never a leg.
 */
const OPER_UP: Record<(typeof OPER_STATUSES)[number], boolean> = {
  up: true,
  down: false,
  testing: false,
  unknown: false,
  dormant: false,
  'not-present': false,
  'lower-layer-down': false,
};

/**
 * The interfaces in a reply's data, or null when it holds no ietf-interfaces. Three shapes:
 * - NMDA (RFC 8343): `interfaces` entries carry their own oper-status, if-index, speed;
 * - RFC 7223: `interfaces-state` lists every interface that exists, and the configuration in
 *   `interfaces` adds description and `enabled` to the entries of the same name (netconfd 2.13
 *   sends the state list alone, with name, oper-status, speed and statistics only);
 * - configuration alone (a `<get-config>`, or a server without state): oper-status is absent,
 *   so operUp is null, never down.
 * adminUp is admin-status, else the configured `enabled`.
 */
export function decodeIetfInterfaces(data: XmlElement): DecodedInterfaces | null {
  const config = leaves.element(data, 'interfaces', IETF_INTERFACES_NS);
  const state = leaves.element(data, 'interfaces-state', IETF_INTERFACES_NS);
  if (!config && !state) return null;
  const configEntries = config ? childElements(config, 'interface') : [];
  const nmda = configEntries.some((entry) => leaves.element(entry, 'oper-status') !== null);
  const listed = nmda || !state ? configEntries : childElements(state, 'interface');
  const configured = new Map(configEntries.map((entry) => [nameOf(entry), entry]));
  const rows = listed.map((entry) =>
    decodeEntry(entry, listed === configEntries ? null : configured.get(nameOf(entry))),
  );
  const interfaces = numberInterfaces(rows, FORMAT);
  return { interfaces, aggregateOf: aggregatesOf(listed, interfaces) };
}

function nameOf(entry: XmlElement): string {
  const name = leaves.string(entry, 'name');
  if (name === null || name === '') throw leaves.error(entry, 'an interface without a name');
  return name;
}

/** One entry, with its configuration entry when state and configuration are apart. */
function decodeEntry(entry: XmlElement, configured: XmlElement | undefined | null): InterfaceRow {
  const either = <T>(read: (from: XmlElement) => T | null): T | null =>
    read(entry) ?? (configured ? read(configured) : null);
  const name = nameOf(entry);
  const description = either((from) => leaves.string(from, 'description'));
  const admin = leaves.enumeration(entry, 'admin-status', ADMIN_STATUSES);
  const oper = leaves.enumeration(entry, 'oper-status', OPER_STATUSES);
  const ifIndex = leaves.unsigned(entry, 'if-index', 2_147_483_647n);
  if (ifIndex === 0n) throw leaves.error(entry, 'if-index 0 is outside 1..2147483647');
  return {
    ifIndex: ifIndex === null ? null : Number(ifIndex),
    name,
    // ifDescr names the port; the description is ifAlias, free text that may name another port
    descr: name,
    alias: description === '' ? null : description,
    type: ianaIfType(either((from) => leaves.identity(from, 'type'))),
    operUp: oper === null ? null : OPER_UP[oper],
    // testing: under test, not carrying traffic for the operator: not "up" (as IF-MIB)
    adminUp: admin !== null ? admin === 'up' : either((from) => leaves.boolean(from, 'enabled')),
    speedMbps: speedMbpsFromBps(leaves.unsigned(entry, 'speed', UINT64_MAX)),
    // last-change is a date-and-time, not sysUpTime ticks: the model has no place for it
    lastChangeTicks: null,
  };
}

/**
 * LAG membership from the interface stack (RFC 8343 higher-layer-if / lower-layer-if), as IF-MIB
 * reads it from ifStackTable: only a layer whose upper interface is an ieee8023adLag counts (a
 * VLAN on a port is no aggregate).
 */
function aggregatesOf(entries: XmlElement[], interfaces: InterfaceState[]): Map<string, string> {
  const isLag = new Set(
    interfaces.filter((i) => i.type === IF_TYPE_IEEE8023AD_LAG).map((i) => i.name),
  );
  const { aggregateOf, assign } = aggregateMembership((where, message) =>
    leaves.error(where, message),
  );
  for (const entry of entries) {
    const name = nameOf(entry);
    for (const upper of leaves.list(entry, 'higher-layer-if')) {
      if (isLag.has(upper)) assign(name, upper, entry);
    }
    if (!isLag.has(name)) continue;
    for (const lower of leaves.list(entry, 'lower-layer-if')) assign(lower, name, entry);
  }
  return aggregateOf;
}

/**
 * Rows → InterfaceState with an ifIndex each. The server's if-index (ietf) or ifindex
 * (openconfig) where it sends one. Where it does not (netconfd 2.13 sends none), a synthetic
 * index by document order, starting at 1 — above the highest real one when some rows have one —
 * stable as long as the server lists the same interfaces in the same order; configure legs by
 * port name rather than number on such a switch. Two rows with one name or one index: error.
 */
export function numberInterfaces(rows: InterfaceRow[], format: string): InterfaceState[] {
  const names = new Set<string>();
  const indexes = new Set<number>();
  for (const row of rows) {
    if (names.has(row.name)) throw new DecodeError(format, `interface ${row.name} is listed twice`);
    names.add(row.name);
    if (row.ifIndex === null) continue;
    if (indexes.has(row.ifIndex)) {
      throw new DecodeError(format, `ifIndex ${row.ifIndex} is given to two interfaces`);
    }
    indexes.add(row.ifIndex);
  }
  let next = Math.max(0, ...indexes) + 1;
  return rows.map((row) => ({ ...row, ifIndex: row.ifIndex ?? next++ }));
}

/** Member → aggregate as a decoder finds them; a port put in two aggregates is an error. */
export function aggregateMembership(error: (where: XmlElement, message: string) => Error): {
  aggregateOf: Map<string, string>;
  assign: (member: string, aggregate: string, where: XmlElement) => void;
} {
  const aggregateOf = new Map<string, string>();
  const assign = (member: string, aggregate: string, where: XmlElement): void => {
    const known = aggregateOf.get(member);
    if (known !== undefined && known !== aggregate) {
      throw error(where, `${member} is in aggregate ${aggregate} here but in ${known}`);
    }
    aggregateOf.set(member, aggregate);
  };
  return { aggregateOf, assign };
}
