/**
 * BRIDGE-MIB (RFC 4188) and RSTP-MIB (RFC 4318): a bridge's spanning-tree scalars and its ports'
 * STP state and edge status. Pure: walks in, model out.
 */
import { DecodeError } from '../errors';
import { STP_PORT_STATES, type StpBridge, type StpPort } from '../model';
import {
  DOT1D_BASE_BRIDGE_ADDRESS,
  DOT1D_BASE_PORT_IF_INDEX,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_PORT_OPER_EDGE_PORT,
  DOT1D_STP_PORT_STATE,
  DOT1D_STP_PRIORITY,
  DOT1D_STP_ROOT_PORT,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
} from './oids';
import type { SnmpValue, Varbind } from './session';
import {
  type Cell,
  columnCells,
  enumValue,
  indexParts,
  integerValue,
  octetsValue,
  scalarCell,
  ticksToSeconds,
} from './table';

const FORMAT = 'BRIDGE-MIB';
const RSTP_FORMAT = 'RSTP-MIB';
const TRUTH_VALUES = ['true', 'false'] as const;

/** sysfs `bridge_id`/`root_id` text, as snmp-bridge-mib sends it: `8000.be2f127b8c19`. */
const SYSFS_BRIDGE_ID = /^([0-9a-f]{4})\.([0-9a-f]{12})$/i;
/** Eight bytes in hex, bare or separated: `8000BE2F…`, `80 00 BE 2F …` (Hex-STRING), `80:00:…`. */
const HEX_BRIDGE_ID = /^[0-9a-f]{2}(?:[ :-]?[0-9a-f]{2}){7}$/i;

/**
 * A BridgeId as `pppp.aabbccddeeff`: priority (with any 802.1t system-id extension) as 4 hex
 * digits, then the MAC, all lowercase and fixed-width, so that comparing two of these strings
 * orders them as STP does (lower priority first, then lower MAC). Accepts the 8-byte BridgeId of
 * the MIB, snmp-bridge-mib's sysfs text and hex forms, as bytes or text. Null for no value (NULL
 * or a zero-length string, which HP sends for a port that has none); anything else is a
 * DecodeError.
 */
export function normaliseBridgeId(value: SnmpValue, oid = 'BridgeId'): string | null {
  if (value === null) return null;
  if (typeof value === 'number' || typeof value === 'bigint') {
    throw new DecodeError(FORMAT, `${oid}: expected a BridgeId, got the number ${value}`);
  }
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1');
  if (bytes.length === 0) return null;
  if (bytes.length === 8) return formatBridgeId(bytes);
  const text = bytes.toString('latin1').trim();
  const sysfs = SYSFS_BRIDGE_ID.exec(text);
  if (sysfs) return `${sysfs[1]}.${sysfs[2]}`.toLowerCase();
  if (HEX_BRIDGE_ID.test(text))
    return formatBridgeId(Buffer.from(text.replace(/[ :-]/g, ''), 'hex'));
  throw new DecodeError(
    FORMAT,
    `${oid}: ${JSON.stringify(text)} is not a BridgeId (8 bytes, "pppp.aabbccddeeff" or 16 hex digits)`,
  );
}

function formatBridgeId(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 4)}.${hex.slice(4)}`;
}

const STP_SCALARS = [
  DOT1D_STP_PRIORITY,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_ROOT_PORT,
];

/**
 * The bridge's STP view from a walk (or GET) of dot1dBase and dot1dStp scalars. Null when none of
 * the dot1dStp scalars is there: the agent has no BRIDGE-MIB STP. The values are the agent's,
 * as the MIB names them; snmp-bridge-mib, for one, fills dot1dStpTopChanges with the kernel's
 * topology_change flag (0/1), dot1dStpTimeSinceTopologyChange with the time left on the
 * topology-change timer, and dot1dStpRootPort with the kernel port number rather than a
 * dot1dBasePort (test/fixtures/switch/README.md).
 */
export function decodeStpBridge(scalars: Varbind[]): StpBridge | null {
  if (STP_SCALARS.every((oid) => scalarCell(scalars, oid) === undefined)) return null;
  const int = (oid: string, max: number): number | null => {
    const cell = scalarCell(scalars, oid);
    return cell ? integerValue(cell, FORMAT, 0, max) : null;
  };
  const root = scalarCell(scalars, DOT1D_STP_DESIGNATED_ROOT);
  const ticks = int(DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE, 4_294_967_295);
  return {
    bridgeId: ownBridgeId(scalars),
    designatedRoot: root ? normaliseBridgeId(root.value, root.oid) : null,
    rootPort: int(DOT1D_STP_ROOT_PORT, 65_535),
    topologyChanges: int(DOT1D_STP_TOP_CHANGES, 4_294_967_295),
    timeSinceTopologyChangeS: ticks === null ? null : ticksToSeconds(ticks),
  };
}

/** dot1dStpPriority (the BridgeId's first two octets) and dot1dBaseBridgeAddress (the MAC). */
function ownBridgeId(scalars: Varbind[]): string | null {
  const priority = scalarCell(scalars, DOT1D_STP_PRIORITY);
  const address = scalarCell(scalars, DOT1D_BASE_BRIDGE_ADDRESS);
  if (!priority || !address) return null;
  const mac = octetsValue(address, FORMAT);
  if (mac.length !== 6) {
    throw new DecodeError(FORMAT, `${address.oid}: a MacAddress is 6 bytes, got ${mac.length}`);
  }
  const prefix = integerValue(priority, FORMAT, 0, 65_535).toString(16).padStart(4, '0');
  return `${prefix}.${mac.toString('hex')}`;
}

/**
 * One StpPort per bridge port found in dot1dBasePortTable or dot1dStpPortTable, in port order.
 * dot1dBasePortIfIndex 0 (no interface; the MIB's InterfaceIndex starts at 1) gives ifIndex null;
 * a port missing from one table gets null for what that table would say. `operEdge` is the
 * RSTP-MIB column: leave it out (or pass an empty walk) for an agent without RSTP-MIB, and every
 * edge is null. Values outside the MIB's enumerations are DecodeErrors naming the OID.
 *
 * Walk both tables in the same poll and join them only with each other: snmp-bridge-mib numbers
 * bridge ports afresh, in hash order, each time its cache refreshes.
 */
export function decodeStpPorts(walks: {
  basePortIfIndex: Varbind[];
  stpPortState: Varbind[];
  operEdge?: Varbind[];
}): StpPort[] {
  const ifIndexes = byPort(columnCells(walks.basePortIfIndex, DOT1D_BASE_PORT_IF_INDEX, FORMAT));
  const states = byPort(columnCells(walks.stpPortState, DOT1D_STP_PORT_STATE, FORMAT));
  const edges = walks.operEdge
    ? byPort(columnCells(walks.operEdge, DOT1D_STP_PORT_OPER_EDGE_PORT, RSTP_FORMAT), RSTP_FORMAT)
    : new Map<number, Cell>();
  const ports = [...new Set([...ifIndexes.keys(), ...states.keys()])].sort((a, b) => a - b);
  return ports.map((bridgePort) => {
    const ifIndex = ifIndexes.get(bridgePort);
    const state = states.get(bridgePort);
    const edge = edges.get(bridgePort);
    const ifIndexValue = ifIndex ? integerValue(ifIndex, FORMAT, 0, 2_147_483_647) : 0;
    return {
      bridgePort,
      ifIndex: ifIndexValue === 0 ? null : ifIndexValue,
      state: state ? enumValue(state, FORMAT, 'dot1dStpPortState', STP_PORT_STATES) : null,
      edge: edge
        ? enumValue(edge, RSTP_FORMAT, 'dot1dStpPortOperEdgePort', TRUTH_VALUES) === 'true'
        : null,
    };
  });
}

/** dot1dBasePort / dot1dStpPort (1..65535) → cell. */
function byPort(cells: Map<string, Cell>, format = FORMAT): Map<number, Cell> {
  const ports = new Map<number, Cell>();
  for (const cell of cells.values()) {
    const [port = 0] = indexParts(cell, 1, format);
    if (port < 1 || port > 65_535) {
      throw new DecodeError(format, `${cell.oid}: bridge port ${port} is outside 1..65535`);
    }
    ports.set(port, cell);
  }
  return ports;
}
