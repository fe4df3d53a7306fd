/**
 * Reads nicwatch.yaml: YAML → `${NAME}` interpolation → NICWATCH_REDIS_URL → schema (defaults)
 * → cross-field checks. Every problem found on the way is collected, so one run of
 * `nicwatch validate` lists them all; then one ConfigError carries every issue.
 */
import { readFileSync } from 'node:fs';
import {
  type Document,
  LineCounter,
  type Scalar,
  isMap,
  isScalar,
  isSeq,
  parse,
  parseDocument,
} from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors';
import { type PathSegment, describeZodIssue, formatPath, toConfigIssues } from './paths';
import {
  type DeviceConfig,
  type NicwatchConfig,
  type SnmpConfig,
  configSchema,
  snmpDefaultsSchema,
  snmpVersionSchema,
} from './schema';

type Env = Record<string, string | undefined>;

/** Reads and validates `file`; throws ConfigError listing every problem. */
export function loadConfig(file: string, env: Env = process.env): NicwatchConfig {
  return parseConfig(readConfigText(file), file, env);
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `configuration file "${file}" does not exist`
        : `cannot read configuration file "${file}": ${(err as Error).message}`;
    throw new ConfigError(file, [{ path: '', message }]);
  }
}

/** Validates YAML `text`; `file` only names the source in the ConfigError. */
export function parseConfig(text: string, file: string, env: Env = process.env): NicwatchConfig {
  const doc = parseYaml(text, file);
  const envIssues = interpolateEnv(doc, env);
  // An empty file is an empty mapping: every setting has a default.
  const raw: unknown = doc.toJS() ?? {};
  const fromEnv = applyRedisUrlOverride(raw, env);

  const parsed = configSchema.safeParse(raw, { error: describeZodIssue });
  const schemaIssues = parsed.success ? [] : toConfigIssues(parsed.error);
  if (fromEnv) markRedisUrlFromEnv(schemaIssues);
  // A value whose variable is missing still holds "${NAME}"; its type error would only repeat it.
  const envPaths = new Set(envIssues.map((issue) => issue.path));
  const issues = [
    ...envIssues,
    ...schemaIssues.filter((issue) => !envPaths.has(issue.path)),
    ...checkCrossFields(raw),
  ];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(file, issues);
  return fillDerivedDefaults(parsed.data);
}

function parseYaml(text: string, file: string): Document {
  const lineCounter = new LineCounter();
  // merge: `<<: *anchor` lets devices share a template, as YAML 1.1 users expect.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length === 0) return doc;
  const issues = doc.errors.map((err) => {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    return { path: '', message: `line ${line}, column ${col}: ${err.message}` };
  });
  throw new ConfigError(file, issues);
}

// `${NAME}` is replaced; `$${NAME}` stands for a literal `${NAME}`.
const ENV_REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replaces `${NAME}` in every string value of `doc`, in place; returns an issue per bad one. */
function interpolateEnv(doc: Document, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  walkScalars(doc.contents, [], (scalar, path) => {
    if (typeof scalar.value !== 'string' || !scalar.value.includes('$')) return;
    const text = scalar.value.replace(ENV_REFERENCE, (match, escape: string, name: string) => {
      if (escape !== '') return match.slice(1);
      const value = ENV_NAME.test(name) ? env[name] : undefined;
      if (value !== undefined) return value;
      const message = ENV_NAME.test(name)
        ? `environment variable "${name}" is not set`
        : `"${match}" is not a valid environment variable reference`;
      issues.push({ path: formatPath(path), message });
      return match;
    });
    if (text !== scalar.value) scalar.value = retype(text, scalar.type);
  });
  return issues;
}

/**
 * An unquoted `port: ${SNMP_PORT}` reads as if the value were written there: a number stays a
 * number. Quoted values, and anything that would become a list or mapping, stay strings.
 */
function retype(text: string, style: string | undefined): unknown {
  if (style !== 'PLAIN') return text;
  try {
    const value: unknown = parse(text);
    return typeof value === 'number' || typeof value === 'boolean' ? value : text;
  } catch {
    return text;
  }
}

/** Visits every scalar value (not keys) with its path; aliases are visited at their anchor. */
function walkScalars(
  node: unknown,
  path: PathSegment[],
  visit: (scalar: Scalar, path: PathSegment[]) => void,
): void {
  if (isScalar(node)) {
    visit(node, path);
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => walkScalars(item, [...path, index], visit));
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      walkScalars(pair.value, [...path, String(key)], visit);
    }
  }
}

/** NICWATCH_REDIS_URL, when set and not empty, replaces redis.url. Returns whether it did. */
function applyRedisUrlOverride(raw: unknown, env: Env): boolean {
  const url = env.NICWATCH_REDIS_URL;
  if (url === undefined || url === '' || !isRecord(raw)) return false;
  if (raw.redis === undefined || raw.redis === null) raw.redis = { url };
  else if (isRecord(raw.redis)) raw.redis.url = url;
  else return false; // a non-mapping `redis:` is reported by the schema as it stands
  return true;
}

/** Says where a bad redis.url came from, as the file then holds another value. */
function markRedisUrlFromEnv(issues: ConfigIssue[]): void {
  for (const issue of issues) {
    if (issue.path === 'redis.url') issue.message += ' (from NICWATCH_REDIS_URL)';
  }
}

/** Settings whose default depends on another field; run after the schema and the checks. */
function fillDerivedDefaults(config: NicwatchConfig): NicwatchConfig {
  for (const device of config.devices) {
    for (const group of device.groups ?? []) {
      if (group.source === 'extend') group.extend ??= group.name;
      // IF-MIB sees only the legs' link states: a plain set of members.
      else group.kind ??= 'members';
    }
  }
  return config;
}

/**
 * The device's SNMP settings, merged over snmpDefaults, or null for a NETCONF-only device (one
 * with a `netconf` block and no `snmp` key).
 */
export function resolveSnmp(
  device: DeviceConfig,
  config: Pick<NicwatchConfig, 'snmpDefaults'>,
): SnmpConfig | null {
  if (device.snmp === undefined && device.netconf !== undefined) return null;
  const own = Object.entries(device.snmp ?? {}).filter(([, value]) => value !== undefined);
  return { ...config.snmpDefaults, ...Object.fromEntries(own) };
}

// Cross-field checks. They read the raw document rather than the schema's output so that they
// also run when the schema found errors elsewhere: every problem is reported in one pass. Each
// check skips values of the wrong type, which the schema reports already.

function isRecord(value: unknown): value is Record<string, unknown> {
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

function checkCrossFields(raw: unknown): ConfigIssue[] {
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
  const role = text(field(device, 'role'));
  if (role === 'switch' && field(device, 'groups') !== undefined) {
    const name = text(field(device, 'name')) ?? '';
    const message = `only a server has groups; "${name}" is a switch`;
    issues.push({ path: formatPath([...base, 'groups']), message });
  }
  return issues;
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
