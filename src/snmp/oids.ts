/** Static OID table: nicwatch never parses a MIB at run time. */

/** SNMPv2-MIB sysUpTime.0, the cheapest "are you there" question. */
export const SYS_UP_TIME = '1.3.6.1.2.1.1.3.0';

/** NET-SNMP-EXTEND-MIB nsExtendOutputFull, indexed by the extend's name as an OID string. */
export const NS_EXTEND_OUTPUT_FULL = '1.3.6.1.4.1.8072.1.3.2.3.1.2';
/** NET-SNMP-EXTEND-MIB nsExtendResult: the command's exit status. */
export const NS_EXTEND_RESULT = '1.3.6.1.4.1.8072.1.3.2.3.1.4';

/**
 * An SMI string index (RFC 2578 §7.7, not IMPLIED): its length, then one sub-identifier per
 * byte. `bond0` → `5.98.111.110.100.48`.
 */
export function stringIndex(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  return [bytes.length, ...bytes].join('.');
}
