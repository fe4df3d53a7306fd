/**
 * The few error types nicwatch raises, named by what the caller does with them. Each is mapped
 * once at the edge: to an exit status (cli), an HTTP status (api) or a health reason (health).
 */

/** Input that does not decode: says what was expected and where, never a guess. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    /** What was being decoded, e.g. "/proc/net/bonding text". */
    readonly format: string,
    message: string,
    /** 1-based line number in the input, when the problem is on one line. */
    readonly line?: number,
  ) {
    super(`${format}: ${line === undefined ? '' : `line ${line}: `}${message}`);
  }
}

export interface ConfigIssue {
  /** Path into the document, e.g. `devices[2].groups[0].legs[1].switch`; empty for the root. */
  path: string;
  message: string;
}

/** One or more configuration errors, each naming its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map(formatConfigIssue).join('\n'));
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Why an SNMP request failed, in the words an operator would act on. */
export type SnmpFailure =
  'timeout' | 'authentication' | 'no-such-object' | 'decode' | 'error-status' | 'transport';

/** An SNMP request that did not return a usable answer; the message names the target. */
export class SnmpError extends Error {
  override readonly name = 'SnmpError';
  constructor(
    readonly failure: SnmpFailure,
    /** `host:port` of the agent. */
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Text for any thrown value, for log lines and plugin output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Why a NETCONF exchange failed, in the words an operator would act on. */
export type NetconfFailure =
  'unreachable' | 'authentication' | 'timeout' | 'rpc-error' | 'protocol' | 'closed';

/** A NETCONF session or RPC that did not return a usable answer; the message names the target. */
export class NetconfError extends Error {
  override readonly name = 'NetconfError';
  /** For `rpc-error`: the RFC 6241 error-tag, e.g. `operation-not-supported`. */
  readonly tag: string | null;
  constructor(
    readonly failure: NetconfFailure,
    /** `host:port` of the NETCONF server. */
    readonly target: string,
    message: string,
    options?: { cause?: unknown; tag?: string },
  ) {
    super(message, options);
    this.tag = options?.tag ?? null;
  }
}
