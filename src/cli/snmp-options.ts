/**
 * The SNMP flags `check --host` and `discover` share (Nagios check_snmp spellings), and the one
 * place that turns them into an SnmpTarget.
 */
import { Option, type Command } from 'commander';
import type { AuthProtocol, PrivProtocol, SnmpTarget, SnmpUser } from '../snmp/session';

/** The parsed SNMP flags; commander fills the defaults. */
export interface SnmpFlags {
  host?: string;
  port: string;
  snmpVersion: '1' | '2c' | '3';
  community: string;
  user?: string;
  authProtocol: AuthProtocol;
  authKey?: string;
  privProtocol: PrivProtocol;
  privKey?: string;
  retries: string;
}

/** Time kept back from -t for printing the answer after the last SNMP attempt gives up. */
export const DEADLINE_MARGIN_MS = 250;

export interface SnmpOptionsSetup {
  /** Help text of -H/--host. */
  hostHelp: string;
  /** Make -H/--host a required option (commander then reports its absence as a usage error). */
  requireHost?: boolean;
}

/** Adds -H/--host and the SNMP flags, in the order `check --help` has always listed them. */
export function addSnmpOptions(command: Command, setup: SnmpOptionsSetup): Command {
  const host = new Option('-H, --host <address>', setup.hostHelp);
  if (setup.requireHost) host.makeOptionMandatory();
  return command
    .addOption(host)
    .option('-p, --port <port>', 'agent UDP port', '161')
    .addOption(
      new Option('--snmp-version <v>', 'SNMP version').choices(['1', '2c', '3']).default('2c'),
    )
    .option('-C, --community <community>', 'v1/v2c community', 'public')
    .option('-u, --user <name>', 'SNMPv3 user (level follows the keys given)')
    .addOption(
      new Option('-a, --auth-protocol <p>', 'SNMPv3 authentication')
        .choices(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'])
        .default('sha'),
    )
    .option('-A, --auth-key <key>', 'SNMPv3 authentication passphrase')
    .addOption(
      new Option('-x, --priv-protocol <p>', 'SNMPv3 privacy')
        .choices(['des', 'aes', 'aes256b', 'aes256r'])
        .default('aes'),
    )
    .option('-X, --priv-key <key>', 'SNMPv3 privacy passphrase')
    .option('--retries <n>', 'SNMP retries within the timeout', '1');
}

/**
 * The target the flags describe, or a usage message. -t is split over the SNMP attempts so that
 * the last one gives up before the deadline.
 */
export function snmpTargetOf(flags: SnmpFlags, timeoutMs: number): SnmpTarget | string {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return `--port must be 1-65535, got "${flags.port}"`;
  const retries = Number(flags.retries);
  if (!Number.isInteger(retries) || retries < 0)
    return `--retries must be 0 or more, got "${flags.retries}"`;
  const attemptMs = Math.max(100, Math.floor((timeoutMs - DEADLINE_MARGIN_MS) / (retries + 1)));
  const target: SnmpTarget = {
    host: flags.host ?? '',
    port,
    version: flags.snmpVersion,
    community: flags.community,
    timeoutMs: attemptMs,
    retries,
  };
  if (flags.snmpVersion === '3') {
    if (!flags.user) return '--snmp-version 3 needs --user';
    target.user = userOf(flags, flags.user);
  }
  return target;
}

function userOf(flags: SnmpFlags, name: string): SnmpUser {
  if (flags.privKey !== undefined) {
    return {
      name,
      level: 'authPriv',
      authProtocol: flags.authProtocol,
      authKey: flags.authKey ?? '',
      privProtocol: flags.privProtocol,
      privKey: flags.privKey,
    };
  }
  if (flags.authKey !== undefined) {
    return { name, level: 'authNoPriv', authProtocol: flags.authProtocol, authKey: flags.authKey };
  }
  return { name, level: 'noAuthNoPriv' };
}
