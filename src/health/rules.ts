/**
 * Health rules of contract section 5 that need only the server's own view of its group.
 * Each rule reads the decoded group (and what the operator configured) and returns the reasons
 * it finds; `evaluateServerRules` runs them all. Pure: no I/O, no clock.
 *
 * A redundancy that exists only on paper (one member left, an aggregate never negotiated, a bond
 * that cannot detect a failure) is a WARNING even while traffic flows: the next failure is an
 * outage.
 */
import type { Reason, RedundancyGroup, Status } from '../model';
import {
  UNKNOWN_LINK,
  carriesTraffic,
  describeDown,
  groupName,
  isDown,
  reason,
  type LegLink,
  type RuleLeg,
} from './legs';
import { switchRules } from './switch-rules';

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
  /** The switch side of each leg, by interface name; absent legs are unknown there. */
  links?: Readonly<Record<string, LegLink>>;
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
  ({ legs }) => switchRules(legs),
];

/**
 * Every reason of contract section 5 the group's own state and its legs' switch ports give
 * (`stale` and `device-unreachable` are decided by whoever knows how old the data is).
 */
export function evaluateServerRules(
  group: RedundancyGroup,
  options: ServerRuleOptions = {},
): Reason[] {
  const input: RuleInput = { group, legs: joinLegs(group, options), options };
  const reasons = RULES.flatMap((rule) => rule(input));
  if (reasons.length === 0) reasons.push(reason('all-legs-up', 'OK', allUpMessage(input)));
  return reasons;
}

/** The group's legs, plus configured legs it does not list, each with its switch side. */
export function joinLegs(group: RedundancyGroup, options: ServerRuleOptions = {}): RuleLeg[] {
  const linkOf = (name: string): LegLink => options.links?.[name] ?? UNKNOWN_LINK;
  const legs: RuleLeg[] = group.legs.map((leg) => ({
    ...linkOf(leg.interface),
    name: leg.interface,
    up: leg.up,
    active: leg.active,
    leg,
  }));
  for (const name of options.configuredLegs ?? []) {
    if (!legs.some((leg) => leg.name === name)) {
      legs.push({ ...linkOf(name), name, up: false, active: false, leg: null });
    }
  }
  return legs;
}

/** `leg-down` / `no-legs-up`, with the operator's -w/-c thresholds deciding the status. */
function legCountRule({ group, legs, options }: RuleInput): Reason[] {
  const total = legs.length;
  const carrying = legs.filter(carriesTraffic).length;
  const down = legs.filter(isDown);
  const status = legCountStatus(carrying, total, options);
  if (total === 0) return [reason('no-legs-up', 'CRITICAL', `${groupName(group)} has no legs`)];
  if (carrying === 0) {
    const why = down.length > 0 ? describeDown(down) : 'no leg is forwarding';
    return [reason('no-legs-up', status, `no leg can carry traffic: ${why}`)];
  }
  if (down.length > 0) {
    return [
      reason('leg-down', status, `${down.length} of ${total} legs down: ${describeDown(down)}`),
    ];
  }
  // A shortfall from legs that are up but not forwarding is stp-not-forwarding's to report.
  const stuck = legs.some((leg) => !isDown(leg) && !carriesTraffic(leg));
  if (status !== 'OK' && !stuck) {
    return [
      reason('leg-down', status, `only ${carrying} legs up, threshold ${thresholdText(options)}`),
    ];
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
  const usable = legs.filter(carriesTraffic).map((leg) => leg.name);
  if (usable.length === 0) return [];
  const active = legs.find((leg) => leg.name === group.activeLeg);
  if (group.activeLeg === null) {
    return [
      reason('active-leg-down', 'CRITICAL', `no active leg although ${usable.join(', ')} is up`),
    ];
  }
  if (active && !carriesTraffic(active)) {
    const message = `active leg ${active.name} is ${stateOf(active)} while ${usable.join(', ')} is up: failover did not happen`;
    return [reason('active-leg-down', 'CRITICAL', message)];
  }
  return [];
}

function stateOf(leg: RuleLeg): string {
  if (!leg.up) return leg.leg?.state ?? 'down';
  if (leg.portUp === false)
    return `up but ${leg.switch ?? 'its switch'} ${leg.port ?? 'port'} is down`;
  return `up but ${leg.switch ?? 'its switch'} ${leg.port ?? 'port'} is ${leg.stpState ?? 'not forwarding'}`;
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
  if (!leg || !carriesTraffic(leg)) return [];
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
