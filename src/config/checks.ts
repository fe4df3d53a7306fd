/**
 * Cross-field checks of nicwatch.yaml, run by load.ts after the schema: names that must be unique
 * (devices, addresses, trap users, groups, legs), references that must resolve (a leg's switch, a
 * group's primary) and settings that only make sense together. They read the raw document rather
 * than the schema's output so that they also run when the schema found errors elsewhere: every
 * problem is reported in one pass. Each check skips values of the wrong type, which the schema
 * reports already.
 */
import type { ConfigIssue } from '../errors';
import { type PathSegment, formatPath } from './paths';
import { snmpDefaultsSchema, snmpVersionSchema } from './schema';

/** A YAML mapping; load.ts uses it too, for the NICWATCH_REDIS_URL override. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Issues for every repeated value of `key` across the items of `items`, at `base[i].key`. */
function checkUnique(
  items: unknown[],
  key: string,
  base: PathSegment[],
  describe: (value: string, first: string) => string,
  normalise: (value: string) => string = (value) => value,
): ConfigIssue[] {
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  items.forEach((item, index) => {
    const value = text(field(item, key));
    if (value === undefined) return;
    const first = seen.get(normalise(value));
    if (first === undefined) seen.set(normalise(value), index);
    else {
      const message = describe(value, formatPath([...base, first]));
      issues.push({ path: formatPath([...base, index, key]), message });
    }
  });
  return issues;
}

/** Every cross-field issue of the raw (interpolated, not yet schema-checked) document. */
export function checkCrossFields(raw: unknown): ConfigIssue[] {
  const devices = list(field(raw, 'devices'));
  const trapUsers = list(field(field(raw, 'traps'), 'users'));
  return [
    ...checkUnique(trapUsers, 'name', ['traps', 'users'], (v, f) => duplicate('user', v, f)),
    ...checkUnique(devices, 'name', ['devices'], (v, f) => duplicate('device name', v, f)),
    ...checkUnique(
      devices,
      'address',
      ['devices'],
      (v, f) => `address "${v}" is already used by ${f}`,
      (v) => v.toLowerCase(),
    ),
    ...devices.flatMap((device, index) => checkDevice(device, index, raw, devices)),
  ];
}

function duplicate(what: string, value: string, first: string): string {
  return `duplicate ${what} "${value}" (also ${first})`;
}

function checkDevice(
  device: unknown,
  index: number,
  raw: unknown,
  devices: unknown[],
): ConfigIssue[] {
  const base: PathSegment[] = ['devices', index];
  const groups = list(field(device, 'groups'));
  const issues = [
    ...checkV3User(device, base, field(raw, 'snmpDefaults')),
    ...checkUnique(groups, 'name', [...base, 'groups'], (v, f) => duplicate('group', v, f)),
    ...groups.flatMap((group, g) => checkGroup(group, [...base, 'groups', g], devices)),
  ];
  issues.push(...checkNetconfLogin(field(device, 'netconf'), base));
  // A device with `netconf:` is polled over NETCONF: its groups can only come from interfaces.
  if (field(device, 'netconf') !== undefined) {
    groups.forEach((group, g) => {
      if ((field(group, 'source') ?? 'extend') !== 'extend') return;
      const message =
        'source extend is read over SNMP, and this device is polled over NETCONF: use source: if-mib';
      issues.push({ path: formatPath([...base, 'groups', g, 'source']), message });
    });
  }
  const role = text(field(device, 'role'));
  if (role === 'switch' && field(device, 'groups') !== undefined) {
    const name = text(field(device, 'name')) ?? '';
    const message = `only a server has groups; "${name}" is a switch`;
    issues.push({ path: formatPath([...base, 'groups']), message });
  }
  return issues;
}

/** The client logs in with what the block gives: no agent and no ~/.ssh keys are tried. */
function checkNetconfLogin(netconf: unknown, base: PathSegment[]): ConfigIssue[] {
  if (!isRecord(netconf)) return [];
  if (netconf.password !== undefined || netconf.privateKeyFile !== undefined) return [];
  const path = formatPath([...base, 'netconf', 'password']);
  return [{ path, message: 'give password or privateKeyFile' }];
}

/** A device polled over SNMPv3 needs a user, its own or the one in snmpDefaults. */
function checkV3User(device: unknown, base: PathSegment[], rawDefaults: unknown): ConfigIssue[] {
  const snmp = field(device, 'snmp');
  if (snmp === undefined && field(device, 'netconf') !== undefined) return [];
  const defaults = snmpDefaultsSchema.safeParse(rawDefaults ?? {});
  if (!defaults.success) return []; // reported by the schema; the resolved version is unknown
  const own = field(snmp, 'version');
  const version = own === undefined ? defaults.data.version : snmpVersionSchema.safeParse(own).data;
  if (version !== '3') return [];
  if (field(snmp, 'user') !== undefined || defaults.data.user !== undefined) return [];
  return [{ path: formatPath([...base, 'snmp', 'user']), message: 'required for SNMP version 3' }];
}

function checkGroup(group: unknown, base: PathSegment[], devices: unknown[]): ConfigIssue[] {
  const legs = list(field(group, 'legs'));
  const issues = [
    ...checkUnique(legs, 'interface', [...base, 'legs'], (v, f) => duplicate('leg', v, f)),
    ...legs.flatMap((leg, l) => checkLeg(leg, [...base, 'legs', l], devices)),
    ...checkGroupSource(group, base),
  ];
  const primary = text(field(group, 'primary'));
  const interfaces = legs.map((leg) => text(field(leg, 'interface')));
  if (primary !== undefined && !interfaces.includes(primary) && !interfaces.includes(undefined)) {
    const message = `"${primary}" is not one of the group's legs (${interfaces.join(', ')})`;
    issues.push({ path: formatPath([...base, 'primary']), message });
  }
  return issues;
}

/** `kind: members` is IF-MIB only; `extend` means nothing to an IF-MIB group. */
function checkGroupSource(group: unknown, base: PathSegment[]): ConfigIssue[] {
  const source = field(group, 'source') ?? 'extend';
  if (source === 'extend' && field(group, 'kind') === 'members') {
    return [{ path: formatPath([...base, 'kind']), message: '"members" needs source: if-mib' }];
  }
  if (source === 'if-mib' && field(group, 'extend') !== undefined) {
    return [{ path: formatPath([...base, 'extend']), message: 'only used with source: extend' }];
  }
  return [];
}

function checkLeg(leg: unknown, base: PathSegment[], devices: unknown[]): ConfigIssue[] {
  const name = field(leg, 'switch');
  if (name === undefined && field(leg, 'port') !== undefined) {
    const message = 'needs "switch": a port is named on the switch it belongs to';
    return [{ path: formatPath([...base, 'port']), message }];
  }
  if (typeof name !== 'string') return [];
  const target = devices.find((device) => field(device, 'name') === name);
  const path = formatPath([...base, 'switch']);
  if (target === undefined) return [{ path, message: `unknown device "${name}"` }];
  if (field(target, 'role') === 'server') {
    return [{ path, message: `"${name}" is a server, not a switch` }];
  }
  return [];
}
