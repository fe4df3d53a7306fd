/**
 * The one schema of nicwatch.yaml (contract section 2). Every object is strict, so a misspelt key
 * is an error rather than a silently ignored setting. Defaults are filled here; checks that span
 * several fields (names that must exist, be unique, ...) run after it, in checks.ts.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { GROUP_KINDS, type GroupKind } from '../model';
import { describeType } from './paths';

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** True for an IPv4 address, or a host name that cannot be mistaken for a mistyped IPv4 one. */
function isHostname(host: string): boolean {
  if (/^[\d.]+$/.test(host)) return isIPv4(host);
  return HOSTNAME.test(host);
}

interface HostPort {
  host: string;
  port: string;
  bracketed: boolean;
}

function splitHostPort(text: string): HostPort | null {
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '', bracketed: true };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  return { host: text.slice(0, colon), port: text.slice(colon + 1), bracketed: false };
}

function portProblem(port: string): string | null {
  if (!/^\d+$/.test(port)) return `port ${JSON.stringify(port)} is not a number`;
  const value = Number(port);
  // 0 asks the system for a free port: the daemon logs the one it got.
  return value <= 65535 ? null : `port ${value} is out of range 0..65535`;
}

/** Why `text` is not a usable `host:port`, or null when it is. */
export function hostPortProblem(text: string): string | null {
  const parts = splitHostPort(text);
  const shape = `must be "host:port" (IPv4, [IPv6] or hostname), got ${JSON.stringify(text)}`;
  if (parts === null) return shape;
  if (!parts.bracketed && parts.host.includes(':')) {
    return 'an IPv6 address needs brackets, e.g. "[::1]:8080"';
  }
  const hostOk = parts.bracketed ? isIPv6(parts.host) : isHostname(parts.host);
  return hostOk ? portProblem(parts.port) : shape;
}

const hostPort = z.string().superRefine((text, ctx) => {
  const problem = hostPortProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: text });
});

const address = z.string().refine((text) => isIP(text) !== 0 || isHostname(text), {
  error: (issue) =>
    `must be an IPv4 or IPv6 address or a hostname, got ${JSON.stringify(issue.input)}`,
});

const port = z.number().int().min(1).max(65535);
const positiveMs = z.number().int().positive();
const positiveS = z.number().positive();
const nonEmpty = z.string().min(1);

// Device names end up in Redis keys, URLs (/api/v1/health/:device) and Prometheus labels, and
// `unknown:<address>` is reserved for traps from unconfigured senders, hence no ':' or '/'.
const deviceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  error: 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
});
// Group names are a URL segment too (/api/v1/health/:device/:group).
const groupName = z
  .string()
  .regex(/^[^\s/]+$/, { error: 'must be non-empty, without spaces or "/"' });

export const SNMP_VERSIONS = ['1', '2c', '3'] as const;
export type SnmpVersion = (typeof SNMP_VERSIONS)[number];

// YAML reads `version: 1` and `version: 3` as numbers and `2c` as a string; accept both spellings.
export const snmpVersionSchema = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : value),
  z.enum(SNMP_VERSIONS, { error: (issue) => `must be 1, 2c or 3, got ${String(issue.input)}` }),
);

export const USM_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

// RFC 3414 section 11.2: password-to-key needs at least 8 characters; agents refuse shorter ones.
const usmKey = z.string().min(8, { error: 'must be at least 8 characters (SNMPv3 USM)' });

const usmUserShape = z.strictObject({
  name: nonEmpty,
  level: z.enum(USM_LEVELS),
  authProtocol: z.enum(AUTH_PROTOCOLS).optional(),
  authKey: usmKey.optional(),
  privProtocol: z.enum(PRIV_PROTOCOLS).optional(),
  privKey: usmKey.optional(),
});

type UsmFields = z.output<typeof usmUserShape>;
const AUTH_FIELDS = ['authProtocol', 'authKey'] as const;
const PRIV_FIELDS = ['privProtocol', 'privKey'] as const;

/** Each field the level needs must be set; a field it ignores must not be, as it hides a typo. */
function checkUsmLevel(user: UsmFields, ctx: z.RefinementCtx): void {
  const needsAuth = user.level !== 'noAuthNoPriv';
  const needsPriv = user.level === 'authPriv';
  for (const [fields, needed] of [
    [AUTH_FIELDS, needsAuth],
    [PRIV_FIELDS, needsPriv],
  ] as const) {
    for (const field of fields) {
      const set = user[field] !== undefined;
      if (needed === set) continue;
      const message = needed
        ? `required for level ${user.level}`
        : `not used with level ${user.level}; remove it or raise the level`;
      ctx.addIssue({ code: 'custom', path: [field], message, input: user[field] });
    }
  }
}

/** An SNMPv3 USM user: the poller's credentials on a device, or a user accepted for traps. */
export const usmUserSchema = usmUserShape.superRefine(checkUsmLevel);
export type UsmUserConfig = z.output<typeof usmUserSchema>;

const snmpFields = {
  /** SNMP version; YAML `1`, `'1'`, `2c`, `3` and `'3'` all work, normalised to a string. */
  version: snmpVersionSchema,
  /** v1/v2c community. */
  community: nonEmpty,
  port,
  timeoutMs: positiveMs,
  /** Retries after the first attempt. */
  retries: z.number().int().min(0),
  /** SNMPv3 user; required when the resolved version is 3. */
  user: usmUserSchema.optional(),
};

/** The SNMP settings every device starts from. */
export const snmpDefaultsSchema = z.strictObject({
  ...snmpFields,
  /**
   * SNMP version; YAML `1`, `'1'`, `2c`, `3` and `'3'` all work, normalised to a string.
   * @defaultValue '2c'
   */
  version: snmpFields.version.default('2c'),
  /**
   * v1/v2c community.
   * @defaultValue 'public'
   */
  community: snmpFields.community.default('public'),
  /** @defaultValue 161 */
  port: snmpFields.port.default(161),
  /** @defaultValue 2000 */
  timeoutMs: snmpFields.timeoutMs.default(2000),
  /**
   * Retries after the first attempt.
   * @defaultValue 1
   */
  retries: snmpFields.retries.default(1),
});
/** Complete SNMP settings, as `resolveSnmp` returns them for a device. */
export type SnmpConfig = z.output<typeof snmpDefaultsSchema>;

/** A device's own SNMP settings, merged key by key over `snmpDefaults`. */
export const deviceSnmpSchema = z.strictObject(snmpFields).partial();
export type DeviceSnmpConfig = z.output<typeof deviceSnmpSchema>;

export const netconfSchema = z.strictObject({
  /**
   * NETCONF over SSH (RFC 6242).
   * @defaultValue 830
   */
  port: port.default(830),
  username: nonEmpty,
  /** One of password and privateKeyFile is required (checks.ts); with both, either may log in. */
  password: z.string().optional(),
  privateKeyFile: nonEmpty.optional(),
  /**
   * The switch's SSH host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:` and 43 base64
   * characters). When set, a server offering any other key fails the poll as an authentication
   * error; when absent, any host key is accepted.
   */
  hostKey: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, {
      error: 'must be "SHA256:" and 43 base64 characters, as ssh-keygen -lf prints it',
    })
    .optional(),
  /** Left to the NETCONF client's own default when absent. */
  timeoutMs: positiveMs.optional(),
});
export type NetconfConfig = z.output<typeof netconfSchema>;

export const legSchema = z.strictObject({
  /** The server's interface (eth0, net0, e1000g0, ...). */
  interface: nonEmpty,
  /** The configured switch this leg is cabled to. */
  switch: nonEmpty.optional(),
  /** The switch port: its ifName or ifDescr, or its ifIndex as a number. */
  port: z.union([nonEmpty, z.number().int().positive()]).optional(),
});
export type LegConfig = z.output<typeof legSchema>;

export const GROUP_SOURCES = ['extend', 'if-mib'] as const;
export type GroupSource = (typeof GROUP_SOURCES)[number];

export const groupSchema = z.strictObject({
  name: groupName,
  /** Left out: recognised from the text (extend), `members` for if-mib. */
  kind: z.enum(GROUP_KINDS as [GroupKind, ...GroupKind[]]).optional(),
  /** @defaultValue 'extend' */
  source: z.enum(GROUP_SOURCES).default('extend'),
  /**
   * NET-SNMP-EXTEND-MIB name; always set after loading when source is extend.
   * @defaultValue the group name
   */
  extend: nonEmpty.optional(),
  /** The leg that should carry traffic when everything is healthy. */
  primary: nonEmpty.optional(),
  legs: z.array(legSchema).min(1),
});
export type GroupConfig = z.output<typeof groupSchema>;

export const DEVICE_ROLES = ['switch', 'server'] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

export const deviceSchema = z.strictObject({
  name: deviceName,
  role: z.enum(DEVICE_ROLES),
  /** Management address; traps are matched to the device by it. */
  address,
  /** Merged over snmpDefaults. Absent together with `netconf` present: NETCONF only. */
  snmp: deviceSnmpSchema.optional(),
  netconf: netconfSchema.optional(),
  /** @defaultValue the top-level pollIntervalS */
  pollIntervalS: positiveS.optional(),
  /** Servers only. */
  groups: z.array(groupSchema).optional(),
});
export type DeviceConfig = z.output<typeof deviceSchema>;

export const redisSchema = z.strictObject({
  /**
   * NICWATCH_REDIS_URL overrides it.
   * @defaultValue 'redis://127.0.0.1:6379/0'
   */
  url: z
    .string()
    .refine((url) => /^rediss?:\/\/[^\s]*$/.test(url) && URL.canParse(url), {
      error: 'must be a redis:// or rediss:// URL',
    })
    .default('redis://127.0.0.1:6379/0'),
  /**
   * Every key and queue name starts with it.
   * @defaultValue 'nicwatch'
   */
  prefix: nonEmpty.default('nicwatch'),
});
export type RedisConfig = z.output<typeof redisSchema>;

export const apiSchema = z.strictObject({
  /** @defaultValue '127.0.0.1:8080' */
  listen: hostPort.default('127.0.0.1:8080'),
  /** When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`. */
  token: z
    .string()
    .min(1, { error: 'must not be empty; leave the key out to disable it' })
    .optional(),
});
export type ApiConfig = z.output<typeof apiSchema>;

export const trapsSchema = z.strictObject({
  /**
   * UDP `host:port`, or `false` to disable the receiver.
   * @defaultValue '0.0.0.0:162'
   */
  listen: z
    .union([z.literal(false), hostPort], {
      error: (issue) => `expected "host:port" or false, got ${describeType(issue.input)}`,
    })
    .default('0.0.0.0:162'),
  /**
   * v1/v2c communities accepted.
   * @defaultValue ['public']
   */
  communities: z.array(nonEmpty).default(['public']),
  /**
   * SNMPv3 users accepted for traps and informs.
   * @defaultValue []
   */
  users: z.array(usmUserSchema).default([]),
});
export type TrapsConfig = z.output<typeof trapsSchema>;

export const correlationSchema = z.strictObject({
  /**
   * How long a link event waits for its bond/switch counterpart.
   * @defaultValue 30000
   */
  windowMs: positiveMs.default(30000),
  /**
   * Data older than this makes a group UNKNOWN.
   * @defaultValue 90
   */
  staleAfterS: positiveS.default(90),
});
export type CorrelationConfig = z.output<typeof correlationSchema>;

export const configSchema = z.strictObject({
  redis: redisSchema.prefault({}),
  api: apiSchema.prefault({}),
  traps: trapsSchema.prefault({}),
  correlation: correlationSchema.prefault({}),
  snmpDefaults: snmpDefaultsSchema.prefault({}),
  /** @defaultValue 30 */
  pollIntervalS: positiveS.default(30),
  /** @defaultValue [] */
  devices: z.array(deviceSchema).default([]),
});
/** nicwatch.yaml after loading: defaults filled, versions normalised, cross-field checks passed. */
export type NicwatchConfig = z.output<typeof configSchema>;
