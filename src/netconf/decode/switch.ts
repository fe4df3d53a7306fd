/**
 * A NETCONF `<get>` (or `<get-data>`) reply → SwitchSnapshot, the model the SNMP switch poll
 * produces: interfaces from ietf-interfaces or openconfig-interfaces, STP from
 * openconfig-spanning-tree, LAG membership from the interface stack, openconfig-if-aggregate and
 * openconfig-lacp. What the reply lacks stays null (LLDP is never read here). Pure.
 */
import { DecodeError } from '../../errors';
import type { InterfaceState, StpBridge, StpPort, SwitchSnapshot } from '../../model';
import { childElements, describeChildren, parseNetconfXml, type XmlElement } from '../xml';
import { type DecodedInterfaces, decodeIetfInterfaces } from './ietf-interfaces';
import { decodeOpenconfigInterfaces } from './openconfig-interfaces';
import { decodeOpenconfigLacp } from './openconfig-lacp';
import { decodeOpenconfigStp, type OpenconfigStp, type StpDecodeOptions } from './openconfig-stp';

export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** `<data>` of `<get>` (base), of `<get-data>` (RFC 8526) and of the NMDA drafts before it. */
const DATA_NAMESPACES: readonly string[] = [
  NETCONF_BASE_NS,
  'urn:ietf:params:xml:ns:yang:ietf-netconf-nmda',
  'urn:ietf:params:xml:ns:yang:ietf-netconf-datastores',
];

const FORMAT = 'NETCONF reply';

export type SwitchDecodeOptions = StpDecodeOptions;

/** The reply text of a `<get>` → SwitchSnapshot. */
export function decodeSwitchReply(xml: string, options: SwitchDecodeOptions): SwitchSnapshot {
  return decodeSwitchData(replyData(parseNetconfXml(xml, FORMAT)), options);
}

/** The `<data>` element of an `<rpc-reply>`, or the document itself when it is a `<data>`. */
export function replyData(root: XmlElement): XmlElement {
  if (isData(root)) return root;
  if (root.name !== 'rpc-reply' || root.ns !== NETCONF_BASE_NS) {
    throw new DecodeError(
      FORMAT,
      `expected <rpc-reply> (${NETCONF_BASE_NS}) or <data>, found <${root.name}> (${root.ns ?? 'no namespace'})`,
    );
  }
  // Warnings ride along with data (RFC 6241 §4.3); the client counts them as success too.
  const error = childElements(root, 'rpc-error').find((e) => severity(e) !== 'warning');
  if (error) {
    const text = (name: string): string => childElements(error, name)[0]?.text.trim() ?? '';
    throw new DecodeError(
      FORMAT,
      `the reply is an rpc-error: ${text('error-tag') || 'no error-tag'}${text('error-message') ? ` — ${text('error-message')}` : ''}`,
    );
  }
  const data = root.children.filter(isData);
  const [only] = data;
  if (data.length !== 1 || only === undefined) {
    throw new DecodeError(FORMAT, `expected one <data> in the reply, found ${data.length}`);
  }
  return only;
}

/** error-severity as sent; a missing one counts as error. */
function severity(error: XmlElement): string {
  return childElements(error, 'error-severity')[0]?.text.trim() || 'error';
}

function isData(element: XmlElement): boolean {
  return element.name === 'data' && element.ns !== null && DATA_NAMESPACES.includes(element.ns);
}

/** A reply's `<data>` → SwitchSnapshot. */
export function decodeSwitchData(data: XmlElement, options: SwitchDecodeOptions): SwitchSnapshot {
  const decoded = chooseInterfaces(decodeIetfInterfaces(data), decodeOpenconfigInterfaces(data));
  if (decoded === null) {
    throw new DecodeError(
      FORMAT,
      `no ietf-interfaces or openconfig-interfaces data: the reply holds ${describeChildren(data)}`,
    );
  }
  const { interfaces } = decoded;
  const ifIndexOf = new Map(interfaces.map((i) => [i.name, i.ifIndex]));
  const stp = decodeOpenconfigStp(data, options);
  const stpPorts = stp ? joinStpPorts(stp, interfaces) : null;
  return {
    interfaces,
    stp: stp && stpPorts ? toStpBridge(stp, stpPorts) : null,
    stpPorts: stpPorts
      ? stpPorts.map(({ bridgePort, ifIndex, state, edge }) => ({
          bridgePort,
          ifIndex,
          state,
          edge,
        }))
      : null,
    lldp: null,
    lagOf: lagMembership(decoded.aggregateOf, data, ifIndexOf),
  };
}

/**
 * A server may implement both modules: take the one that reports operational state (some
 * oper-status), ietf-interfaces when both do or neither does.
 */
function chooseInterfaces(
  ietf: DecodedInterfaces | null,
  openconfig: DecodedInterfaces | null,
): DecodedInterfaces | null {
  const hasState = (decoded: DecodedInterfaces | null): boolean =>
    decoded !== null && decoded.interfaces.some((i) => i.operUp !== null);
  if (ietf && openconfig && !hasState(ietf) && hasState(openconfig)) return openconfig;
  return ietf ?? openconfig;
}

type JoinedPort = StpPort & { portNum: number | null };

/**
 * STP ports → StpPort: bridgePort is the interface's ifIndex, so that it stays the same from
 * poll to poll; an STP port naming no listed interface gets a number above every ifIndex.
 */
function joinStpPorts(stp: OpenconfigStp, interfaces: InterfaceState[]): JoinedPort[] {
  const ifIndexOf = new Map(interfaces.map((i) => [i.name, i.ifIndex]));
  let next = Math.max(0, ...interfaces.map((i) => i.ifIndex)) + 1;
  return stp.ports
    .map((port) => {
      const ifIndex = ifIndexOf.get(port.name) ?? null;
      return {
        bridgePort: ifIndex ?? next++,
        ifIndex,
        state: port.state,
        edge: port.edge,
        portNum: port.portNum,
      };
    })
    .sort((a, b) => a.bridgePort - b.bridgePort);
}

/** root-port is an STP port number: 0 on the root itself, else the bridgePort of that port. */
function toStpBridge(stp: OpenconfigStp, ports: JoinedPort[]): StpBridge {
  const { bridgeId, designatedRoot, rootPortNum, topologyChanges, timeSinceTopologyChangeS } =
    stp.bridge;
  const rootPort =
    rootPortNum === null || rootPortNum === 0
      ? rootPortNum
      : (ports.find((port) => port.portNum === rootPortNum)?.bridgePort ?? null);
  return { bridgeId, designatedRoot, rootPort, topologyChanges, timeSinceTopologyChangeS };
}

/**
 * Member ifIndex → aggregate ifIndex from every source the reply has. A member or aggregate that
 * is not among the interfaces has no ifIndex to map, and is left out; a member that two sources
 * put in different aggregates is an error, as in IF-MIB.
 */
function lagMembership(
  aggregateOf: Map<string, string>,
  data: XmlElement,
  ifIndexOf: Map<string, number>,
): Record<number, number> {
  const pairs: Array<[string, string, string]> = [...aggregateOf].map(([member, lag]) => [
    member,
    lag,
    'the interface stack',
  ]);
  for (const aggregate of decodeOpenconfigLacp(data) ?? []) {
    for (const member of aggregate.members) pairs.push([member.interface, aggregate.name, 'LACP']);
  }
  const lagOf: Record<number, number> = {};
  const source: Record<number, string> = {};
  for (const [member, lag, from] of pairs) {
    const memberIndex = ifIndexOf.get(member);
    const lagIndex = ifIndexOf.get(lag);
    if (memberIndex === undefined || lagIndex === undefined) continue;
    const known = lagOf[memberIndex];
    if (known !== undefined && known !== lagIndex) {
      throw new DecodeError(
        FORMAT,
        `${member} is in aggregate ${lag} by ${from} but in ifIndex ${known} by ${source[memberIndex]}`,
      );
    }
    lagOf[memberIndex] = lagIndex;
    source[memberIndex] = from;
  }
  return lagOf;
}
