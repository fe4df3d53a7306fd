/**
 * Pure decoder for Solaris/illumos `ipmpstat -i` and `ipmpstat -g` output, both the human table and
 * the parsable `-P -o <fields>` form. Formats follow ipmpstat(8) and libofmt as illumos prints them:
 * human rows are whitespace-separated with `--` for an empty field and the header repeated every 24
 * rows; parsable rows have no header, `:` between fields, `\` escaping `:` and `\`, and empty fields
 * printed as nothing.
 */
import { DecodeError } from '../errors';
import { newLeg, type FailureDetection, type Leg } from '../model';

/** One IPMP group as a decoder found it, before the front picks one and fills the model. */
export interface IpmpGroupFound {
  /** The group's name; null for in.mpathd's anonymous group (or a table without a GROUP column). */
  name: string | null;
  /** Every name the text gives the group (GROUPNAME and the IPMP interface), to match a hint. */
  names: string[];
  legs: Leg[];
  detection: FailureDetection;
  probeFailureDetectionMs: number | null;
}

type Mode = 'interface' | 'group';

interface Layout {
  mode: Mode;
  format: string;
  /** Every field ipmpstat offers in this mode, in its default order. */
  fields: readonly string[];
  /** Fields without which no leg can be judged. */
  required: readonly string[];
  /** Per field: the values ipmpstat prints, and how to say so in an error. */
  values: Readonly<Record<string, readonly [RegExp, string]>>;
}

interface Line {
  no: number;
  text: string;
}

type Row = Map<string, string>;

const NAME = /^[A-Za-z][\w.-]*$/;
const OPTIONAL_NAME = /^([A-Za-z][\w.-]*)?$/;
const NAME_LIST = String.raw`(?:[A-Za-z][\w.-]*(?: [A-Za-z][\w.-]*)*)`;
/** ipmpstat -g INTERFACES: active ones bare, then (INACTIVE ones), then [unusable ones]. */
const INTERFACE_LIST = new RegExp(
  String.raw`^(${NAME_LIST})?(?: ?\((${NAME_LIST})\))?(?: ?\[(${NAME_LIST})\])?$`,
);

const INTERFACE_LAYOUT: Layout = {
  mode: 'interface',
  format: 'ipmpstat -i output',
  fields: ['INTERFACE', 'ACTIVE', 'GROUP', 'FLAGS', 'LINK', 'PROBE', 'STATE'],
  required: ['INTERFACE', 'ACTIVE', 'STATE'],
  values: {
    INTERFACE: [NAME, 'an interface name'],
    ACTIVE: [/^(yes|no)$/, 'yes or no'],
    GROUP: [OPTIONAL_NAME, 'an IPMP interface name or --'],
    // One position per flag, in ipmpstat's order: INACTIVE, STANDBY, IPv4 mcast, bcast, IPv6 mcast,
    // down, duplicate hardware address.
    FLAGS: [/^[-i][-s][-m][-b][-M][-d][-h]$/, 'seven flag positions like --mbM--'],
    LINK: [/^(up|down|unknown)$/, 'up, down or unknown'],
    PROBE: [/^(ok|failed|unknown|disabled)$/, 'ok, failed, unknown or disabled'],
    STATE: [/^(ok|failed|unknown|offline)$/, 'ok, failed, unknown or offline'],
  },
};

const GROUP_LAYOUT: Layout = {
  mode: 'group',
  format: 'ipmpstat -g output',
  fields: ['GROUP', 'GROUPNAME', 'STATE', 'FDT', 'INTERFACES'],
  required: ['INTERFACES'],
  values: {
    GROUP: [OPTIONAL_NAME, 'an IPMP interface name or --'],
    GROUPNAME: [/^\S*$/, 'a group name'],
    STATE: [/^(ok|degraded|failed)$/, 'ok, degraded or failed'],
    FDT: [/^(\d+(\.\d+)?s)?$/, 'seconds like 10.00s, or --'],
    INTERFACES: [INTERFACE_LIST, 'interfaces as "active (inactive) [unusable]"'],
  },
};

const PARSABLE_FORMAT = 'ipmpstat -P output';
const EMPTY_HUMAN = '--';

/** True when the first line is an ipmpstat -i/-g header or a parsable row of a supported shape. */
export function looksLikeIpmpstat(text: string): boolean {
  const first = contentLines(text)[0];
  if (first === undefined) return false;
  if (isHeaderLine(first.text)) return layoutOfHeader(first.text.split(/\s+/)) !== null;
  const fields = splitParsable(first.text);
  const layout = parsableLayout(fields.length);
  return layout !== null && rowMatches(layout, layout.fields, fields);
}

/** True when a line could be an ipmpstat table header: upper-case field names only. */
function isHeaderLine(text: string): boolean {
  return /^[A-Z]+(\s+[A-Z]+)*$/.test(text);
}

/** Decodes ipmpstat -i or -g text, human or parsable, into the groups it lists. */
export function decodeIpmpstat(text: string): IpmpGroupFound[] {
  const lines = contentLines(text);
  const first = lines[0];
  if (first === undefined) {
    throw new DecodeError('ipmpstat output', 'empty input; expected ipmpstat -i or -g output');
  }
  return isHeaderLine(first.text) ? decodeHuman(first, lines.slice(1)) : decodeParsable(lines);
}

function contentLines(text: string): Line[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ no: i + 1, text: raw.trim() }))
    .filter((line) => line.text !== '');
}

/** The mode whose fields the header names, with the fields a leg needs; null for other modes. */
function layoutOfHeader(fields: string[]): Layout | null {
  for (const layout of [INTERFACE_LAYOUT, GROUP_LAYOUT]) {
    const known = fields.every((f) => layout.fields.includes(f));
    const complete = layout.required.every((f) => fields.includes(f));
    const named = layout.mode === 'interface' || fields.some((f) => f.startsWith('GROUP'));
    if (known && complete && named && new Set(fields).size === fields.length) return layout;
  }
  return null;
}

function decodeHuman(header: Line, rest: Line[]): IpmpGroupFound[] {
  const fields = header.text.split(/\s+/);
  const layout = layoutOfHeader(fields);
  if (layout === null) {
    throw new DecodeError(
      'ipmpstat output',
      `header "${header.text}" is not ipmpstat -i (${INTERFACE_LAYOUT.fields.join(' ')}) ` +
        `or -g (${GROUP_LAYOUT.fields.join(' ')})`,
      header.no,
    );
  }
  // libofmt repeats the header every 24 rows even when writing to a pipe.
  const rows = rest
    .filter((line) => line.text !== header.text)
    .map((line) => humanRow(layout, fields, line));
  if (rows.length === 0) {
    throw new DecodeError(layout.format, 'header but no rows under it', header.no);
  }
  return groupsOf(layout, rows);
}

function humanRow(layout: Layout, fields: string[], line: Line): Row {
  const tokens = line.text.split(/\s+/).map((t) => (t === EMPTY_HUMAN ? '' : t));
  const values = joinInterfaceList(fields, tokens);
  if (values === null) {
    throw new DecodeError(
      layout.format,
      `expected ${fields.length} columns (${fields.join(' ')}), got ${tokens.length}`,
      line.no,
    );
  }
  return checkedRow(layout, fields, values, line);
}

/**
 * INTERFACES is the one field whose human value holds spaces (`net0 (net2) [net1]`); every other
 * field is one token, so it takes whatever tokens the others leave. Null when the count is wrong.
 */
function joinInterfaceList(fields: string[], tokens: string[]): string[] | null {
  const at = fields.indexOf('INTERFACES');
  const extra = tokens.length - fields.length;
  if (at < 0 || extra <= 0) return extra === 0 ? tokens : null;
  const list = tokens.slice(at, at + extra + 1).join(' ');
  return [...tokens.slice(0, at), list, ...tokens.slice(at + extra + 1)];
}

function decodeParsable(lines: Line[]): IpmpGroupFound[] {
  const first = lines[0];
  const layout = first === undefined ? null : parsableLayout(splitParsable(first.text).length);
  if (first === undefined || layout === null) {
    throw new DecodeError(
      PARSABLE_FORMAT,
      'expected an ipmpstat header, or parsable rows of ' +
        `-P -o ${INTERFACE_LAYOUT.fields.join(',')} -i (7 fields) or ` +
        `-P -o ${GROUP_LAYOUT.fields.join(',')} -g (5 fields)`,
      first?.no,
    );
  }
  const rows = lines.map((line) => parsableRow(layout, line));
  return groupsOf(layout, rows);
}

/**
 * Parsable output has no header and `-o all` is refused with -P, so the field list is whatever the
 * caller typed. We support the full list of each mode in ipmpstat's own order and let the value
 * checks reject a line whose columns are in another order.
 */
function parsableLayout(fieldCount: number): Layout | null {
  if (fieldCount === INTERFACE_LAYOUT.fields.length) return INTERFACE_LAYOUT;
  if (fieldCount === GROUP_LAYOUT.fields.length) return GROUP_LAYOUT;
  return null;
}

function parsableRow(layout: Layout, line: Line): Row {
  const values = splitParsable(line.text);
  if (values.length !== layout.fields.length) {
    throw new DecodeError(
      PARSABLE_FORMAT,
      `expected ${layout.fields.length} ':'-separated fields (${layout.fields.join(',')}), ` +
        `got ${values.length}`,
      line.no,
    );
  }
  return checkedRow(layout, layout.fields, values, line);
}

/** Splits on unescaped `:`; libofmt prefixes a literal `:` or `\` in a value with `\`. */
function splitParsable(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      current += text.charAt(++i);
    } else if (c === ':') {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  fields.push(current);
  return fields;
}

function rowMatches(layout: Layout, fields: readonly string[], values: string[]): boolean {
  return fields.every((field, i) => layout.values[field]?.[0].test(values[i] ?? '') ?? false);
}

function checkedRow(layout: Layout, fields: readonly string[], values: string[], line: Line): Row {
  const row: Row = new Map();
  fields.forEach((field, i) => {
    const value = values[i] ?? '';
    const [pattern, expected] = layout.values[field] ?? [/(?!)/, 'no value: unknown field'];
    if (!pattern.test(value)) {
      throw new DecodeError(layout.format, `${field} "${value}": expected ${expected}`, line.no);
    }
    row.set(field, value);
  });
  return row;
}

function groupsOf(layout: Layout, rows: Row[]): IpmpGroupFound[] {
  return layout.mode === 'interface' ? groupsFromInterfaceRows(rows) : rows.map(groupFromGroupRow);
}

/** ipmpstat -i lists interfaces of every group; GROUP is the IPMP interface, empty if anonymous. */
function groupsFromInterfaceRows(rows: Row[]): IpmpGroupFound[] {
  const byGroup = new Map<string, Row[]>();
  for (const row of rows) {
    const group = row.get('GROUP') ?? '';
    byGroup.set(group, [...(byGroup.get(group) ?? []), row]);
  }
  return [...byGroup].map(([group, groupRows]) => ({
    name: group === '' ? null : group,
    names: group === '' ? [] : [group],
    legs: groupRows.map(interfaceLeg),
    // PROBE ok/failed means in.mpathd is probing; `disabled` (no test address) and `unknown`
    // (no targets) leave link state as the only detection that works.
    detection: groupRows.some((r) => /^(ok|failed)$/.test(r.get('PROBE') ?? ''))
      ? 'link+probe'
      : 'link',
    probeFailureDetectionMs: null,
  }));
}

function interfaceLeg(row: Row): Leg {
  const state = row.get('STATE') ?? '';
  const flags = row.get('FLAGS') ?? '';
  // `unknown` is an online interface in.mpathd has not failed (no probe targets yet); it keeps
  // carrying traffic, as ipmpstat -g shows, so only failed/offline, link down, d and h rule it out.
  const usable =
    (state === 'ok' || state === 'unknown') && row.get('LINK') !== 'down' && !/[dh]/.test(flags);
  return {
    ...newLeg(row.get('INTERFACE') ?? ''),
    up: usable,
    active: row.get('ACTIVE') === 'yes',
    state,
    standby: flags.charAt(1) === 's' || state === 'offline',
  };
}

/** One ipmpstat -g row: a group with its interfaces split into active, (inactive) and [unusable]. */
function groupFromGroupRow(row: Row): IpmpGroupFound {
  const groupName = row.get('GROUPNAME') ?? '';
  const ipmpInterface = row.get('GROUP') ?? '';
  const names = [...new Set([groupName, ipmpInterface].filter((n) => n !== ''))];
  const fdt = row.get('FDT') ?? '';
  return {
    name: names[0] ?? null,
    names,
    legs: interfaceListLegs(row.get('INTERFACES') ?? ''),
    // FDT is empty when probe-based failure detection is disabled.
    detection: fdt === '' ? 'link' : 'link+probe',
    probeFailureDetectionMs: fdt === '' ? null : Math.round(parseFloat(fdt) * 1000),
  };
}

function interfaceListLegs(list: string): Leg[] {
  // The row check already matched INTERFACE_LIST, so the groups are there.
  const [, active = '', inactive = '', unusable = ''] = INTERFACE_LIST.exec(list) ?? [];
  return [
    ...names(active).map((n) => ({ ...newLeg(n), up: true, active: true, state: 'active' })),
    ...names(inactive).map((n) => ({ ...newLeg(n), up: true, standby: true, state: 'inactive' })),
    ...names(unusable).map((n) => ({ ...newLeg(n), state: 'unusable' })),
  ];
}

function names(list: string): string[] {
  return list.split(' ').filter((n) => n !== '');
}
