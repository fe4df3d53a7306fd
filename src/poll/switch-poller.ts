/**
 * One poll of a switch: walk the columns health needs (IF-MIB, BRIDGE-MIB, RSTP-MIB, LLDP-MIB,
 * the LAG tables) in parallel and decode them into a SwitchSnapshot. A MIB the agent lacks walks
 * empty and leaves its part null; an agent that does not answer fails the poll.
 */
import type { InterfaceState, StpPort, SwitchSnapshot } from '../model';
import { decodeStpBridge, decodeStpPorts } from '../snmp/bridge-mib';
import { decodeInterfaces, decodeLagMembership } from '../snmp/if-mib';
import { decodeLldpNeighbours } from '../snmp/lldp-mib';
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
  DOT3AD_AGG_PORT_SELECTED_AGG_ID,
  IF_ADMIN_STATUS,
  IF_ALIAS,
  IF_DESCR,
  IF_HIGH_SPEED,
  IF_LAST_CHANGE,
  IF_NAME,
  IF_OPER_STATUS,
  IF_SPEED,
  IF_STACK_STATUS,
  IF_TYPE,
  LLDP_LOC_PORT_TABLE,
  LLDP_REM_TABLE,
} from '../snmp/oids';
import { readScalars } from '../snmp/scalars';
import type { SnmpClient, Varbind } from '../snmp/session';

/** The ifTable/ifXTable columns health reads; the traffic counters are left alone. */
export const IF_TABLE_COLUMNS = [
  IF_DESCR,
  IF_TYPE,
  IF_SPEED,
  IF_ADMIN_STATUS,
  IF_OPER_STATUS,
  IF_LAST_CHANGE,
];
export const IF_X_TABLE_COLUMNS = [IF_NAME, IF_HIGH_SPEED, IF_ALIAS];
export const STP_BRIDGE_SCALARS = [
  DOT1D_BASE_BRIDGE_ADDRESS,
  DOT1D_STP_PRIORITY,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_ROOT_PORT,
];

/** Walks several subtrees at once; the results in the same order. */
async function walkAll(client: SnmpClient, oids: readonly string[]): Promise<Varbind[][]> {
  return Promise.all(oids.map((oid) => client.walk(oid)));
}

/** IF-MIB ifTable + ifXTable. */
export async function readInterfaces(client: SnmpClient): Promise<InterfaceState[]> {
  const [ifTable, ifXTable] = await Promise.all([
    walkAll(client, IF_TABLE_COLUMNS),
    walkAll(client, IF_X_TABLE_COLUMNS),
  ]);
  return decodeInterfaces({ ifTable: ifTable.flat(), ifXTable: ifXTable.flat() });
}

export async function pollSwitch(client: SnmpClient): Promise<SwitchSnapshot> {
  const [interfaces, scalars, stpPorts, tables] = await Promise.all([
    readInterfaces(client),
    readScalars(client, STP_BRIDGE_SCALARS),
    readStpPorts(client),
    walkAll(client, [
      IF_STACK_STATUS,
      DOT3AD_AGG_PORT_SELECTED_AGG_ID,
      LLDP_REM_TABLE,
      LLDP_LOC_PORT_TABLE,
    ]),
  ]);
  const [ifStack = [], lagPorts = [], remTable = [], locPortTable = []] = tables;
  const bridgePorts = new Map(
    (stpPorts ?? []).flatMap((p) =>
      p.ifIndex === null ? [] : [[p.bridgePort, p.ifIndex] as const],
    ),
  );
  return {
    interfaces,
    stp: decodeStpBridge(scalars),
    stpPorts,
    lldp:
      remTable.length > 0
        ? decodeLldpNeighbours({ remTable, locPortTable }, interfaces, bridgePorts)
        : null,
    lagOf: decodeLagMembership(ifStack, interfaces, lagPorts.length > 0 ? lagPorts : undefined),
  };
}

/**
 * The bridge port tables, read so that port numbers and states belong together: Net-SNMP's
 * snmp-bridge-mib renumbers its bridge ports on every cache refresh, so the port map is read
 * again after the states and, if it moved meanwhile, the whole read is repeated once.
 */
async function readStpPorts(client: SnmpClient): Promise<StpPort[] | null> {
  for (let attempt = 0; ; attempt += 1) {
    const [basePortIfIndex = [], stpPortState = [], operEdge = []] = await walkAll(client, [
      DOT1D_BASE_PORT_IF_INDEX,
      DOT1D_STP_PORT_STATE,
      DOT1D_STP_PORT_OPER_EDGE_PORT,
    ]);
    if (stpPortState.length === 0 && basePortIfIndex.length === 0) return null;
    const again = await client.walk(DOT1D_BASE_PORT_IF_INDEX);
    if (attempt === 0 && !sameRows(basePortIfIndex, again)) continue;
    return decodeStpPorts({
      basePortIfIndex,
      stpPortState,
      operEdge: operEdge.length > 0 ? operEdge : undefined,
    });
  }
}

function sameRows(a: Varbind[], b: Varbind[]): boolean {
  return (
    a.length === b.length && a.every((row, i) => row.oid === b[i]?.oid && row.value === b[i]?.value)
  );
}
