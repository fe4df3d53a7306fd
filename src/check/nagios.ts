/**
 * A group's health as a Nagios/Icinga plugin reports it (Nagios Plugin Development Guidelines):
 * one line `NICWATCH <STATUS> - <summary> | <perfdata>`, then long-output lines, one per leg.
 * Pure: the caller prints and exits.
 */
import { statusOfReasons } from '../health/rollup';
import { evaluateServerRules, type ServerRuleOptions } from '../health/rules';
import { STATUS_CODE, type Leg, type Reason, type RedundancyGroup, type Status } from '../model';

export interface CheckResult {
  status: Status;
  summary: string;
  perfdata: string[];
  details: string[];
}

export function unknownResult(message: string): CheckResult {
  return { status: 'UNKNOWN', summary: message, perfdata: [], details: [] };
}

export function exitCodeOf(result: CheckResult): number {
  return STATUS_CODE[result.status];
}

/** The plugin's whole output, ending in a newline. */
export function formatNagios(result: CheckResult): string {
  const perf = result.perfdata.length > 0 ? ` | ${result.perfdata.join(' ')}` : '';
  const lines = [`NICWATCH ${result.status} - ${clean(result.summary)}${perf}`];
  lines.push(...result.details.map(clean));
  return `${lines.join('\n')}\n`;
}

/**
 * Nagios reads everything after `|` as perfdata and turns `;` into `:` in plugin output, so
 * neither may appear in text we write.
 */
function clean(text: string): string {
  return text
    .replace(/\|/g, '/')
    .replace(/;/g, ',')
    .replace(/[\r\n]+/g, ' ');
}

const SEVERITY_ORDER: Status[] = ['CRITICAL', 'WARNING', 'UNKNOWN', 'OK'];

export function judgeGroup(
  group: RedundancyGroup,
  label: string,
  options: ServerRuleOptions = {},
): CheckResult {
  const reasons = evaluateServerRules(group, options);
  const status = statusOfReasons(reasons);
  return {
    status,
    summary: `${label} (${group.kind} ${group.mode}): ${summarise(reasons)}`,
    perfdata: perfdataOf(group, options),
    details: [...group.legs.map(describeLeg), describeMonitoring(group)],
  };
}

function summarise(reasons: Reason[]): string {
  const shown = reasons.filter((reason) => reason.status !== 'OK');
  const ordered = (shown.length > 0 ? shown : reasons)
    .slice()
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.status) - SEVERITY_ORDER.indexOf(b.status));
  return ordered.map((reason) => `${reason.message} [${reason.code}]`).join(' / ');
}

/** `legs_up=<n>;<w>;<c>;0;<total>` with Nagios ranges: `2:` alerts below 2. */
function perfdataOf(group: RedundancyGroup, options: ServerRuleOptions): string[] {
  const total = Math.max(group.legs.length, options.configuredLegs?.length ?? 0);
  const up = group.legs.filter((leg) => leg.up).length;
  const warning = options.warningMinUp ?? total;
  const critical = options.criticalMinUp ?? 1;
  const perf = [`legs_up=${up};${warning}:;${critical}:;0;${total}`];
  const failures = group.legs.map((leg) => leg.linkFailures);
  if (failures.length > 0 && failures.every((n) => n !== null)) {
    perf.push(`link_failures=${failures.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)}c`);
  }
  return perf;
}

function describeLeg(leg: Leg): string {
  const parts: string[] = [
    leg.state && leg.state !== (leg.up ? 'up' : 'down') ? leg.state : leg.up ? 'up' : 'down',
  ];
  if (leg.active) parts.push('active');
  if (leg.standby) parts.push('standby');
  if (leg.speedMbps !== null)
    parts.push(`${leg.speedMbps} Mbps${leg.duplex ? ` ${leg.duplex}` : ''}`);
  if (leg.linkFailures !== null) parts.push(`${leg.linkFailures} link failures`);
  if (leg.lacp) {
    if (leg.lacp.aggregatorId !== null) parts.push(`aggregator ${leg.lacp.aggregatorId}`);
    if (leg.lacp.partnerMac !== null) parts.push(`partner ${leg.lacp.partnerMac}`);
  }
  return `${leg.interface}: ${parts.join(', ')}`;
}

function describeMonitoring(group: RedundancyGroup): string {
  const mon = group.monitoring;
  const parts: string[] = [`failure detection ${mon.detection}`];
  if (mon.miiIntervalMs) parts.push(`MII every ${mon.miiIntervalMs} ms`);
  if (mon.arpIntervalMs)
    parts.push(`ARP every ${mon.arpIntervalMs} ms to ${mon.arpTargets.join(' ') || 'no target'}`);
  if (mon.probeFailureDetectionMs)
    parts.push(`probe failure detection ${mon.probeFailureDetectionMs} ms`);
  if (group.primary) parts.push(`primary ${group.primary}`);
  return `monitoring: ${parts.join(', ')}`;
}
