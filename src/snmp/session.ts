/**
 * The only module that talks SNMP as a manager: net-snmp behind a small interface, with every
 * failure turned into an SnmpError that names the target and says what to check.
 */
import { isIPv6 } from 'node:net';
import * as snmp from 'net-snmp';
import { SnmpError } from '../errors';

export type SnmpVersion = '1' | '2c' | '3';
export type SecurityLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
export type AuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

export interface SnmpUser {
  name: string;
  level: SecurityLevel;
  authProtocol?: AuthProtocol;
  authKey?: string;
  privProtocol?: PrivProtocol;
  privKey?: string;
}

export interface SnmpTarget {
  host: string;
  /** @defaultValue 161 */
  port: number;
  version: SnmpVersion;
  /** v1/v2c community. */
  community?: string;
  /** v3 USM user. */
  user?: SnmpUser;
  /** Time for one attempt; a request takes at most timeoutMs × (retries + 1). */
  timeoutMs: number;
  retries: number;
}

/** A decoded value: OCTET STRING as bytes, Counter64 as bigint, OIDs and addresses as text. */
export type SnmpValue = Buffer | number | bigint | string | null;

export interface Varbind {
  oid: string;
  value: SnmpValue;
}

export interface SnmpClient {
  /** `host:port`, as error messages name it. */
  readonly target: string;
  /** Values in the order asked; a missing object is an SnmpError 'no-such-object'. */
  get(oids: string[]): Promise<Varbind[]>;
  /** Every varbind below `oid` (GETBULK on v2c/v3, GETNEXT on v1). */
  walk(oid: string): Promise<Varbind[]>;
  close(): void;
}

const MAX_REPETITIONS = 25;

export function describeTarget(target: Pick<SnmpTarget, 'host' | 'port'>): string {
  return isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

export function openSnmpClient(target: SnmpTarget): SnmpClient {
  const name = describeTarget(target);
  const session = createSession(target, name);
  // A socket error (e.g. an unroutable address) must become a failed request, not a crash.
  session.on('error', () => undefined);
  const fail = (err: unknown): SnmpError => toSnmpError(err, target, name);

  return {
    target: name,
    get: (oids) =>
      new Promise((resolve, reject) => {
        session.get(oids, (err, varbinds) => {
          if (err) return reject(fail(err));
          try {
            resolve((varbinds ?? []).map((vb) => toVarbind(vb, name)));
          } catch (decodeErr) {
            reject(decodeErr);
          }
        });
      }),
    walk: (oid) =>
      new Promise((resolve, reject) => {
        const rows: Varbind[] = [];
        let previous = toArcs(oid);
        let failure: SnmpError | undefined;
        // Returning true ends the walk; net-snmp would otherwise ask again for ever.
        const feed = (varbinds: snmp.Varbind[]): boolean => {
          for (const vb of varbinds) {
            const step = walkStep(previous, vb);
            if (step === 'end') return true;
            if (step === 'not-increasing') {
              const message = `${name}: OID not increasing: ${vb.oid} after ${previous.join('.')}`;
              failure = new SnmpError('decode', name, message);
              return true;
            }
            previous = toArcs(vb.oid);
            rows.push(toVarbind(vb, name));
          }
          return false;
        };
        session.subtree(oid, MAX_REPETITIONS, feed, (err: Error | null | undefined) => {
          if (err) reject(fail(err));
          else if (failure) reject(failure);
          else resolve(rows);
        });
      }),
    close: () => {
      try {
        session.close();
      } catch {
        // already closed
      }
    },
  };
}

/** What a walk does with the next varbind an agent returns. */
export type WalkStep = 'take' | 'end' | 'not-increasing';

/**
 * An error value (noSuchObject, noSuchInstance, endOfMibView) ends a walk quietly: some agents,
 * net-snmp's among them, answer past their last object with noSuchObject at the OID asked
 * instead of endOfMibView. An OID at or before the previous one (the OID asked, for the first
 * varbind) is an agent fault that would loop for ever: Net-SNMP's snmpwalk stops with
 * "OID not increasing", and so does a walk here.
 */
export function walkStep(previousArcs: readonly number[], varbind: snmp.Varbind): WalkStep {
  if (snmp.isVarbindError(varbind)) return 'end';
  return compareArcs(toArcs(varbind.oid), previousArcs) > 0 ? 'take' : 'not-increasing';
}

function toArcs(oid: string): number[] {
  return oid.replace(/^\./, '').split('.').map(Number);
}

/** Lexicographic order of OIDs by their numeric arcs. */
function compareArcs(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function createSession(target: SnmpTarget, name: string): snmp.Session {
  const options = {
    port: target.port,
    retries: target.retries,
    timeout: target.timeoutMs,
    transport: isIPv6(target.host) ? ('udp6' as const) : ('udp4' as const),
  };
  if (target.version !== '3') {
    const version = target.version === '1' ? snmp.Version1 : snmp.Version2c;
    return snmp.createSession(target.host, target.community ?? 'public', { ...options, version });
  }
  if (!target.user) {
    throw new SnmpError('authentication', name, `SNMPv3 to ${name} needs a user`);
  }
  return snmp.createV3Session(target.host, toNetSnmpUser(target.user), options);
}

/** Our USM user (config or command line) in net-snmp's terms: for sessions and the trap receiver. */
export function toNetSnmpUser(user: SnmpUser): snmp.User {
  const v3: snmp.User = { name: user.name, level: snmp.SecurityLevel[user.level] };
  if (user.level !== 'noAuthNoPriv') {
    v3.authProtocol = snmp.AuthProtocols[user.authProtocol ?? 'sha'];
    v3.authKey = user.authKey ?? '';
  }
  if (user.level === 'authPriv') {
    v3.privProtocol = snmp.PrivProtocols[user.privProtocol ?? 'aes'];
    v3.privKey = user.privKey ?? '';
  }
  return v3;
}

function toVarbind(vb: snmp.Varbind, target: string): Varbind {
  if (snmp.isVarbindError(vb)) {
    throw new SnmpError('no-such-object', target, `${target} has no object ${vb.oid}`);
  }
  return { oid: vb.oid, value: toValue(vb) };
}

function toValue(vb: snmp.Varbind): SnmpValue {
  const value: unknown = vb.value;
  if (vb.type === snmp.ObjectType.Counter64 && Buffer.isBuffer(value)) {
    return value.length === 0 ? 0n : BigInt(`0x${value.toString('hex')}`);
  }
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || typeof value === 'number' || typeof value === 'bigint') {
    return value;
  }
  return String(value);
}

/** net-snmp's error classes → what an operator checks. */
function toSnmpError(err: unknown, target: SnmpTarget, name: string): SnmpError {
  const error = err instanceof Error ? err : new Error(String(err));
  const seconds = (target.timeoutMs * (target.retries + 1)) / 1000;
  switch (error.name) {
    case 'RequestTimedOutError': {
      const hint =
        target.version === '3'
          ? 'agent down, port closed, or wrong v3 privacy key'
          : 'agent down, port closed, or wrong community';
      return new SnmpError(
        'timeout',
        name,
        `no answer from ${name} within ${seconds} s (${hint})`,
        {
          cause: err,
        },
      );
    }
    case 'ResponseInvalidError':
      if (isAuthFailure(error)) {
        return new SnmpError(
          'authentication',
          name,
          `${name} rejected SNMPv3 user: ${error.message}`,
          {
            cause: err,
          },
        );
      }
      return new SnmpError('decode', name, `invalid response from ${name}: ${error.message}`, {
        cause: err,
      });
    case 'RequestFailedError':
      // SNMPv1 has no noSuchObject varbind: a GET of a missing object fails the whole request
      // with error-status noSuchName(2) (RFC 1157 §4.1.2); net-snmp reports "NoSuchName: OID".
      if ((error as { status?: unknown }).status === snmp.ErrorStatus.NoSuchName) {
        const oid = /: (\S+)$/.exec(error.message)?.[1] ?? '(noSuchName)';
        return new SnmpError('no-such-object', name, `${name} has no object ${oid}`, {
          cause: err,
        });
      }
      // v3 at a level below the user's rouser/authpriv setting, or a v1/v2c view that excludes it.
      if ((error as { status?: unknown }).status === snmp.ErrorStatus.AuthorizationError) {
        return new SnmpError(
          'authentication',
          name,
          `${name} refused access (authorizationError): the user's security level or view does not allow this read`,
          { cause: err },
        );
      }
      return new SnmpError('error-status', name, `${name} answered with error: ${error.message}`, {
        cause: err,
      });
    default:
      if ((error as { code?: unknown }).code === 'ERR_OSSL_EVP_UNSUPPORTED') {
        return new SnmpError(
          'authentication',
          name,
          `SNMPv3 ${target.user?.privProtocol ?? ''} privacy to ${name} needs Node.js started with --openssl-legacy-provider (the nicwatch command does this)`,
          { cause: err },
        );
      }
      return new SnmpError('transport', name, `SNMP request to ${name} failed: ${error.message}`, {
        cause: err,
      });
  }
}

function isAuthFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === snmp.ResponseInvalidCode.EAuthFailure ||
    /user|digest|security|decrypt/i.test(error.message)
  );
}
