/**
 * `nicwatch check` without the daemon: read one group's text over SNMP `extend` or from a file,
 * decode it and judge it. Every failure inside nicwatch or on the way to the agent is UNKNOWN
 * with its reason; only the group's own state decides OK, WARNING or CRITICAL.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeGroupText, type TextKind } from '../bond/decode';
import { DecodeError, SnmpError, describeError } from '../errors';
import type { LegThresholds } from '../health/rules';
import { readExtend } from '../snmp/extend';
import { describeTarget, openSnmpClient, type SnmpTarget } from '../snmp/session';
import { judgeGroup, unknownResult, type CheckResult } from './nagios';

export interface GroupJudgement extends LegThresholds {
  kind?: TextKind;
  primary?: string;
  /** Which group to report when the text lists several (IPMP). */
  group?: string;
}

export interface SnmpCheck extends GroupJudgement {
  target: SnmpTarget;
  extend: string;
}

export interface FileCheck extends GroupJudgement {
  /** A path, or `-` for standard input. */
  file: string;
}

export async function checkOverSnmp(check: SnmpCheck): Promise<CheckResult> {
  const client = openSnmpClient(check.target);
  try {
    const output = await readExtend(client, check.extend);
    if (output.exitCode !== null && output.exitCode !== 0) {
      const said = output.text.trim().split('\n', 1)[0] ?? '';
      return unknownResult(
        `extend ${check.extend} on ${client.target} exited ${output.exitCode}${said ? `: ${said}` : ''}`,
      );
    }
    return judgeText(
      output.text,
      check.extend,
      check,
      `extend ${check.extend} on ${client.target}`,
    );
  } catch (err) {
    if (err instanceof SnmpError) return unknownResult(err.message);
    return unknownResult(`checking ${describeTarget(check.target)} failed: ${describeError(err)}`);
  } finally {
    client.close();
  }
}

export async function checkFile(check: FileCheck): Promise<CheckResult> {
  let text: string;
  try {
    text = check.file === '-' ? await readStdin() : await readFile(check.file, 'utf8');
  } catch (err) {
    return unknownResult(`cannot read ${check.file}: ${describeError(err)}`);
  }
  const label = check.file === '-' ? 'stdin' : basename(check.file);
  return judgeText(text, label, check, check.file === '-' ? 'standard input' : check.file);
}

function judgeText(
  text: string,
  label: string,
  options: GroupJudgement,
  source: string,
): CheckResult {
  try {
    const group = decodeGroupText(text, { kind: options.kind, group: options.group });
    return judgeGroup(group, group.name ?? label, {
      primary: options.primary,
      warningMinUp: options.warningMinUp,
      criticalMinUp: options.criticalMinUp,
    });
  } catch (err) {
    if (err instanceof DecodeError) return unknownResult(`cannot decode ${source}: ${err.message}`);
    throw err;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
