/**
 * What the table decoders share: picking one column (or scalar) out of a walk, splitting its
 * index, and reading values as integers, enumerations and text. Every helper throws DecodeError
 * naming the OID when a value is not what the MIB says; none guesses.
 */
import { DecodeError } from '../errors';
import type { SnmpValue, Varbind } from './session';

/** One instance of a columnar object: its full OID, the index after the column and the value. */
export interface Cell {
  oid: string;
  index: string;
  value: SnmpValue;
}

/** `.1.3.6…` (Net-SNMP's print form) and `1.3.6…` (net-snmp's) name the same object. */
export function normaliseOid(oid: string): string {
  return oid.startsWith('.') ? oid.slice(1) : oid;
}

/**
 * The cells of one column, by index string (`"0.4.1"`). Varbinds outside the column are ignored, so
 * a walk of the whole table (or of a larger subtree) may be passed. The same OID twice with two
 * different values is an error: which one is current cannot be told.
 */
export function columnCells(rows: Varbind[], column: string, format: string): Map<string, Cell> {
  const prefix = `${column}.`;
  const cells = new Map<string, Cell>();
  for (const row of rows) {
    const oid = normaliseOid(row.oid);
    if (!oid.startsWith(prefix)) continue;
    const index = oid.slice(prefix.length);
    const seen = cells.get(index);
    if (seen && !sameValue(seen.value, row.value)) {
      throw new DecodeError(format, `${oid} appears twice with different values`);
    }
    cells.set(index, { oid, index, value: row.value });
  }
  return cells;
}

/**
 * A scalar's value: the instance `.0` (RFC 2578 §7.7), or the object OID itself, which is how
 * Net-SNMP's snmp-bridge-mib serves dot1dBase and dot1dStp (a GET of `….0` there is
 * noSuchInstance). Undefined when the walk has neither.
 */
export function scalarCell(rows: Varbind[], object: string): Cell | undefined {
  let bare: Cell | undefined;
  for (const row of rows) {
    const oid = normaliseOid(row.oid);
    if (oid === `${object}.0`) return { oid, index: '0', value: row.value };
    if (oid === object) bare = { oid, index: '', value: row.value };
  }
  return bare;
}

/** An index of `count` sub-identifiers, e.g. `"0.4.1"` → [0, 4, 1]. */
export function indexParts(cell: Cell, count: number, format: string): number[] {
  const parts = cell.index.split('.').map(Number);
  if (parts.length !== count || parts.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new DecodeError(
      format,
      `${cell.oid}: index "${cell.index}" is not ${count} sub-identifier(s)`,
    );
  }
  return parts;
}

/** An INTEGER / Gauge32 / Counter32 / TimeTicks value within [min, max]. */
export function integerValue(
  cell: Cell,
  format: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const { value } = cell;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new DecodeError(format, `${cell.oid}: expected an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw new DecodeError(format, `${cell.oid}: ${value} is outside ${min}..${max}`);
  }
  return value;
}

/** An enumerated INTEGER whose values are 1..names.length, in MIB order. */
export function enumValue<T extends string>(
  cell: Cell,
  format: string,
  object: string,
  names: readonly T[],
): T {
  const { value } = cell;
  const name = typeof value === 'number' && Number.isInteger(value) ? names[value - 1] : undefined;
  if (name === undefined) {
    throw new DecodeError(
      format,
      `${cell.oid}: ${object} ${describeValue(value)} is not one of ${names
        .map((n, i) => `${n}(${i + 1})`)
        .join(', ')}`,
    );
  }
  return name;
}

/** The bytes of an OCTET STRING (a hand-built varbind may carry it as a JS string). */
export function octetsValue(cell: Cell, format: string): Buffer {
  const { value } = cell;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new DecodeError(
    format,
    `${cell.oid}: expected an OCTET STRING, got ${describeValue(value)}`,
  );
}

/** A DisplayString / SnmpAdminString as text (UTF-8, which covers ASCII). */
export function textValue(cell: Cell, format: string): string {
  return octetsValue(cell, format).toString('utf8');
}

/** TimeTicks (hundredths of a second) → seconds. */
export function ticksToSeconds(ticks: number): number {
  return ticks / 100;
}

/** Bytes as `aa:bb:cc`, the way MAC addresses are written. */
export function colonHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** True when the bytes are UTF-8 text without control characters, i.e. safe to show as text. */
export function isPrintable(bytes: Buffer): boolean {
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return !text.includes('\uFFFD') && !/[\u0000-\u001f\u007f]/.test(text);
}

function sameValue(a: SnmpValue, b: SnmpValue): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

function describeValue(value: SnmpValue): string {
  if (value === null) return 'no value (NULL)';
  if (Buffer.isBuffer(value)) {
    const text = isPrintable(value) ? `"${value.toString('utf8')}"` : colonHex(value);
    return `OCTET STRING ${text}`;
  }
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}
