/**
 * LLDP-MIB (IEEE 802.1AB-2005): the neighbours a switch hears, each joined to the local interface
 * it was heard on. Pure: walks in, model out.
 *
 * lldpRemLocalPortNum is an LldpPortNumber, not an ifIndex: on a bridge it is the dot1dBasePort,
 * elsewhere the ifIndex (LLDP-MIB LldpPortNumber), and agents differ. It is mapped through the
 * agent's own lldpLocPortTable first, then through the bridge port map; never assumed.
 */
import { isIPv4 } from 'node:net';
import { DecodeError } from '../errors';
import type { InterfaceState, LldpNeighbour } from '../model';
import {
  LLDP_LOC_PORT_ID,
  LLDP_LOC_PORT_ID_SUBTYPE,
  LLDP_REM_CHASSIS_ID,
  LLDP_REM_CHASSIS_ID_SUBTYPE,
  LLDP_REM_PORT_DESC,
  LLDP_REM_PORT_ID,
  LLDP_REM_PORT_ID_SUBTYPE,
  LLDP_REM_SYS_NAME,
} from './oids';
import type { Varbind } from './session';
import {
  type Cell,
  colonHex,
  columnCells,
  enumValue,
  indexParts,
  isPrintable,
  octetsValue,
  textValue,
} from './table';

const FORMAT = 'LLDP-MIB';

const CHASSIS_ID_SUBTYPES = [
  'chassisComponent',
  'interfaceAlias',
  'portComponent',
  'macAddress',
  'networkAddress',
  'interfaceName',
  'local',
] as const;
const PORT_ID_SUBTYPES = [
  'interfaceAlias',
  'portComponent',
  'macAddress',
  'networkAddress',
  'interfaceName',
  'agentCircuitId',
  'local',
] as const;
type IdSubtype = (typeof CHASSIS_ID_SUBTYPES)[number] | (typeof PORT_ID_SUBTYPES)[number];

interface LocalPort {
  subtype: (typeof PORT_ID_SUBTYPES)[number];
  id: Buffer;
}

const REM_COLUMNS = {
  chassisSubtype: LLDP_REM_CHASSIS_ID_SUBTYPE,
  chassisId: LLDP_REM_CHASSIS_ID,
  portSubtype: LLDP_REM_PORT_ID_SUBTYPE,
  portId: LLDP_REM_PORT_ID,
  portDesc: LLDP_REM_PORT_DESC,
  sysName: LLDP_REM_SYS_NAME,
} as const;
type RemColumn = keyof typeof REM_COLUMNS;

/**
 * One LldpNeighbour per lldpRemTable row, ordered by local port number then lldpRemIndex.
 * localIfIndex comes from the lldpLocPortTable row for lldpRemLocalPortNum (its lldpLocPortId
 * matched, by subtype, against exactly one interface) and from `basePortIfIndex` (dot1dBasePort
 * → ifIndex); when both answer and disagree, or neither answers, it is null.
 */
export function decodeLldpNeighbours(
  walks: { remTable: Varbind[]; locPortTable: Varbind[] },
  interfaces: InterfaceState[],
  basePortIfIndex?: Map<number, number>,
): LldpNeighbour[] {
  const localPorts = decodeLocalPorts(walks.locPortTable);
  const columns = {} as Record<RemColumn, Map<string, Cell>>;
  for (const [key, oid] of Object.entries(REM_COLUMNS)) {
    columns[key as RemColumn] = columnCells(walks.remTable, oid, FORMAT);
  }
  const rows = new Map<string, number[]>();
  for (const column of Object.values(columns)) {
    for (const cell of column.values()) rows.set(cell.index, indexParts(cell, 3, FORMAT));
  }
  const required = (column: RemColumn, index: string, name: string): Cell => {
    const found = columns[column].get(index);
    if (!found) {
      throw new DecodeError(FORMAT, `${REM_COLUMNS[column]}.${index}: the row has no ${name}`);
    }
    return found;
  };
  const optionalText = (column: RemColumn, index: string): string | null => {
    const found = columns[column].get(index);
    const text = found ? textValue(found, FORMAT) : '';
    return text === '' ? null : text;
  };

  // lldpRemTable order is timeMark first; neighbours read better by local port, then lldpRemIndex
  const order = ([timeMark = 0, portNum = 0, remIndex = 0]: number[]): number[] => [
    portNum,
    remIndex,
    timeMark,
  ];
  const sorted = [...rows.entries()].sort(([, a], [, b]) => compareKeys(order(a), order(b)));
  return sorted.map(([index, [, localPortNum = 0]]) => {
    const chassisSubtype = required('chassisSubtype', index, 'lldpRemChassisIdSubtype');
    const portSubtype = required('portSubtype', index, 'lldpRemPortIdSubtype');
    return {
      localIfIndex: localIfIndex(localPortNum, localPorts, interfaces, basePortIfIndex),
      localPortNum,
      chassisId: formatId(
        enumValue(chassisSubtype, FORMAT, 'lldpRemChassisIdSubtype', CHASSIS_ID_SUBTYPES),
        octetsValue(required('chassisId', index, 'lldpRemChassisId'), FORMAT),
      ),
      portId: formatId(
        enumValue(portSubtype, FORMAT, 'lldpRemPortIdSubtype', PORT_ID_SUBTYPES),
        octetsValue(required('portId', index, 'lldpRemPortId'), FORMAT),
      ),
      portDescr: optionalText('portDesc', index),
      sysName: optionalText('sysName', index),
    };
  });
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** lldpLocPortTable: lldpLocPortNum → the port's own id and its subtype. */
function decodeLocalPorts(rows: Varbind[]): Map<number, LocalPort> {
  const subtypes = columnCells(rows, LLDP_LOC_PORT_ID_SUBTYPE, FORMAT);
  const ids = columnCells(rows, LLDP_LOC_PORT_ID, FORMAT);
  const ports = new Map<number, LocalPort>();
  for (const cell of subtypes.values()) {
    const id = ids.get(cell.index);
    if (!id) continue;
    const [portNum = 0] = indexParts(cell, 1, FORMAT);
    ports.set(portNum, {
      subtype: enumValue(cell, FORMAT, 'lldpLocPortIdSubtype', PORT_ID_SUBTYPES),
      id: octetsValue(id, FORMAT),
    });
  }
  return ports;
}

function localIfIndex(
  portNum: number,
  localPorts: Map<number, LocalPort>,
  interfaces: InterfaceState[],
  basePortIfIndex: Map<number, number> | undefined,
): number | null {
  const local = localPorts.get(portNum);
  const byLocPort = local ? matchLocalPort(local, interfaces) : undefined;
  const byBridgePort = basePortIfIndex?.get(portNum);
  if (byLocPort !== undefined && byBridgePort !== undefined) {
    // the agent contradicts itself: report neither rather than pick one
    return byLocPort === byBridgePort ? byLocPort : null;
  }
  return byLocPort ?? byBridgePort ?? null;
}

/**
 * The one interface an lldpLocPortId names, by subtype: interfaceAlias(1) → ifAlias;
 * interfaceName(5) → ifName (or ifDescr, which stands in for a missing ifName); local(7), "locally
 * assigned", → ifName, ifDescr or the ifIndex in decimal. macAddress, networkAddress,
 * portComponent and agentCircuitId name nothing in IF-MIB's ifTable/ifXTable as decoded here.
 * No match, or more than one interface matching, is no answer.
 */
function matchLocalPort(port: LocalPort, interfaces: InterfaceState[]): number | undefined {
  const id = port.id.toString('utf8');
  if (id === '' || !isPrintable(port.id)) return undefined;
  const matches = interfaces.filter((i) => {
    switch (port.subtype) {
      case 'interfaceAlias':
        return i.alias === id;
      case 'interfaceName':
        return i.name === id || i.descr === id;
      case 'local':
        return i.name === id || i.descr === id || String(i.ifIndex) === id;
      default:
        return false;
    }
  });
  const found = new Set(matches.map((i) => i.ifIndex));
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * A chassis or port id as text: a MAC as `aa:bb:cc:dd:ee:ff`; a network address (first octet the
 * IANA address family: 1 IPv4, 2 IPv6) as the address; anything else as its text when printable,
 * else as hex bytes.
 */
function formatId(subtype: IdSubtype, bytes: Buffer): string {
  if (subtype === 'macAddress') return colonHex(bytes);
  if (subtype === 'networkAddress') return formatNetworkAddress(bytes);
  return isPrintable(bytes) ? bytes.toString('utf8') : colonHex(bytes);
}

function formatNetworkAddress(bytes: Buffer): string {
  const family = bytes[0];
  const address = bytes.subarray(1);
  if (family === 1 && address.length === 4) {
    const text = [...address].join('.');
    if (isIPv4(text)) return text;
  }
  if (family === 2 && address.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(address.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  return colonHex(bytes);
}
