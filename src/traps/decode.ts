/**
 * SNMP notifications → TrapEvent (contract section 6). Pure: net-snmp's receiver output in, one
 * event out; the socket lives in receiver.ts.
 *
 * The event type comes from the notification's OID alone: implementations disagree on whether a
 * linkDown's ifOperStatus varbind is the new state or the old one, so varbinds are only detail.
 */
import { isIPv6 } from 'node:net';
import type { DeviceConfig } from '../config/schema';
import { DecodeError } from '../errors';
import type { EventType, TrapEvent } from '../model';
import { OPER_STATUSES } from '../snmp/if-mib';
import { IF_ADMIN_STATUS, IF_DESCR, IF_INDEX, IF_NAME, IF_OPER_STATUS } from '../snmp/oids';

/** SNMPv2-MIB snmpTrapOID.0: the notification's identity in a v2c/v3 PDU (RFC 3416 §4.2.6). */
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
/** SNMP-COMMUNITY-MIB snmpTrapAddress.0: the originating agent's address, set by proxies. */
export const SNMP_TRAP_ADDRESS = '1.3.6.1.6.3.18.1.3.0';
/** SNMPv2-MIB snmpTraps: the generic traps, coldStart(1) .. egpNeighborLoss(6). */
export const SNMP_TRAPS = '1.3.6.1.6.3.1.1.5';
export const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
export const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
/** BRIDGE-MIB (RFC 4188) notifications. */
export const STP_NEW_ROOT = '1.3.6.1.2.1.17.0.1';
export const STP_TOPOLOGY_CHANGE = '1.3.6.1.2.1.17.0.2';

/** ASN.1 PDU tags of the notifications net-snmp's receiver hands over. */
export const PDU_TRAP_V1 = 164;
export const PDU_INFORM = 166;
export const PDU_TRAP_V2 = 167;

const COUNTER64 = 70;
const V1_ENTERPRISE_SPECIFIC = 6;

/** One varbind as net-snmp decodes it: OCTET STRING and Counter64 as Buffer, OIDs as text. */
export interface RawVarbind {
  oid: string;
  type: number;
  value: unknown;
}

/** The `pdu` of a net-snmp receiver notification (v1 fields only on a Trap-PDU). */
export interface NotificationPdu {
  type: number;
  varbinds: RawVarbind[];
  enterprise?: string;
  agentAddr?: string;
  generic?: number;
  specific?: number;
  /** True for a v3 scoped PDU. */
  scoped?: boolean;
  /** v3 user name (the receiver's `includeAuthentication`). */
  user?: string;
}

export interface TrapNotification {
  pdu: NotificationPdu;
}

/** The UDP sender of the datagram. */
export interface TrapSource {
  address: string;
  port: number;
}

export type TrapVersion = '1' | '2c' | '3';

/** A varbind as it is kept in `details.varbinds`: every field text. */
export interface TrapVarbind {
  oid: string;
  type: string;
  value: string;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'Boolean',
  2: 'Integer',
  3: 'BitString',
  4: 'OctetString',
  5: 'Null',
  6: 'OID',
  64: 'IpAddress',
  65: 'Counter32',
  66: 'Gauge32',
  67: 'TimeTicks',
  68: 'Opaque',
  70: 'Counter64',
  128: 'NoSuchObject',
  129: 'NoSuchInstance',
  130: 'EndOfMibView',
};

const EVENT_OF_OID: Record<string, EventType> = {
  [LINK_DOWN]: 'link-down',
  [LINK_UP]: 'link-up',
  [STP_NEW_ROOT]: 'stp-new-root',
  [STP_TOPOLOGY_CHANGE]: 'stp-topology-change',
};

/**
 * One accepted notification as a TrapEvent. Throws DecodeError for a notification that names no
 * trap: a v2c/v3 PDU without snmpTrapOID.0, or a v1 trap with a generic-trap outside 0..6.
 */
export function toTrapEvent(
  notification: TrapNotification,
  rinfo: TrapSource,
  devices: readonly DeviceConfig[],
  receivedAt: Date,
  trapId: string,
): TrapEvent {
  const { pdu } = notification;
  const v1 = pdu.type === PDU_TRAP_V1;
  const trapOid = v1 ? v1TrapOid(pdu) : v2TrapOid(pdu);
  const varbinds = pdu.varbinds.map(toTrapVarbind);
  const type = EVENT_OF_OID[trapOid] ?? 'trap';
  const link = type === 'link-down' || type === 'link-up' ? linkDetails(pdu.varbinds) : null;
  const trapAddress = varbinds.find((vb) => vb.oid === SNMP_TRAP_ADDRESS)?.value;
  const device = matchDevice([trapAddress, v1 ? pdu.agentAddr : undefined, rinfo.address], devices);
  const details: Record<string, unknown> = {
    trapOid,
    version: trapVersion(pdu),
    pduType: pdu.type === PDU_INFORM ? 'inform' : 'trap',
    from: formatHostPort(normaliseAddress(rinfo.address), rinfo.port),
    trapId,
    ...(pdu.scoped && pdu.user !== undefined ? { user: pdu.user } : {}),
    ...(v1 ? v1Details(pdu) : {}),
    ...(link ? link.details : {}),
    varbinds,
  };
  return {
    at: receivedAt.toISOString(),
    source: 'trap',
    device,
    type,
    ...(link?.interface === undefined ? {} : { interface: link.interface }),
    details,
  };
}

/**
 * The configured device a trap came from: the first of `addresses` (snmpTrapAddress.0, the v1
 * agent-addr, the UDP source: contract section 6 order) equal to a device's `address`, else
 * `unknown:<first address>`. Absent and unspecified (0.0.0.0, ::) addresses are skipped: many v1
 * agents send 0.0.0.0 as agent-addr. A device configured by host name matches only that name
 * written out (no DNS here).
 */
export function matchDevice(
  addresses: ReadonlyArray<string | undefined>,
  devices: readonly DeviceConfig[],
): string {
  const candidates = addresses
    .filter((a): a is string => a !== undefined && a.trim() !== '')
    .map(normaliseAddress)
    .filter((a) => a !== '0.0.0.0' && a !== '::');
  const byAddress = addressIndex(devices);
  for (const address of candidates) {
    const name = byAddress.get(address);
    if (name !== undefined) return name;
  }
  return `unknown:${candidates[0] ?? ''}`;
}

/** Device by normalised address, built once per device list: this runs for every trap. */
const ADDRESS_INDEXES = new WeakMap<readonly DeviceConfig[], Map<string, string>>();

function addressIndex(devices: readonly DeviceConfig[]): Map<string, string> {
  let index = ADDRESS_INDEXES.get(devices);
  if (!index) {
    index = new Map<string, string>();
    for (const device of devices) {
      const key = normaliseAddress(device.address);
      if (!index.has(key)) index.set(key, device.name);
    }
    ADDRESS_INDEXES.set(devices, index);
  }
  return index;
}

/** Lower case, no brackets, IPv4-mapped IPv6 as IPv4, IPv6 in its compressed form. */
export function normaliseAddress(text: string): string {
  const address = text
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!isIPv6(address) || address.includes('%')) return address.replace(/\.$/, '');
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function formatHostPort(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** '3' for a scoped (v3) PDU, '1' for a Trap-PDU, else '2c'. */
export function trapVersion(pdu: NotificationPdu): TrapVersion {
  if (pdu.scoped) return '3';
  return pdu.type === PDU_TRAP_V1 ? '1' : '2c';
}

/** RFC 3584 §3.1: generic traps map to snmpTraps.(generic + 1), others to enterprise.0.specific. */
function v1TrapOid(pdu: NotificationPdu): string {
  const { generic, specific, enterprise } = pdu;
  if (generic === V1_ENTERPRISE_SPECIFIC) {
    if (enterprise === undefined || specific === undefined) {
      throw new DecodeError('SNMPv1 trap', 'enterpriseSpecific trap without enterprise');
    }
    return `${enterprise}.0.${specific}`;
  }
  if (generic === undefined || !Number.isInteger(generic) || generic < 0 || generic > 6) {
    throw new DecodeError('SNMPv1 trap', `generic-trap ${String(generic)} is not 0..6`);
  }
  return `${SNMP_TRAPS}.${generic + 1}`;
}

function v2TrapOid(pdu: NotificationPdu): string {
  const trapOid = pdu.varbinds.find((vb) => vb.oid === SNMP_TRAP_OID)?.value;
  if (typeof trapOid !== 'string' || !/^\d+(\.\d+)+$/.test(trapOid)) {
    throw new DecodeError('SNMPv2 notification', 'no snmpTrapOID.0 varbind with an OID value');
  }
  return trapOid;
}

function v1Details(pdu: NotificationPdu): Record<string, unknown> {
  return {
    enterprise: pdu.enterprise,
    agentAddr: pdu.agentAddr,
    genericTrap: pdu.generic,
    specificTrap: pdu.specific,
  };
}

interface Row {
  index: number;
  value: unknown;
}

/** The rows of one IF-MIB column among the varbinds, by their single-integer index. */
function column(varbinds: RawVarbind[], columnOid: string): Row[] {
  const rows: Row[] = [];
  for (const vb of varbinds) {
    if (!vb.oid.startsWith(`${columnOid}.`)) continue;
    const index = Number(vb.oid.slice(columnOid.length + 1));
    if (Number.isInteger(index) && index > 0) rows.push({ index, value: vb.value });
  }
  return rows;
}

/** The row for `ifIndex` when there is one, else the first. */
function rowFor(rows: Row[], ifIndex: number | undefined): Row | undefined {
  return rows.find((row) => row.index === ifIndex) ?? rows[0];
}

/** ifIndex, ifAdminStatus, ifOperStatus and the interface name a link trap carries. */
function linkDetails(varbinds: RawVarbind[]): {
  details: Record<string, unknown>;
  interface: string | undefined;
} {
  const indexRows = column(varbinds, IF_INDEX);
  const admin = column(varbinds, IF_ADMIN_STATUS);
  const oper = column(varbinds, IF_OPER_STATUS);
  const names = column(varbinds, IF_NAME).filter((row) => text(row.value));
  const descrs = column(varbinds, IF_DESCR).filter((row) => text(row.value));
  const indexValue = indexRows[0]?.value;
  const ifIndex =
    typeof indexValue === 'number' && Number.isInteger(indexValue) && indexValue > 0
      ? indexValue
      : [indexRows, admin, oper, names, descrs].find((rows) => rows.length > 0)?.[0]?.index;
  const name = rowFor(names, ifIndex) ?? rowFor(descrs, ifIndex);
  const details: Record<string, unknown> = {};
  if (ifIndex !== undefined) details.ifIndex = ifIndex;
  const adminStatus = ifStatus(rowFor(admin, ifIndex)?.value);
  if (adminStatus !== undefined) details.ifAdminStatus = adminStatus;
  const operStatus = ifStatus(rowFor(oper, ifIndex)?.value);
  if (operStatus !== undefined) details.ifOperStatus = operStatus;
  return { details, interface: name ? text(name.value) : undefined };
}

/** An IF-MIB status by name; an out-of-range number as its digits, never guessed. */
function ifStatus(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  return OPER_STATUSES[value - 1] ?? String(value);
}

/** A DisplayString's text, or undefined when empty or not printable. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (!Buffer.isBuffer(value)) return undefined;
  const printable = printableText(value);
  return printable === null || printable === '' ? undefined : printable;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text without control characters (tab and line ends allowed), or null. */
function printableText(bytes: Buffer): string | null {
  // Some agents count a C string's terminating NUL into a DisplayString.
  const end = bytes.length > 1 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  try {
    const decoded = UTF8.decode(bytes.subarray(0, end));
    return /^[^\p{Cc}]*$/u.test(decoded.replace(/[\t\r\n]/g, '')) ? decoded : null;
  } catch {
    return null;
  }
}

function toTrapVarbind(vb: RawVarbind): TrapVarbind {
  return { oid: vb.oid, type: TYPE_NAMES[vb.type] ?? String(vb.type), value: valueText(vb) };
}

/** Buffers as text when printable else hex; Counter64 as a decimal integer. */
function valueText(vb: RawVarbind): string {
  const { value } = vb;
  if (value === null || value === undefined) return '';
  if (!Buffer.isBuffer(value)) return String(value);
  if (vb.type === COUNTER64) {
    return value.length === 0 ? '0' : BigInt(`0x${value.toString('hex')}`).toString();
  }
  return printableText(value) ?? value.toString('hex');
}
