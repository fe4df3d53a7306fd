/**
 * IF-MIB (RFC 2863): ifTable + ifXTable → InterfaceState, and which ports are members of which
 * link aggregate (ifStackTable, IEEE8023-LAG-MIB dot3adAggPortSelectedAggID). Pure: walks in,
 * model out.
 */
import { DecodeError } from '../errors';
import type { InterfaceState } from '../model';
import {
  DOT3AD_AGG_PORT_SELECTED_AGG_ID,
  IF_ADMIN_STATUS,
  IF_ALIAS,
  IF_DESCR,
  IF_HIGH_SPEED,
  IF_INDEX,
  IF_LAST_CHANGE,
  IF_NAME,
  IF_OPER_STATUS,
  IF_SPEED,
  IF_STACK_STATUS,
  IF_TYPE,
} from './oids';
import type { Varbind } from './session';
import { type Cell, columnCells, enumValue, indexParts, integerValue, textValue } from './table';

const FORMAT = 'IF-MIB';
const LAG_FORMAT = 'IEEE8023-LAG-MIB';

/** IANAifType ieee8023adLag: an IEEE 802.3ad link aggregate. */
export const IF_TYPE_IEEE8023AD_LAG = 161;

const ADMIN_STATUSES = ['up', 'down', 'testing'] as const;
/** IF-MIB ifOperStatus (RFC 2863), value 1 first; ifAdminStatus is its first three. */
export const OPER_STATUSES = [
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'notPresent',
  'lowerLayerDown',
] as const;
type OperStatus = (typeof OPER_STATUSES)[number];

/**
 * Whether the port passes traffic. Only up(1) does. testing(3) passes "no operational packets"
 * and dormant(5) is "waiting for some external event" (RFC 2863 ifOperStatus): neither forwards,
 * so false. unknown(4) is the agent saying it does not know: null, not a guess.
 */
const OPER_UP: Record<OperStatus, boolean | null> = {
  up: true,
  down: false,
  testing: false,
  unknown: null,
  dormant: false,
  notPresent: false,
  lowerLayerDown: false,
};

const STACK_STATUSES = [
  'active',
  'notInService',
  'notReady',
  'createAndGo',
  'createAndWait',
  'destroy',
] as const;

/** ifSpeed's ceiling: "greater than the maximum value reportable"; the speed is in ifHighSpeed. */
const IF_SPEED_SATURATED = 4_294_967_295;

const IF_COLUMNS = {
  index: IF_INDEX,
  descr: IF_DESCR,
  type: IF_TYPE,
  speed: IF_SPEED,
  admin: IF_ADMIN_STATUS,
  oper: IF_OPER_STATUS,
  lastChange: IF_LAST_CHANGE,
} as const;
const IF_X_COLUMNS = { name: IF_NAME, highSpeed: IF_HIGH_SPEED, alias: IF_ALIAS } as const;
type Column = keyof typeof IF_COLUMNS | keyof typeof IF_X_COLUMNS;
type Columns = Record<Column, Map<string, Cell>>;

/**
 * One InterfaceState per ifTable row, in ifIndex order. An agent without ifXTable (pass an empty
 * walk) still decodes: name is ifDescr, alias null, speed from ifSpeed. ifXTable rows whose ifIndex
 * is not in ifTable are ignored: ifTable is the list of interfaces.
 */
export function decodeInterfaces(walks: {
  ifTable: Varbind[];
  ifXTable: Varbind[];
}): InterfaceState[] {
  const columns = {} as Columns;
  for (const [key, oid] of Object.entries(IF_COLUMNS)) {
    columns[key as Column] = columnCells(walks.ifTable, oid, FORMAT);
  }
  for (const [key, oid] of Object.entries(IF_X_COLUMNS)) {
    columns[key as Column] = columnCells(walks.ifXTable, oid, FORMAT);
  }
  const rows = new Map<number, string>();
  for (const key of Object.keys(IF_COLUMNS) as (keyof typeof IF_COLUMNS)[]) {
    for (const cell of columns[key].values()) {
      const [ifIndex = 0] = indexParts(cell, 1, FORMAT);
      if (ifIndex < 1) throw new DecodeError(FORMAT, `${cell.oid}: ifIndex 0 is not valid`);
      rows.set(ifIndex, cell.index);
    }
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ifIndex, index]) => decodeRow(ifIndex, index, columns));
}

function decodeRow(ifIndex: number, index: string, columns: Columns): InterfaceState {
  const cell = (column: Column): Cell | undefined => columns[column].get(index);
  const text = (column: Column): string | null => {
    const found = cell(column);
    return found ? textValue(found, FORMAT) : null;
  };
  const int = (column: Column): number | null => {
    const found = cell(column);
    return found ? integerValue(found, FORMAT, 0) : null;
  };
  const descr = text('descr') ?? '';
  // RFC 2863 ifName: "a zero-length string" when there is no local name, so fall back then too
  const ifName = text('name');
  const alias = text('alias');
  const admin = cell('admin');
  const oper = cell('oper');
  return {
    ifIndex,
    name: ifName !== null && ifName !== '' ? ifName : descr,
    descr,
    // an empty ifAlias is the default: no alias was set
    alias: alias === '' ? null : alias,
    type: int('type'),
    operUp: oper ? OPER_UP[enumValue(oper, FORMAT, 'ifOperStatus', OPER_STATUSES)] : null,
    // testing(3): under test, not carrying traffic for the operator: not "up"
    adminUp: admin ? enumValue(admin, FORMAT, 'ifAdminStatus', ADMIN_STATUSES) === 'up' : null,
    speedMbps: speedMbps(int('highSpeed'), int('speed')),
    lastChangeTicks: int('lastChange'),
  };
}

/**
 * ifHighSpeed (Mbit/s) when the agent has it, even when ifSpeed disagrees: Avaya VSP reports a
 * 40G port's ifSpeed wrapped modulo 2^32 (1345294336) next to a correct ifHighSpeed 40000. Without
 * ifHighSpeed, a saturated ifSpeed says only "faster than 4.29 Gbit/s": null.
 */
function speedMbps(highSpeed: number | null, speed: number | null): number | null {
  if (highSpeed !== null) return highSpeed;
  if (speed === null || speed === IF_SPEED_SATURATED) return null;
  return speed / 1_000_000;
}

/**
 * LAG member ifIndex → aggregate ifIndex. From ifStackTable: every active(1) row whose higher
 * layer is an ieee8023adLag(161) interface (a VLAN or sub-interface stacked on a port is not a
 * LAG). From IEEE8023-LAG-MIB, when given: dot3adAggPortSelectedAggID, skipping 0 ("no aggregator
 * selected") and a port that selected itself (an individual link). A port that the two sources (or
 * two stack rows) put in different aggregates is a DecodeError: which one STP runs on is unknown.
 */
export function decodeLagMembership(
  ifStack: Varbind[],
  interfaces: InterfaceState[],
  lagPorts?: Varbind[],
): Record<number, number> {
  const typeOf = new Map(interfaces.map((i) => [i.ifIndex, i.type]));
  const lagOf: Record<number, number> = {};
  const source: Record<number, string> = {};
  const assign = (member: number, aggregate: number, oid: string, format: string): void => {
    const known = lagOf[member];
    if (known !== undefined && known !== aggregate) {
      throw new DecodeError(
        format,
        `${oid}: ifIndex ${member} is in aggregate ${aggregate} here but in ${known} by ${source[member]}`,
      );
    }
    lagOf[member] = aggregate;
    source[member] = oid;
  };

  for (const cell of columnCells(ifStack, IF_STACK_STATUS, FORMAT).values()) {
    const [higher = 0, lower = 0] = indexParts(cell, 2, FORMAT);
    const status = enumValue(cell, FORMAT, 'ifStackStatus', STACK_STATUSES);
    if (status !== 'active' || higher === 0 || lower === 0) continue;
    if (typeOf.get(higher) === IF_TYPE_IEEE8023AD_LAG) assign(lower, higher, cell.oid, FORMAT);
  }
  for (const cell of columnCells(
    lagPorts ?? [],
    DOT3AD_AGG_PORT_SELECTED_AGG_ID,
    LAG_FORMAT,
  ).values()) {
    const [port = 0] = indexParts(cell, 1, LAG_FORMAT);
    const aggregate = integerValue(cell, LAG_FORMAT, 0, 2_147_483_647);
    if (aggregate === 0 || aggregate === port) continue;
    assign(port, aggregate, cell.oid, LAG_FORMAT);
  }
  return lagOf;
}
