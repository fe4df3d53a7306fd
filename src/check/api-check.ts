/**
 * `nicwatch check --url`: the plugin line from the daemon's API instead of straight over SNMP,
 * so that Nagios sees the switch side (port, STP) too. UNKNOWN when the API cannot answer.
 */
import { describeError } from '../errors';
import type { GroupHealth, LegHealth, SwitchHealth } from '../health/fleet';
import { legCountStatus, type LegThresholds } from '../health/rules';
import { worstStatus } from '../health/rollup';
import type { Status } from '../model';
import { unknownResult, type CheckResult } from './nagios';

export interface ApiCheck extends LegThresholds {
  url: string;
  device: string;
  group?: string;
  token?: string;
  timeoutMs: number;
}

/** Reasons whose status the operator's -w/-c thresholds decide. */
const COUNT_REASONS = new Set(['leg-down', 'no-legs-up']);

export async function checkViaApi(check: ApiCheck): Promise<CheckResult> {
  const base = check.url.replace(/\/+$/, '');
  const path =
    check.group === undefined
      ? `/api/v1/health/${encodeURIComponent(check.device)}`
      : `/api/v1/health/${encodeURIComponent(check.device)}/${encodeURIComponent(check.group)}`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: check.token ? { authorization: `Bearer ${check.token}` } : {},
      signal: AbortSignal.timeout(check.timeoutMs),
    });
  } catch (err) {
    return unknownResult(`nicwatch API at ${base} did not answer: ${causeOf(err)}`);
  }
  const body = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) return unknownResult(apiError(base, response.status, body));
  if (check.group !== undefined) return judgeApiGroup(body as GroupHealth, check);
  const groups = (body as { groups?: GroupHealth[] }).groups ?? [];
  const sw = (body as { switch?: SwitchHealth }).switch;
  if (groups.length === 0 && sw) return judgeApiSwitch(sw);
  if (groups.length === 0)
    return unknownResult(`${check.device} has no groups in the nicwatch configuration`);
  if (groups.length === 1 && groups[0]) return judgeApiGroup(groups[0], check);
  return judgeApiDevice(check.device, groups, check);
}

/** A switch: reachable or not (with the reason), upstream, and how many ports are up. */
export function judgeApiSwitch(sw: SwitchHealth): CheckResult {
  const up = sw.ports.filter((port) => port.up === true).length;
  // a daemon from before switch reasons sends none
  const reasons = (sw as Partial<SwitchHealth>).reasons ?? [];
  const said = reasons.map((r) => `${r.message} [${r.code}]`).join(' / ');
  return {
    status: sw.status,
    summary: `${sw.device} (switch): ${said || `reachable, ${up} of ${sw.ports.length} ports up`}`,
    perfdata: [`ports_up=${up};;;0;${sw.ports.length}`],
    details: [],
  };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if ((err as Error).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? describeError(err);
}

function apiError(base: string, status: number, body: unknown): string {
  const message = (body as { error?: { message?: string } } | null)?.error?.message;
  if (status === 401)
    return `nicwatch API at ${base} needs a token (--token or NICWATCH_API_TOKEN)`;
  return `nicwatch API at ${base} answered ${status}${message ? `: ${message}` : ''}`;
}

/** One group from the API, with the operator's thresholds applied to the leg count. */
export function judgeApiGroup(group: GroupHealth, thresholds: LegThresholds): CheckResult {
  const status = statusWithThresholds(group, thresholds);
  const shown = group.reasons.filter((r) => r.status !== 'OK');
  const text = (shown.length > 0 ? shown : group.reasons)
    .map((r) => `${r.message} [${r.code}]`)
    .join(' / ');
  const warning = thresholds.warningMinUp ?? group.legsTotal;
  const critical = thresholds.criticalMinUp ?? 1;
  return {
    status,
    summary:
      `${group.device} ${group.group} (${group.kind ?? 'unknown'} ${group.mode ?? ''}): ${text}`.replace(
        ' )',
        ')',
      ),
    perfdata: [
      `legs_up=${group.legsUp};${warning}:;${critical}:;0;${group.legsTotal}`,
      `failovers=${group.failovers}c`,
    ],
    details: group.legs.map(describeApiLeg),
  };
}

function statusWithThresholds(group: GroupHealth, thresholds: LegThresholds): Status {
  if (thresholds.warningMinUp === undefined && thresholds.criticalMinUp === undefined)
    return group.status;
  if (group.status === 'UNKNOWN') return 'UNKNOWN';
  const others = group.reasons.filter((r) => !COUNT_REASONS.has(r.code)).map((r) => r.status);
  return worstStatus([...others, legCountStatus(group.legsUp, group.legsTotal, thresholds)]);
}

function judgeApiDevice(
  device: string,
  groups: GroupHealth[],
  thresholds: LegThresholds,
): CheckResult {
  const results = groups.map((group) => judgeApiGroup(group, thresholds));
  const status = worstStatus(results.map((r) => r.status));
  return {
    status,
    summary: `${device}: ${groups.map((g, i) => `${g.group} ${results[i]?.status ?? 'UNKNOWN'}`).join(', ')}`,
    perfdata: groups.map((g) => `${g.group}_legs_up=${g.legsUp};;;0;${g.legsTotal}`),
    details: results.map((r) => r.summary),
  };
}

function describeApiLeg(leg: LegHealth): string {
  const parts = [leg.up ? 'up' : 'down'];
  if (leg.active) parts.push('active');
  if (leg.switch) {
    const port = [leg.switch, leg.port ?? '?'].join(' ');
    const state = [
      leg.portUp === null ? 'unknown' : leg.portUp ? 'up' : 'down',
      leg.stpState ?? '',
      leg.edge === true ? 'edge' : leg.edge === false ? 'not edge' : '',
    ].filter(Boolean);
    parts.push(`on ${port} (${state.join(', ')})`);
  }
  return `${leg.interface}: ${parts.join(', ')}`;
}
