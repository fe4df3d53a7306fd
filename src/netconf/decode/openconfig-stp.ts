/**
 * openconfig-spanning-tree → the bridge's STP view and its ports' state, role and edge status,
 * the same facts BRIDGE-MIB and RSTP-MIB give. Pure: a reply's `<data>` in, model out; ports are
 * named by interface here and joined to ifIndexes by the switch decoder.
 *
 * RSTP reads /stp/rstp. MSTP reads the CIST where an agent lists it as mst-instance 0 (outside
 * the module's 1..4094), else the only instance there is; with several MSTIs and no instance 0,
 * which one a leg's VLAN rides is unknown, so STP is left null. Rapid-PVST (one tree per VLAN)
 * is not read.
 */
import { STP_PORT_STATES, type StpBridge, type StpPortState } from '../../model';
import {
  childElements,
  exactNumber,
  type Identity,
  leafReader,
  UINT64_MAX,
  type XmlElement,
} from '../xml';

export const OC_STP_NS = 'http://openconfig.net/yang/spanning-tree';

const FORMAT = 'openconfig-spanning-tree';
const leaves = leafReader(FORMAT);

export const STP_PORT_ROLES = [
  'root',
  'designated',
  'alternate',
  'backup',
  'disabled',
  'master',
] as const;
export type StpPortRole = (typeof STP_PORT_ROLES)[number];

/** One STP port as the module names it; `portNum` is its STP port number (dot1dStpPort). */
export interface OpenconfigStpPort {
  name: string;
  portNum: number | null;
  state: StpPortState | null;
  role: StpPortRole | null;
  /** Operational edge when the agent reports it, else EDGE_ENABLE/EDGE_DISABLE; EDGE_AUTO: null. */
  edge: boolean | null;
}

export interface OpenconfigStp {
  protocol: 'RSTP' | 'MSTP';
  /** StpBridge with the root port as an STP port number, before the join to bridge ports. */
  bridge: Omit<StpBridge, 'rootPort'> & { rootPortNum: number | null };
  ports: OpenconfigStpPort[];
}

export interface StpDecodeOptions {
  /** When the reply arrived (epoch ms): last-topology-change is a timestamp, the model an age. */
  nowMs: number;
}

/** oc-stp-types port states → BRIDGE-MIB's. RSTP's discarding is blocking there (RFC 4318). */
const PORT_STATES: Record<string, StpPortState> = {
  ...Object.fromEntries(STP_PORT_STATES.map((state) => [state.toUpperCase(), state])),
  DISCARDING: 'blocking',
};

/** The spanning tree in a reply's data, or null when it holds none this decoder reads. */
export function decodeOpenconfigStp(
  data: XmlElement,
  options: StpDecodeOptions,
): OpenconfigStp | null {
  const stp = leaves.element(data, 'stp', OC_STP_NS);
  if (!stp) return null;
  const rstp = leaves.element(stp, 'rstp');
  const cist = cistOf(stp);
  const protocol = runningProtocol(stp, rstp !== null && rstp.children.length > 0, cist !== null);
  const tree = protocol === 'RSTP' ? rstp : protocol === 'MSTP' ? cist : null;
  if (protocol === null || tree === null) return null;
  const edges = configuredEdges(stp);
  const interfaces = leaves.element(tree, 'interfaces');
  const ports = (interfaces ? childElements(interfaces, 'interface') : []).map((entry) =>
    decodePort(entry, edges),
  );
  const listed = new Set(ports.map((port) => port.name));
  for (const [name, edge] of edges) {
    if (!listed.has(name)) ports.push({ name, portNum: null, state: null, role: null, edge });
  }
  const state = leaves.element(tree, 'state');
  return { protocol, bridge: decodeBridge(state, options), ports };
}

/** The CIST: mst-instance 0, else the only instance there is. */
function cistOf(stp: XmlElement): XmlElement | null {
  const mstp = leaves.element(stp, 'mstp');
  const instances = mstp ? leaves.element(mstp, 'mst-instances') : null;
  const entries = instances ? childElements(instances, 'mst-instance') : [];
  const zero = entries.find((entry) => {
    const id = leaves.unsigned(entry, 'mst-id', 4094n);
    return id === 0n;
  });
  return zero ?? (entries.length === 1 ? (entries[0] ?? null) : null);
}

/** global enabled-protocol decides; without it, the one tree that has data. */
function runningProtocol(
  stp: XmlElement,
  hasRstp: boolean,
  hasMstp: boolean,
): 'RSTP' | 'MSTP' | null {
  const global = leaves.element(stp, 'global');
  const container = global
    ? (leaves.element(global, 'state') ?? leaves.element(global, 'config'))
    : null;
  const enabled = container
    ? leaves.identities(container, 'enabled-protocol').map((identity) => identity.name)
    : [];
  const rstp = enabled.includes('RSTP');
  const mstp = enabled.includes('MSTP');
  if (rstp !== mstp) return rstp ? 'RSTP' : 'MSTP';
  if (hasRstp && hasMstp) {
    throw leaves.error(
      stp,
      'both rstp and mstp hold data and enabled-protocol does not say which runs',
    );
  }
  return hasRstp ? 'RSTP' : hasMstp ? 'MSTP' : null;
}

/** /stp/interfaces: each interface's edge-port mode, by name. */
function configuredEdges(stp: XmlElement): Map<string, boolean | null> {
  const container = leaves.element(stp, 'interfaces');
  const edges = new Map<string, boolean | null>();
  for (const entry of container ? childElements(container, 'interface') : []) {
    const state = leaves.element(entry, 'state');
    const config = leaves.element(entry, 'config');
    const mode =
      (state ? leaves.identity(state, 'edge-port') : null) ??
      (config ? leaves.identity(config, 'edge-port') : null);
    edges.set(portName(entry), mode === null ? null : edgeMode(mode, entry));
  }
  return edges;
}

function edgeMode(mode: Identity, where: XmlElement): boolean | null {
  if (mode.name === 'EDGE_ENABLE') return true;
  if (mode.name === 'EDGE_DISABLE') return false;
  // EDGE_AUTO: the port detects an edge itself; what it decided is not in the module
  if (mode.name === 'EDGE_AUTO') return null;
  throw leaves.error(where, `edge-port ${mode.name} is not EDGE_ENABLE, EDGE_DISABLE or EDGE_AUTO`);
}

function portName(entry: XmlElement): string {
  const config = leaves.element(entry, 'config');
  const name = leaves.string(entry, 'name') ?? (config ? leaves.string(config, 'name') : null);
  if (name === null || name === '') throw leaves.error(entry, 'an STP interface without a name');
  return name;
}

function decodePort(entry: XmlElement, edges: Map<string, boolean | null>): OpenconfigStpPort {
  const name = portName(entry);
  const state = leaves.element(entry, 'state');
  const portState = state ? leaves.identity(state, 'port-state') : null;
  const role = state ? leaves.identity(state, 'role') : null;
  const portNum = state ? leaves.unsigned(state, 'port-num', 65_535n) : null;
  return {
    name,
    portNum: portNum === null ? null : Number(portNum),
    state: portState === null ? null : stateOf(portState, entry),
    role: role === null ? null : roleOf(role, entry),
    // an agent that reports the operational edge status does it as a boolean beside the state
    edge: (state ? operEdge(state) : null) ?? edges.get(name) ?? null,
  };
}

function operEdge(state: XmlElement): boolean | null {
  const leaf = leaves.element(state, 'edge-port');
  if (!leaf || !/^\s*(true|false)\s*$/.test(leaf.text)) return null;
  return leaves.boolean(state, 'edge-port');
}

function stateOf(identity: Identity, where: XmlElement): StpPortState {
  const state = Object.prototype.hasOwnProperty.call(PORT_STATES, identity.name)
    ? PORT_STATES[identity.name]
    : undefined;
  if (state === undefined) {
    throw leaves.error(where, `port-state ${identity.name} is not an STP port state`);
  }
  return state;
}

function roleOf(identity: Identity, where: XmlElement): StpPortRole {
  const role = STP_PORT_ROLES.find((known) => known.toUpperCase() === identity.name);
  if (role === undefined)
    throw leaves.error(where, `role ${identity.name} is not an STP port role`);
  return role;
}

function decodeBridge(
  state: XmlElement | null,
  options: StpDecodeOptions,
): OpenconfigStp['bridge'] {
  if (!state) {
    return {
      bridgeId: null,
      designatedRoot: null,
      rootPortNum: null,
      topologyChanges: null,
      timeSinceTopologyChangeS: null,
    };
  }
  const rootPort = leaves.unsigned(state, 'root-port', 65_535n);
  return {
    bridgeId: bridgeId(state, 'bridge-priority', 'bridge-address'),
    designatedRoot: bridgeId(state, 'designated-root-priority', 'designated-root-address'),
    rootPortNum: rootPort === null ? null : Number(rootPort),
    topologyChanges: exactNumber(leaves.unsigned(state, 'topology-changes', UINT64_MAX)),
    timeSinceTopologyChangeS: secondsSinceChange(state, options.nowMs),
  };
}

const MAC_ADDRESS = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * Priority and MAC as `pppp.aabbccddeeff`, the form the BRIDGE-MIB decoder gives, so the two
 * compare as STP does. Null when either half is missing.
 */
function bridgeId(state: XmlElement, priorityLeaf: string, addressLeaf: string): string | null {
  const priority = leaves.unsigned(state, priorityLeaf, 65_535n);
  const address = leaves.string(state, addressLeaf)?.trim() ?? null;
  if (priority === null || address === null) return null;
  if (!MAC_ADDRESS.test(address)) {
    throw leaves.error(state, `${addressLeaf} ${JSON.stringify(address)} is not a MAC address`);
  }
  return `${priority.toString(16).padStart(4, '0')}.${address.replace(/:/g, '').toLowerCase()}`;
}

/**
 * last-topology-change (module 0.3.0 on): nanoseconds since the Unix epoch; 0 means none yet.
 * time-since-topology-change (before 0.3.0): a timeticks64, then hundredths of a second.
 */
function secondsSinceChange(state: XmlElement, nowMs: number): number | null {
  const last = leaves.unsigned(state, 'last-topology-change', UINT64_MAX);
  if (last !== null) {
    if (last === 0n) return null;
    const ageNs = BigInt(Math.trunc(nowMs)) * 1_000_000n - last;
    return ageNs <= 0n ? 0 : Number(ageNs / 1_000_000_000n);
  }
  const since = leaves.unsigned(state, 'time-since-topology-change', UINT64_MAX);
  return since === null ? null : exactNumber(since / 100n);
}
