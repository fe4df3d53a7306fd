/**
 * `nicwatch check`: the Nagios/Icinga plugin. Whatever happens, it prints one plugin line and
 * exits 0–3 before its -t deadline.
 */
import { Command, Option } from 'commander';
import { checkViaApi } from '../check/api-check';
import { checkFile, checkOverSnmp, type GroupJudgement } from '../check/standalone';
import { exitCodeOf, formatNagios, unknownResult, type CheckResult } from '../check/nagios';
import { describeError } from '../errors';
import { addSnmpOptions, DEADLINE_MARGIN_MS, snmpTargetOf, type SnmpFlags } from './snmp-options';

interface CheckFlags extends SnmpFlags {
  url?: string;
  device?: string;
  token?: string;
  group?: string;
  extend?: string;
  kind?: GroupJudgement['kind'];
  primary?: string;
  file?: string;
  timeout: string;
  warning?: string;
  critical?: string;
}

/** How long a finished check lets open handles close by themselves. */
const EXIT_GRACE_MS = 100;

export function addCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description(
      'Nagios/Icinga plugin: judge one NIC redundancy group (over SNMP, from a file, or via the daemon)',
    )
    .option('--url <url>', 'the nicwatch API, e.g. http://HOST:8080 (with --device)')
    .option('--device <name>', 'device name in the daemon (with --url)')
    .option('--token <token>', 'API bearer token (with --url; default: $NICWATCH_API_TOKEN)')
    .option(
      '--group <name>',
      'group name: in the daemon, or which IPMP group of several to report',
    );
  addSnmpOptions(command, { hostHelp: "the server's SNMP agent" })
    .option('-e, --extend <name>', 'NET-SNMP-EXTEND-MIB extend that prints the group state')
    .addOption(
      new Option('-k, --kind <kind>', 'text format; recognised when left out').choices([
        'linux-bond',
        'linux-team',
        'ipmp',
      ]),
    )
    .option('-P, --primary <leg>', 'the leg that should be active when healthy')
    .option('-f, --file <path>', 'read the group state from a file (- for stdin), no SNMP')
    .option('-t, --timeout <seconds>', 'give up with UNKNOWN after this many seconds', '10')
    .option('-w, --warning <n>', 'WARNING when fewer legs are up (default: all legs)')
    .option('-c, --critical <n>', 'CRITICAL when fewer legs are up (default: 1)')
    .action(async (flags: CheckFlags) => {
      const result = await runWithDeadline(flags);
      process.stdout.write(formatNagios(result));
      process.exitCode = exitCodeOf(result);
      // After a deadline an SNMP socket may still be waiting: the answer is out, so do not wait for it.
      setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
    });
}

async function runWithDeadline(flags: CheckFlags): Promise<CheckResult> {
  const timeoutS = Number(flags.timeout);
  if (!(timeoutS > 0))
    return unknownResult(`usage: -t needs a positive number of seconds, got "${flags.timeout}"`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve(unknownResult(`timed out after ${timeoutS} s`)),
      timeoutS * 1000,
    );
  });
  try {
    return await Promise.race([runCheck(flags, timeoutS * 1000), deadline]);
  } catch (err) {
    return unknownResult(`check failed: ${describeError(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheck(flags: CheckFlags, timeoutMs: number): Promise<CheckResult> {
  const judgement = judgementOf(flags);
  if (typeof judgement === 'string') return unknownResult(`usage: ${judgement}`);
  const modes = [flags.url, flags.host, flags.file].filter((mode) => mode !== undefined).length;
  if (modes !== 1) return unknownResult('usage: give exactly one of --host, --file or --url');
  if (flags.file !== undefined) return checkFile({ ...judgement, file: flags.file });
  if (flags.url !== undefined) {
    if (!flags.device) return unknownResult('usage: --url needs --device NAME');
    const token = flags.token ?? process.env.NICWATCH_API_TOKEN;
    return checkViaApi({
      ...judgement,
      url: flags.url,
      device: flags.device,
      group: flags.group,
      token,
      timeoutMs: timeoutMs - DEADLINE_MARGIN_MS,
    });
  }
  if (!flags.extend) return unknownResult('usage: --host needs --extend NAME');
  const target = snmpTargetOf(flags, timeoutMs);
  if (typeof target === 'string') return unknownResult(`usage: ${target}`);
  return checkOverSnmp({ ...judgement, target, extend: flags.extend });
}

function judgementOf(flags: CheckFlags): GroupJudgement | string {
  const warning = optionalCount(flags.warning, '-w');
  const critical = optionalCount(flags.critical, '-c');
  if (typeof warning === 'string') return warning;
  if (typeof critical === 'string') return critical;
  return {
    kind: flags.kind,
    primary: flags.primary,
    group: flags.group,
    warningMinUp: warning,
    criticalMinUp: critical,
  };
}

function optionalCount(value: string | undefined, flag: string): number | undefined | string {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) return `${flag} needs a number of legs, got "${value}"`;
  return Number(value);
}
