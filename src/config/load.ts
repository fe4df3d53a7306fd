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
import { checkCrossFields, isRecord } from './checks';
import { type PathSegment, describeZodIssue, formatPath, toConfigIssues } from './paths';
import { type DeviceConfig, type NicwatchConfig, type SnmpConfig, configSchema } from './schema';

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
