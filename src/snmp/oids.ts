/** Static OID table: nicwatch never parses a MIB at run time. */

/** SNMPv2-MIB sysDescr and sysName (scalars: instance `.0`). */
export const SYS_DESCR = '1.3.6.1.2.1.1.1';
export const SYS_NAME = '1.3.6.1.2.1.1.5';

/** SNMPv2-MIB sysUpTime.0, the cheapest "are you there" question. */
export const SYS_UP_TIME = '1.3.6.1.2.1.1.3.0';

/** NET-SNMP-EXTEND-MIB nsExtendOutputFull, indexed by the extend's name as an OID string. */
export const NS_EXTEND_OUTPUT_FULL = '1.3.6.1.4.1.8072.1.3.2.3.1.2';
/** NET-SNMP-EXTEND-MIB nsExtendResult: the command's exit status. */
export const NS_EXTEND_RESULT = '1.3.6.1.4.1.8072.1.3.2.3.1.4';

/** `5.98.111.110.100.48` → `bond0`; null for an index that is not a string index. */
export function nameOfStringIndex(index: string): string | null {
  const [length, ...bytes] = index.split('.').map(Number);
  const isByte = (b: number): boolean => Number.isInteger(b) && b >= 0 && b <= 255;
  if (length !== bytes.length || !bytes.every(isByte)) return null;
  return Buffer.from(bytes).toString('utf8');
}

/**
 * An SMI string index (RFC 2578 §7.7, not IMPLIED): its length, then one sub-identifier per
 * byte. `bond0` → `5.98.111.110.100.48`.
 */
export function stringIndex(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  return [bytes.length, ...bytes].join('.');
}

/* ---- Switch side. Scalars are named by the object: the instance is `.0` (snmp-bridge-mib serves
 * its dot1dBase/dot1dStp scalars without it, so decoders accept both). ---- */

/** IF-MIB (RFC 2863) ifTable / ifEntry, indexed by ifIndex. */
export const IF_TABLE = '1.3.6.1.2.1.2.2';
export const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
export const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
export const IF_TYPE = '1.3.6.1.2.1.2.2.1.3';
export const IF_SPEED = '1.3.6.1.2.1.2.2.1.5';
export const IF_ADMIN_STATUS = '1.3.6.1.2.1.2.2.1.7';
export const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';
export const IF_LAST_CHANGE = '1.3.6.1.2.1.2.2.1.9';
/** IF-MIB ifXTable, indexed by ifIndex. */
export const IF_X_TABLE = '1.3.6.1.2.1.31.1.1';
export const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
export const IF_HIGH_SPEED = '1.3.6.1.2.1.31.1.1.1.15';
export const IF_ALIAS = '1.3.6.1.2.1.31.1.1.1.18';
/** IF-MIB ifStackTable; ifStackStatus is indexed by ifStackHigherLayer.ifStackLowerLayer. */
export const IF_STACK_TABLE = '1.3.6.1.2.1.31.1.2';
export const IF_STACK_STATUS = '1.3.6.1.2.1.31.1.2.1.3';

/** BRIDGE-MIB (RFC 4188) dot1dBridge: everything below, for one walk. */
export const DOT1D_BRIDGE = '1.3.6.1.2.1.17';
export const DOT1D_BASE_BRIDGE_ADDRESS = '1.3.6.1.2.1.17.1.1';
/** BRIDGE-MIB dot1dBasePortTable column, indexed by dot1dBasePort. */
export const DOT1D_BASE_PORT_IF_INDEX = '1.3.6.1.2.1.17.1.4.1.2';
/** BRIDGE-MIB dot1dStp scalars. */
export const DOT1D_STP = '1.3.6.1.2.1.17.2';
export const DOT1D_STP_PRIORITY = '1.3.6.1.2.1.17.2.2';
export const DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE = '1.3.6.1.2.1.17.2.3';
export const DOT1D_STP_TOP_CHANGES = '1.3.6.1.2.1.17.2.4';
export const DOT1D_STP_DESIGNATED_ROOT = '1.3.6.1.2.1.17.2.5';
export const DOT1D_STP_ROOT_PORT = '1.3.6.1.2.1.17.2.7';
/** BRIDGE-MIB dot1dStpPortTable column, indexed by dot1dStpPort (= dot1dBasePort). */
export const DOT1D_STP_PORT_STATE = '1.3.6.1.2.1.17.2.15.1.3';
/** RSTP-MIB (RFC 4318) dot1dStpExtPortTable column (AUGMENTS dot1dStpPortEntry). */
export const DOT1D_STP_PORT_OPER_EDGE_PORT = '1.3.6.1.2.1.17.2.19.1.3';

/** LLDP-MIB (IEEE 802.1AB-2005) lldpLocPortTable, indexed by lldpLocPortNum. */
export const LLDP_LOC_PORT_TABLE = '1.0.8802.1.1.2.1.3.7';
export const LLDP_LOC_PORT_ID_SUBTYPE = '1.0.8802.1.1.2.1.3.7.1.2';
export const LLDP_LOC_PORT_ID = '1.0.8802.1.1.2.1.3.7.1.3';
/** LLDP-MIB lldpRemTable, indexed by lldpRemTimeMark.lldpRemLocalPortNum.lldpRemIndex. */
export const LLDP_REM_TABLE = '1.0.8802.1.1.2.1.4.1';
export const LLDP_REM_CHASSIS_ID_SUBTYPE = '1.0.8802.1.1.2.1.4.1.1.4';
export const LLDP_REM_CHASSIS_ID = '1.0.8802.1.1.2.1.4.1.1.5';
export const LLDP_REM_PORT_ID_SUBTYPE = '1.0.8802.1.1.2.1.4.1.1.6';
export const LLDP_REM_PORT_ID = '1.0.8802.1.1.2.1.4.1.1.7';
export const LLDP_REM_PORT_DESC = '1.0.8802.1.1.2.1.4.1.1.8';
export const LLDP_REM_SYS_NAME = '1.0.8802.1.1.2.1.4.1.1.9';

/** IEEE8023-LAG-MIB dot3adAggPortTable column, indexed by dot3adAggPortIndex (an ifIndex). */
export const DOT3AD_AGG_PORT_TABLE = '1.2.840.10006.300.43.1.2.1';
export const DOT3AD_AGG_PORT_SELECTED_AGG_ID = '1.2.840.10006.300.43.1.2.1.1.12';
