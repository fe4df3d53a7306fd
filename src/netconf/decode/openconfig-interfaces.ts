/**
 * openconfig-interfaces (with its ethernet and aggregate augments) → InterfaceState, the same rows
 * IF-MIB gives. Pure: a reply's `<data>` in, model out.
 *
 * /interfaces/interface[name]/state holds what the device runs (type, description, enabled,
 * ifindex, admin-status, oper-status); config is read only where state is silent. Speed comes
 * from the ethernet augment (an identity such as SPEED_10GB) or, for an aggregate, lag-speed.
 */
import type { InterfaceState } from '../../model';
import { childElements, type Identity, leafReader, type XmlElement } from '../xml';
import {
  aggregateMembership,
  type DecodedInterfaces,
  ianaIfType,
  type InterfaceRow,
  numberInterfaces,
} from './ietf-interfaces';

export const OC_INTERFACES_NS = 'http://openconfig.net/yang/interfaces';
export const OC_ETHERNET_NS = 'http://openconfig.net/yang/interfaces/ethernet';
export const OC_AGGREGATE_NS = 'http://openconfig.net/yang/interfaces/aggregate';

const FORMAT = 'openconfig-interfaces';
const leaves = leafReader(FORMAT);

const ADMIN_STATUSES = ['UP', 'DOWN', 'TESTING'] as const;
const OPER_STATUSES = [
  'UP',
  'DOWN',
  'TESTING',
  'UNKNOWN',
  'DORMANT',
  'NOT_PRESENT',
  'LOWER_LAYER_DOWN',
] as const;

/**
 * "The same semantics as ifOperStatus" (the module), so as IF-MIB decodes it: only UP passes
 * traffic, UNKNOWN is the agent not knowing (null). No OpenConfig agent is known to report a lost
 * carrier as UNKNOWN, as netconfd does with ietf-interfaces.
 */
const OPER_UP: Record<(typeof OPER_STATUSES)[number], boolean | null> = {
  UP: true,
  DOWN: false,
  TESTING: false,
  UNKNOWN: null,
  DORMANT: false,
  NOT_PRESENT: false,
  LOWER_LAYER_DOWN: false,
};

/** The interfaces in a reply's data, or null when it holds no openconfig-interfaces. */
export function decodeOpenconfigInterfaces(data: XmlElement): DecodedInterfaces | null {
  const container = leaves.element(data, 'interfaces', OC_INTERFACES_NS);
  if (!container) return null;
  const entries = childElements(container, 'interface');
  const interfaces: InterfaceState[] = numberInterfaces(entries.map(decodeEntry), FORMAT);
  return { interfaces, aggregateOf: aggregatesOf(entries) };
}

function nameOf(entry: XmlElement): string {
  const name =
    leaves.string(entry, 'name') ?? stateOrConfig(entry, (from) => leaves.string(from, 'name'));
  if (name === null || name === '') throw leaves.error(entry, 'an interface without a name');
  return name;
}

/** A value from the entry's state container, else from its config container. */
function stateOrConfig<T>(entry: XmlElement, read: (container: XmlElement) => T | null): T | null {
  const state = leaves.element(entry, 'state');
  const config = leaves.element(entry, 'config');
  return (state ? read(state) : null) ?? (config ? read(config) : null);
}

function decodeEntry(entry: XmlElement): InterfaceRow {
  const state = leaves.element(entry, 'state');
  const name = nameOf(entry);
  const description = stateOrConfig(entry, (from) => leaves.string(from, 'description'));
  const admin = state ? leaves.enumeration(state, 'admin-status', ADMIN_STATUSES) : null;
  const oper = state ? leaves.enumeration(state, 'oper-status', OPER_STATUSES) : null;
  // ifindex is a plain uint32 here; 0 is how some agents say "none"
  const ifIndex = state ? leaves.unsigned(state, 'ifindex', 4_294_967_295n) : null;
  return {
    ifIndex: ifIndex === null || ifIndex === 0n ? null : Number(ifIndex),
    name,
    // ifDescr names the port; the description is ifAlias, free text that may name another port
    descr: name,
    alias: description === '' ? null : description,
    type: ianaIfType(stateOrConfig(entry, (from) => leaves.identity(from, 'type'))),
    operUp: oper === null ? null : OPER_UP[oper],
    adminUp:
      admin !== null
        ? admin === 'UP'
        : stateOrConfig(entry, (from) => leaves.boolean(from, 'enabled')),
    speedMbps: speedMbps(entry),
    // last-change is nanoseconds since the Unix epoch, not sysUpTime ticks: no place in the model
    lastChangeTicks: null,
  };
}

/** The negotiated Ethernet speed, else the set one, else an aggregate's lag-speed (Mbit/s). */
function speedMbps(entry: XmlElement): number | null {
  const ethernet = leaves.element(entry, 'ethernet', OC_ETHERNET_NS);
  const ethernetState = ethernet ? leaves.element(ethernet, 'state') : null;
  if (ethernetState) {
    const speed =
      leaves.identity(ethernetState, 'negotiated-port-speed') ??
      leaves.identity(ethernetState, 'port-speed');
    if (speed !== null) return ethernetSpeedMbps(speed);
  }
  const aggregation = leaves.element(entry, 'aggregation', OC_AGGREGATE_NS);
  const lagState = aggregation ? leaves.element(aggregation, 'state') : null;
  const lagSpeed = lagState ? leaves.unsigned(lagState, 'lag-speed', 4_294_967_295n) : null;
  return lagSpeed === null ? null : Number(lagSpeed);
}

/** openconfig-if-ethernet ETHERNET_SPEED identities: SPEED_2500MB, SPEED_10GB, …; SPEED_UNKNOWN. */
function ethernetSpeedMbps(speed: Identity): number | null {
  const match = /^SPEED_([0-9]+)(MB|GB)$/.exec(speed.name);
  if (!match) return null;
  return Number(match[1]) * (match[2] === 'GB' ? 1000 : 1);
}

/**
 * LAG membership: a member's ethernet aggregate-id (openconfig-if-aggregate), and a static
 * aggregate's own member list. A port put in two aggregates is an error.
 */
function aggregatesOf(entries: XmlElement[]): Map<string, string> {
  const { aggregateOf, assign } = aggregateMembership((where, message) =>
    leaves.error(where, message),
  );
  for (const entry of entries) {
    const name = nameOf(entry);
    const ethernet = leaves.element(entry, 'ethernet', OC_ETHERNET_NS);
    const aggregate = ethernet
      ? stateOrConfig(ethernet, (from) => leaves.string(from, 'aggregate-id', OC_AGGREGATE_NS))
      : null;
    if (aggregate !== null && aggregate !== '') assign(name, aggregate, entry);
    const aggregation = leaves.element(entry, 'aggregation', OC_AGGREGATE_NS);
    const lagState = aggregation ? leaves.element(aggregation, 'state') : null;
    for (const member of lagState ? leaves.list(lagState, 'member') : []) {
      assign(member, name, entry);
    }
  }
  return aggregateOf;
}
