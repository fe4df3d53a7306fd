/**
 * `nicwatch discover --host H [snmp options]`: walk one device and print the `devices:` entry it
 * suggests for nicwatch.yaml. Not a plugin: a failure is one line on stderr and exit status 1.
 */
import type { Command } from 'commander';
import { describeError } from '../errors';
import { addSnmpOptions, snmpTargetOf, type SnmpFlags } from './snmp-options';

interface DiscoverFlags extends SnmpFlags {
  timeout: string;
}

/** SNMPv2-MIB system group objects (RFC 3418); readScalars adds the `.0` instance. */
/** A usage error, as outside `check` everywhere (program.ts EXIT_USAGE). */
const EXIT_USAGE = 2;
const EXIT_FAILED = 1;
/** How long a finished discover lets open handles close by themselves. */
const EXIT_GRACE_MS = 100;

export function addDiscoverCommand(program: Command): void {
  const command = program
    .command('discover')
    .description(
      'walk one device over SNMP and print the devices: entry it suggests for nicwatch.yaml',
    );
  addSnmpOptions(command, { hostHelp: "the device's SNMP agent", requireHost: true })
    .option('-t, --timeout <seconds>', 'give up after this many seconds', '10')
    .action(async (flags: DiscoverFlags) => {
      process.exitCode = await runDiscover(flags);
      // After a deadline an SNMP socket may still be waiting: the answer is out, so do not wait for it.
      setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
    });
}

async function runDiscover(flags: DiscoverFlags): Promise<number> {
  const timeoutS = Number(flags.timeout);
  if (!(timeoutS > 0)) {
    return fail(`-t needs a positive number of seconds, got "${flags.timeout}"`, EXIT_USAGE);
  }
  const target = snmpTargetOf(flags, timeoutS * 1000);
  if (typeof target === 'string') return fail(target, EXIT_USAGE);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`discover timed out after ${timeoutS} s`)),
      timeoutS * 1000,
    );
  });
  try {
    // Loaded here so that `check`, which Nagios starts every few minutes, does not pay for them.
    const { suggestDevice } = await import('../discover/suggest.js');
    const { readDevice } = await import('../discover/read-device.js');
    const answers = await Promise.race([readDevice(target), deadline]);
    process.stdout.write(suggestDevice(answers, target));
    return 0;
  } catch (err) {
    return fail(describeError(err), EXIT_FAILED);
  } finally {
    clearTimeout(timer);
  }
}

function fail(message: string, code: number): number {
  process.stderr.write(`nicwatch discover: ${message}\n`);
  return code;
}
