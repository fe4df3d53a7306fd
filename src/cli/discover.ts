/**
 * `nicwatch discover --host H [snmp options]`: walk one device and print the `devices:` entry it
 * suggests for nicwatch.yaml. Not a plugin: a failure is one line on stderr and exit status 1.
 */
import type { Command } from 'commander';
import type { DeviceAnswers } from '../discover/suggest';
import { describeError } from '../errors';
import type { ExtendOutput } from '../snmp/extend';
import type { SnmpClient, SnmpTarget } from '../snmp/session';
import { addSnmpOptions, snmpTargetOf, type SnmpFlags } from './snmp-options';

interface DiscoverFlags extends SnmpFlags {
  timeout: string;
}

/** SNMPv2-MIB system group objects (RFC 3418); readScalars adds the `.0` instance. */
const SYS_DESCR = '1.3.6.1.2.1.1.1';
const SYS_NAME = '1.3.6.1.2.1.1.5';
const EXTEND_FORMAT = 'NET-SNMP-EXTEND-MIB';
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

/** One walk of the device: system group first (it tells an unreachable agent), then the rest. */
async function readDevice(target: SnmpTarget): Promise<DeviceAnswers> {
  const { openSnmpClient } = await import('../snmp/session.js');
  const { readScalars } = await import('../snmp/scalars.js');
  const { pollSwitch } = await import('../poll/switch-poller.js');
  const { examineExtends } = await import('../discover/suggest.js');
  const client = openSnmpClient(target);
  try {
    const system = await readScalars(client, [SYS_DESCR, SYS_NAME]);
    const [snapshot, outputs] = await Promise.all([pollSwitch(client), readExtends(client)]);
    const text = (object: string): string | null => {
      const found = system.find((vb) => vb.oid === `${object}.0` || vb.oid === object);
      return Buffer.isBuffer(found?.value) ? found.value.toString('utf8') : null;
    };
    return {
      address: target.host,
      sysName: text(SYS_NAME),
      sysDescr: text(SYS_DESCR),
      interfaces: snapshot.interfaces,
      switch: snapshot,
      extends: examineExtends(outputs),
    };
  } finally {
    client.close();
  }
}

/**
 * Every extend the agent serves: nsExtendOutputFull and nsExtendResult walked, each row's index
 * (the extend's name as an SMI string: its length, then one sub-identifier per byte) read back.
 */
async function readExtends(client: SnmpClient): Promise<ExtendOutput[]> {
  const { NS_EXTEND_OUTPUT_FULL, NS_EXTEND_RESULT } = await import('../snmp/oids.js');
  const { columnCells, textValue } = await import('../snmp/table.js');
  const [outputs, results] = await Promise.all([
    client.walk(NS_EXTEND_OUTPUT_FULL),
    client.walk(NS_EXTEND_RESULT),
  ]);
  const codes = columnCells(results, NS_EXTEND_RESULT, EXTEND_FORMAT);
  return [...columnCells(outputs, NS_EXTEND_OUTPUT_FULL, EXTEND_FORMAT).values()].flatMap(
    (cell) => {
      const name = extendName(cell.index);
      if (name === null) return [];
      const code = codes.get(cell.index)?.value;
      return [
        {
          name,
          text: textValue(cell, EXTEND_FORMAT),
          exitCode: typeof code === 'number' ? code : null,
        },
      ];
    },
  );
}

/** `5.98.111.110.100.48` → `bond0`; null for an index that is not a string index. */
function extendName(index: string): string | null {
  const [length, ...bytes] = index.split('.').map(Number);
  const isByte = (b: number): boolean => Number.isInteger(b) && b >= 0 && b <= 255;
  if (length !== bytes.length || !bytes.every(isByte)) return null;
  return Buffer.from(bytes).toString('utf8');
}
