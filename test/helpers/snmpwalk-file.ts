/**
 * Walk captures → Varbind[] exactly as src/snmp/session.ts returns them: OCTET STRING → Buffer,
 * Counter64 → bigint, INTEGER / Counter32 / Gauge32 / TimeTicks → number, OBJECT IDENTIFIER and
 * IpAddress → string (no leading dot), NULL → null. An agent's "no such object/instance" answers
 * are dropped, as session.ts's walk drops them.
 *
 * Formats:
 * - snmpsim `.snmprec`: `OID|TYPE|VALUE`, TYPE 2 Integer, 4 OctetString (4x: hex), 5 Null, 6 OID,
 *   64 IpAddress (64x: hex), 65 Counter32, 66 Gauge32, 67 TimeTicks, 70 Counter64.
 * - Net-SNMP `snmpwalk -On` text, typed (`INTEGER: 1`, `STRING: x`, `Hex-STRING: 6C 6F` with its
 *   16-bytes-a-line continuation lines, `Timeticks: (5) 0:00:00.05`, or a bare number with -Ot),
 *   and the untyped `.OID = value` form of LibreNMS's translated captures, where enums are labels
 *   and TimeTicks `d:hh:mm:ss.cc`. Untyped values take their type from the object's SMI syntax
 *   (COLUMN_SYNTAX below) for the objects nicwatch decodes; other objects get a best reading
 *   (integer, OID, else text), which no decoder depends on.
 */
import { readFileSync } from 'node:fs';
import type { Varbind } from '../../src/snmp/session';

export function loadWalkFile(path: string): Varbind[] {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.snmprec') ? parseSnmprec(text) : parseSnmpwalk(text);
}

/** The varbinds at or below `root`, as a walk of `root` would return them. */
export function subtree(rows: Varbind[], root: string): Varbind[] {
  return rows.filter((row) => row.oid === root || row.oid.startsWith(`${root}.`));
}

export function parseSnmprec(text: string): Varbind[] {
  const rows: Varbind[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const first = line.indexOf('|');
    const second = line.indexOf('|', first + 1);
    if (first < 0 || second < 0) throw new Error(`snmprec line ${i + 1}: no OID|TYPE|VALUE`);
    const oid = stripDot(line.slice(0, first));
    const type = line.slice(first + 1, second);
    const value = line.slice(second + 1);
    // a number with no digits cannot come off the wire (hp-2530 has Gauge32 dot1qPvid rows so)
    if (value === '' && ['2', '65', '66', '67', '70'].includes(type)) return;
    rows.push({ oid, value: snmprecValue(type, value, i + 1) });
  });
  return rows;
}

function snmprecValue(type: string, value: string, line: number): Varbind['value'] {
  switch (type) {
    case '2':
    case '65':
    case '66':
    case '67':
      return integer(value, line);
    case '4':
      return Buffer.from(value, 'utf8');
    case '4x':
      return Buffer.from(value, 'hex');
    case '5':
      return null;
    case '6':
      return stripDot(value);
    case '64':
      return value;
    case '64x':
      return [...Buffer.from(value, 'hex')].join('.');
    case '70':
      return BigInt(value);
    default:
      throw new Error(`snmprec line ${line}: type ${type} is not supported`);
  }
}

const LINE = /^(\.?\d+(?:\.\d+)+) = (.*)$/;
const NO_VALUE = /^(No Such Object|No Such Instance|No more variables)/;
const TYPED =
  /^(STRING|Hex-STRING|INTEGER|Gauge32|Counter32|Counter64|Timeticks|OID|IpAddress|Unsigned32|BITS|Opaque|Network Address): ?([\s\S]*)$/;

export function parseSnmpwalk(text: string): Varbind[] {
  const entries: { oid: string; raw: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const match = LINE.exec(line);
    const last = entries[entries.length - 1];
    if (match) entries.push({ oid: stripDot(match[1] ?? ''), raw: match[2] ?? '', line: i + 1 });
    else if (last && line !== '') last.raw += `\n${line}`;
    else if (line.trim() !== '') throw new Error(`snmpwalk line ${i + 1}: not "OID = value"`);
  });
  return entries
    .filter((entry) => !NO_VALUE.test(entry.raw))
    .map((entry) => ({ oid: entry.oid, value: walkValue(entry.oid, entry.raw, entry.line) }));
}

function walkValue(oid: string, raw: string, line: number): Varbind['value'] {
  if (raw === '""') return Buffer.alloc(0);
  if (raw === 'NULL') return null;
  const typed = TYPED.exec(raw);
  if (!typed) return untypedValue(oid, raw, line);
  const [, type, value = ''] = typed;
  switch (type) {
    case 'STRING':
      return Buffer.from(unquote(value), 'utf8');
    case 'Hex-STRING':
      return hexBytes(value);
    case 'BITS':
      return hexBytes(value.replace(/\s+\S+\(\d+\).*$/s, ''));
    case 'INTEGER':
      return enumNumber(value.trim(), {}, line);
    case 'Gauge32':
    case 'Counter32':
    case 'Unsigned32':
      return integer(value.trim().split(' ')[0] ?? '', line);
    case 'Counter64':
      return BigInt(value.trim());
    case 'Timeticks':
      return ticks(value.trim(), line);
    case 'OID':
      return stripDot(value.trim());
    case 'IpAddress':
      return value.trim();
    default:
      throw new Error(`snmpwalk line ${line}: ${type} values are not supported`);
  }
}

type Syntax = 'text' | 'octets' | 'ticks' | 'oid' | Record<string, number>;

const STATUS = {
  up: 1,
  down: 2,
  testing: 3,
  unknown: 4,
  dormant: 5,
  notPresent: 6,
  lowerLayerDown: 7,
};
const ROW_STATUS = {
  active: 1,
  notInService: 2,
  notReady: 3,
  createAndGo: 4,
  createAndWait: 5,
  destroy: 6,
};
const TRUTH = { true: 1, false: 2 };
/** IANAifType-MIB labels; an unlisted label in a capture fails loudly, to be added here. */
const IF_TYPES = {
  other: 1,
  ethernetCsmacd: 6,
  ppp: 23,
  softwareLoopback: 24,
  rs232: 33,
  propVirtual: 53,
  propMultiplexor: 54,
  ieee80211: 71,
  tunnel: 131,
  l2vlan: 135,
  l3ipvlan: 136,
  ieee8023adLag: 161,
  bridge: 209,
};
const STP_STATES = {
  disabled: 1,
  blocking: 2,
  listening: 3,
  learning: 4,
  forwarding: 5,
  broken: 6,
};
const CHASSIS_SUBTYPES = {
  chassisComponent: 1,
  interfaceAlias: 2,
  portComponent: 3,
  macAddress: 4,
  networkAddress: 5,
  interfaceName: 6,
  local: 7,
};
const PORT_SUBTYPES = {
  interfaceAlias: 1,
  portComponent: 2,
  macAddress: 3,
  networkAddress: 4,
  interfaceName: 5,
  agentCircuitId: 6,
  local: 7,
};

/** SMI syntax of the objects the decoders read, by object (column) OID. */
const COLUMN_SYNTAX: Record<string, Syntax> = {
  '1.3.6.1.2.1.2.2.1.1': {},
  '1.3.6.1.2.1.2.2.1.2': 'text',
  '1.3.6.1.2.1.2.2.1.3': IF_TYPES,
  '1.3.6.1.2.1.2.2.1.5': {},
  '1.3.6.1.2.1.2.2.1.7': STATUS,
  '1.3.6.1.2.1.2.2.1.8': STATUS,
  '1.3.6.1.2.1.2.2.1.9': 'ticks',
  '1.3.6.1.2.1.2.2.1.22': 'oid',
  '1.3.6.1.2.1.31.1.1.1.1': 'text',
  '1.3.6.1.2.1.31.1.1.1.15': {},
  '1.3.6.1.2.1.31.1.1.1.18': 'text',
  '1.3.6.1.2.1.31.1.2.1.3': ROW_STATUS,
  '1.3.6.1.2.1.17.1.1': 'octets',
  '1.3.6.1.2.1.17.1.4.1.2': {},
  '1.3.6.1.2.1.17.2.2': {},
  '1.3.6.1.2.1.17.2.3': 'ticks',
  '1.3.6.1.2.1.17.2.4': {},
  '1.3.6.1.2.1.17.2.5': 'octets',
  '1.3.6.1.2.1.17.2.7': {},
  '1.3.6.1.2.1.17.2.15.1.3': STP_STATES,
  '1.3.6.1.2.1.17.2.19.1.3': TRUTH,
  '1.0.8802.1.1.2.1.3.7.1.2': PORT_SUBTYPES,
  '1.0.8802.1.1.2.1.3.7.1.3': 'octets',
  '1.0.8802.1.1.2.1.4.1.1.4': CHASSIS_SUBTYPES,
  '1.0.8802.1.1.2.1.4.1.1.5': 'octets',
  '1.0.8802.1.1.2.1.4.1.1.6': PORT_SUBTYPES,
  '1.0.8802.1.1.2.1.4.1.1.7': 'octets',
  '1.0.8802.1.1.2.1.4.1.1.8': 'text',
  '1.0.8802.1.1.2.1.4.1.1.9': 'text',
  '1.2.840.10006.300.43.1.2.1.1.12': {},
};

/** The syntax of the nearest listed ancestor (the column of a cell, the object of a scalar). */
function syntaxOf(oid: string): Syntax | undefined {
  for (let end = oid.length; end > 0; end = oid.lastIndexOf('.', end - 1)) {
    const syntax = COLUMN_SYNTAX[oid.slice(0, end)];
    if (syntax !== undefined) return syntax;
  }
  return undefined;
}

function untypedValue(oid: string, raw: string, line: number): Varbind['value'] {
  const syntax = syntaxOf(oid);
  if (syntax === 'text') return Buffer.from(unquote(raw), 'utf8');
  if (syntax === 'octets') {
    // Net-SNMP prints non-printable strings as hex, MACs as 0:11:88:a:b:c
    if (/^([0-9A-Fa-f]{2} )+[0-9A-Fa-f]{2} ?$/.test(raw)) return hexBytes(raw);
    if (/^[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}$/.test(raw)) {
      return Buffer.from(raw.split(':').map((b) => parseInt(b, 16)));
    }
    return Buffer.from(unquote(raw), 'utf8');
  }
  if (syntax === 'ticks') return ticks(raw, line);
  if (syntax === 'oid') return raw === 'zeroDotZero' ? '0.0' : stripDot(raw);
  if (syntax !== undefined) return enumNumber(raw, syntax, line);
  if (/^-?\d+$/.test(raw)) return integer(raw, line);
  if (/^\.\d+(\.\d+)+$/.test(raw)) return stripDot(raw);
  return Buffer.from(unquote(raw), 'utf8');
}

/** `5`, `up(1)` or, with the MIB's labels, `up`. */
function enumNumber(raw: string, labels: Record<string, number>, line: number): number {
  if (/^-?\d+$/.test(raw)) return integer(raw, line);
  const labelled = /^[A-Za-z][\w-]*\((-?\d+)\)$/.exec(raw);
  if (labelled) return integer(labelled[1] ?? '', line);
  const value = labels[raw];
  if (value === undefined) throw new Error(`snmpwalk line ${line}: unknown label "${raw}"`);
  return value;
}

/** `(12345) 0:02:03.45`, a bare `12345` (-Ot), or LibreNMS's `d:h:mm:ss.cc`. */
function ticks(raw: string, line: number): number {
  const paren = /^\((\d+)\)/.exec(raw);
  if (paren) return integer(paren[1] ?? '', line);
  if (/^\d+$/.test(raw)) return integer(raw, line);
  const dhms = /^(\d+):(\d+):(\d+):(\d+)\.(\d{2})$/.exec(raw);
  if (!dhms) throw new Error(`snmpwalk line ${line}: "${raw}" is not TimeTicks`);
  const [d, h, m, s, cs] = dhms.slice(1).map(Number) as [number, number, number, number, number];
  return (((d * 24 + h) * 60 + m) * 60 + s) * 100 + cs;
}

function integer(raw: string, line: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value)) {
    throw new Error(`line ${line}: "${raw}" is not an integer`);
  }
  return value;
}

function hexBytes(raw: string): Buffer {
  const hex = raw.replace(/\s+/g, '');
  if (!/^([0-9A-Fa-f]{2})*$/.test(hex)) throw new Error(`"${raw}" is not hex bytes`);
  return Buffer.from(hex, 'hex');
}

/** Net-SNMP quotes strings (`"a \"b\""`) unless told not to; LibreNMS's captures do not. */
function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    return raw.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return raw;
}

function stripDot(oid: string): string {
  return oid.startsWith('.') ? oid.slice(1) : oid;
}
