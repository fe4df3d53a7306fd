/**
 * Health rules of contract section 5 that need only the server's own view of its group.
 * Each rule reads the decoded group (and what the operator configured) and returns the reasons
 * it finds; `evaluateServerRules` runs them all. Pure: no I/O, no clock.
 *
 * A redundancy that exists only on paper (one member left, an aggregate never negotiated, a bond
 * that cannot detect a failure) is a WARNING even while traffic flows: the next failure is an
 * outage.
 */
import type { Leg, Reason, RedundancyGroup, Status } from '../model';

export interface LegThresholds {
  /** WARNING when fewer legs are up. @defaultValue every leg of the group */
  warningMinUp?: number;
  /** CRITICAL when fewer legs are up. @defaultValue 1 (CRITICAL only when none is up) */
  criticalMinUp?: number;
}

export interface ServerRuleOptions extends LegThresholds {
  /** The leg the operator wants active; overrides the group's own primary. */
  primary?: string;
  /** Leg interfaces the operator configured; one missing from the group counts as down. */
  configuredLegs?: readonly string[];
}

/** A leg as the rules see it: the decoded leg, or a configured one the group does not list. */
interface RuleLeg {
  name: string;
  up: boolean;
  leg: Leg | null;
}

interface RuleInput {
  group: RedundancyGroup;
  legs: RuleLeg[];
  options: ServerRuleOptions;
}

type Rule = (input: RuleInput) => Reason[];

const RULES: Rule[] = [
  legCountRule,
  activeLegRule,
  singleLegRule,
  lacpRule,
  linkMonitoringRule,
  primaryRule,
];

export function evaluateServerRules(
  group: RedundancyGroup,
  options: ServerRuleOptions = {},
): Reason[] {
  const input: RuleInput = { group, legs: ruleLegs(group, options), options };
  const reasons = RULES.flatMap((rule) => rule(input));
  if (reasons.length === 0) reasons.push(reason('all-legs-up', 'OK', allUpMessage(input)));
  return reasons;
}

function ruleLegs(group: RedundancyGroup, options: ServerRuleOptions): RuleLeg[] {
  const legs: RuleLeg[] = group.legs.map((leg) => ({ name: leg.interface, up: leg.up, leg }));
  for (const name of options.configuredLegs ?? []) {
    if (!legs.some((leg) => leg.name === name)) legs.push({ name, up: false, leg: null });
  }
  return legs;
}

function reason(code: Reason['code'], status: Status, message: string): Reason {
  return { code, status, message };
}

function groupName(group: RedundancyGroup): string {
  return group.name ?? `the ${group.kind}`;
}

function describeDown(legs: RuleLeg[]): string {
  return legs
    .map((leg) => (leg.leg ? `${leg.name} ${leg.leg.state ?? 'down'}` : `${leg.name} missing`))
    .join(', ');
}

/** `leg-down` / `no-legs-up`, with the operator's -w/-c thresholds deciding the status. */
function legCountRule({ group, legs, options }: RuleInput): Reason[] {
  const total = legs.length;
  const up = legs.filter((leg) => leg.up).length;
  const down = legs.filter((leg) => !leg.up);
  const status = legCountStatus(up, total, options);
  if (total === 0) return [reason('no-legs-up', 'CRITICAL', `${groupName(group)} has no legs`)];
  if (up === 0) {
    return [reason('no-legs-up', status, `no leg is up: ${describeDown(down)}`)];
  }
  if (down.length > 0) {
    return [
      reason('leg-down', status, `${down.length} of ${total} legs down: ${describeDown(down)}`),
    ];
  }
  if (status !== 'OK') {
    return [reason('leg-down', status, `only ${up} legs up, threshold ${thresholdText(options)}`)];
  }
  return [];
}

export function legCountStatus(up: number, total: number, thresholds: LegThresholds): Status {
  const critical = thresholds.criticalMinUp ?? 1;
  const warning = thresholds.warningMinUp ?? total;
  if (up < critical) return 'CRITICAL';
  if (up < warning) return 'WARNING';
  return 'OK';
}

function thresholdText(options: LegThresholds): string {
  return `-w ${options.warningMinUp ?? 'all'} -c ${options.criticalMinUp ?? 1}`;
}

/**
 * `active-leg-down`: the group still sends through a leg that is down while another could carry
 * the traffic, or names no active leg at all although one is up. Failover did not happen.
 */
function activeLegRule({ group, legs }: RuleInput): Reason[] {
  if (group.policy !== 'failover' && group.activeLeg === null) return [];
  const usable = legs.filter((leg) => leg.up).map((leg) => leg.name);
  if (usable.length === 0) return [];
  const active = legs.find((leg) => leg.name === group.activeLeg);
  if (group.activeLeg === null) {
    return [
      reason('active-leg-down', 'CRITICAL', `no active leg although ${usable.join(', ')} is up`),
    ];
  }
  if (active && !active.up) {
    const state = active.leg?.state ?? 'down';
    const message = `active leg ${active.name} is ${state} while ${usable.join(', ')} is up: failover did not happen`;
    return [reason('active-leg-down', 'CRITICAL', message)];
  }
  return [];
}

/** `single-leg`: nothing to fail over to, configured or reported. */
function singleLegRule({ group, legs, options }: RuleInput): Reason[] {
  const configured = options.configuredLegs?.length;
  if (legs.length !== 1 && configured !== 1) return [];
  const only = legs[0]?.name ?? options.configuredLegs?.[0] ?? '?';
  return [
    reason(
      'single-leg',
      'WARNING',
      `${groupName(group)} has a single leg (${only}): nothing to fail over to`,
    ),
  ];
}

const ZERO_MAC = /^0{1,2}(:0{1,2}){5}$/;

/** `lacp-not-negotiated`: an up 802.3ad member without a partner or outside the active aggregator. */
function lacpRule({ group }: RuleInput): Reason[] {
  if (group.policy !== 'aggregate') return [];
  const activeAgg = group.lacp?.activeAggregatorId ?? null;
  const problems: string[] = [];
  for (const leg of group.legs) {
    if (!leg.up || !leg.lacp) continue;
    if (leg.lacp.partnerMac !== null && ZERO_MAC.test(leg.lacp.partnerMac)) {
      problems.push(`${leg.interface} has no LACP partner`);
    } else if (
      activeAgg !== null &&
      leg.lacp.aggregatorId !== null &&
      leg.lacp.aggregatorId !== activeAgg
    ) {
      problems.push(
        `${leg.interface} is in aggregator ${leg.lacp.aggregatorId}, not the active ${activeAgg}`,
      );
    }
  }
  const groupPartner = group.lacp?.partnerMac ?? null;
  if (problems.length === 0 && groupPartner !== null && ZERO_MAC.test(groupPartner)) {
    problems.push('the active aggregator has no LACP partner');
  }
  if (problems.length === 0) return [];
  return [reason('lacp-not-negotiated', 'WARNING', problems.join(', '))];
}

/** `no-link-monitoring`: an active-backup bond with neither MII nor ARP monitoring never fails over. */
function linkMonitoringRule({ group }: RuleInput): Reason[] {
  if (group.policy !== 'failover' || group.monitoring.detection !== 'none') return [];
  if (group.kind === 'linux-bond' && group.monitoring.miiIntervalMs === null) return [];
  return [
    reason(
      'no-link-monitoring',
      'WARNING',
      `${groupName(group)} has neither MII nor ARP monitoring: it can never fail over`,
    ),
  ];
}

/** `non-primary-active`: the primary leg is back up but the group did not fail back to it. */
function primaryRule({ group, legs, options }: RuleInput): Reason[] {
  const primary = options.primary ?? group.primary;
  if (!primary || group.activeLeg === null || group.activeLeg === primary) return [];
  const leg = legs.find((candidate) => candidate.name === primary);
  if (!leg?.up) return [];
  const why =
    group.primaryReselect && group.primaryReselect !== 'always'
      ? ` (primary_reselect ${group.primaryReselect} keeps it there)`
      : '';
  return [
    reason(
      'non-primary-active',
      'WARNING',
      `primary ${primary} is up but ${group.activeLeg} is active${why}`,
    ),
  ];
}

function allUpMessage({ group, legs }: RuleInput): string {
  const active = group.activeLeg ? `, active ${group.activeLeg}` : '';
  return `${legs.length} of ${legs.length} legs up${active}`;
}
