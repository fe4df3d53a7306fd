import { describe, expect, it } from 'vitest';
import { statusOfReasons, worstStatus } from '../../src/health/rollup';
import { evaluateServerRules, type ServerRuleOptions } from '../../src/health/rules';
import {
  newLeg,
  newMonitoring,
  type Leg,
  type RedundancyGroup,
  type Status,
} from '../../src/model';

/** `eth0+` up, `eth1-` down, `*` marks the active leg, `@N` the LACP aggregator, `!` no partner. */
function legsOf(spec: string): Leg[] {
  return spec
    .split(' ')
    .filter(Boolean)
    .map((token) => {
      const m = /^(\w+)([+-])(\*?)(?:@(\d+))?(!?)$/.exec(token);
      if (!m) throw new Error(`bad leg spec ${token}`);
      const leg = newLeg(m[1] ?? '');
      leg.up = m[2] === '+';
      leg.state = leg.up ? 'up' : 'down';
      leg.active = m[3] === '*';
      if (m[4] !== undefined) {
        leg.lacp = {
          aggregatorId: Number(m[4]),
          partnerMac: m[5] === '!' ? '00:00:00:00:00:00' : '02:00:00:00:00:99',
          partnerKey: null,
          actorKey: null,
          actorState: null,
          partnerState: null,
        };
      }
      return leg;
    });
}

function bond(legSpec: string, over: Partial<RedundancyGroup> = {}): RedundancyGroup {
  const legs = legsOf(legSpec);
  return {
    kind: 'linux-bond',
    name: 'bond0',
    mode: 'active-backup',
    policy: 'failover',
    activeLeg: legs.find((leg) => leg.active)?.interface ?? null,
    legs,
    monitoring: { ...newMonitoring(), detection: 'link', miiIntervalMs: 100 },
    primary: null,
    primaryReselect: null,
    failOverMac: 'none',
    lacp: null,
    driverVersion: null,
    ...over,
  };
}

const lacpBond = (legSpec: string, activeAggregatorId = 1): RedundancyGroup =>
  bond(legSpec, {
    mode: '802.3ad',
    policy: 'aggregate',
    activeLeg: null,
    lacp: { activeAggregatorId, partnerMac: '02:00:00:00:00:99', rate: 'slow' },
  });

const cases: Array<{
  name: string;
  group: RedundancyGroup;
  options?: ServerRuleOptions;
  status: Status;
  codes: string[];
  message?: RegExp;
}> = [
  {
    name: 'all legs up',
    group: bond('eth0+* eth1+'),
    status: 'OK',
    codes: ['all-legs-up'],
    message: /2 of 2 legs up, active eth0/,
  },
  {
    name: 'backup leg down',
    group: bond('eth0+* eth1-'),
    status: 'WARNING',
    codes: ['leg-down'],
    message: /1 of 2 legs down: eth1 down/,
  },
  {
    name: 'every leg down',
    group: bond('eth0- eth1-', { activeLeg: null }),
    status: 'CRITICAL',
    codes: ['no-legs-up'],
  },
  {
    name: 'no legs at all',
    group: bond(''),
    status: 'CRITICAL',
    codes: ['no-legs-up'],
    message: /bond0 has no legs/,
  },
  {
    name: 'active leg down while the other is up',
    group: bond('eth0-* eth1+'),
    status: 'CRITICAL',
    codes: ['leg-down', 'active-leg-down'],
    message: /active leg eth0 is down while eth1 is up/,
  },
  {
    name: 'no active leg although one is up',
    group: bond('eth0- eth1+', { activeLeg: null }),
    status: 'CRITICAL',
    codes: ['leg-down', 'active-leg-down'],
  },
  { name: 'single leg', group: bond('eth0+*'), status: 'WARNING', codes: ['single-leg'] },
  {
    name: 'single configured leg',
    group: bond('eth0+* eth1+'),
    options: { configuredLegs: ['eth0'] },
    status: 'WARNING',
    codes: ['single-leg'],
  },
  {
    name: 'configured leg missing from the bond',
    group: bond('eth0+*'),
    options: { configuredLegs: ['eth0', 'eth1'] },
    status: 'WARNING',
    codes: ['leg-down'],
    message: /eth1 missing/,
  },
  { name: 'LACP negotiated', group: lacpBond('a+*@1 b+*@1'), status: 'OK', codes: ['all-legs-up'] },
  {
    name: 'LACP member without partner',
    group: lacpBond('a+*@1! b+*@1'),
    status: 'WARNING',
    codes: ['lacp-not-negotiated'],
    message: /a has no LACP partner/,
  },
  {
    name: 'LACP member outside the active aggregator',
    group: lacpBond('a+*@1 b+@2'),
    status: 'WARNING',
    codes: ['lacp-not-negotiated'],
    message: /b is in aggregator 2, not the active 1/,
  },
  {
    name: 'LACP: a down member does not count as unnegotiated',
    group: lacpBond('a+*@1 b-@2!'),
    status: 'WARNING',
    codes: ['leg-down'],
  },
  {
    name: 'no link monitoring on active-backup',
    group: bond('eth0+* eth1+', {
      monitoring: { ...newMonitoring(), detection: 'none', miiIntervalMs: 0 },
    }),
    status: 'WARNING',
    codes: ['no-link-monitoring'],
  },
  {
    name: 'no link monitoring on balance-rr is not judged by this rule',
    group: bond('eth0+* eth1+*', {
      mode: 'balance-rr',
      policy: 'load-share',
      activeLeg: null,
      monitoring: { ...newMonitoring(), detection: 'none', miiIntervalMs: 0 },
    }),
    status: 'OK',
    codes: ['all-legs-up'],
  },
  {
    name: 'ARP monitoring only is monitoring',
    group: bond('eth0+* eth1+', {
      monitoring: {
        ...newMonitoring(),
        detection: 'probe',
        miiIntervalMs: 0,
        arpIntervalMs: 1000,
        arpTargets: ['198.18.0.1'],
      },
    }),
    status: 'OK',
    codes: ['all-legs-up'],
  },
  {
    name: "bond's own primary up but not active",
    group: bond('eth0+ eth1+*', { primary: 'eth0', primaryReselect: 'always' }),
    status: 'WARNING',
    codes: ['non-primary-active'],
    message: /primary eth0 is up but eth1 is active$/,
  },
  {
    name: 'configured primary overrides the bond',
    group: bond('eth0+ eth1+*', { primary: 'eth1' }),
    options: { primary: 'eth0' },
    status: 'WARNING',
    codes: ['non-primary-active'],
  },
  {
    name: 'primary down: another active leg is right',
    group: bond('eth0- eth1+*', { primary: 'eth0' }),
    status: 'WARNING',
    codes: ['leg-down'],
  },
  {
    name: 'primary_reselect failure is named',
    group: bond('eth0+ eth1+*', { primary: 'eth0', primaryReselect: 'failure' }),
    status: 'WARNING',
    codes: ['non-primary-active'],
    message: /primary_reselect failure keeps it there/,
  },
  {
    name: 'threshold -w 1 accepts one leg',
    group: bond('eth0+* eth1-'),
    options: { warningMinUp: 1 },
    status: 'OK',
    codes: ['leg-down'],
  },
  {
    name: 'threshold -c 2 makes one leg critical',
    group: bond('eth0+* eth1-'),
    options: { criticalMinUp: 2 },
    status: 'CRITICAL',
    codes: ['leg-down'],
  },
  {
    name: 'threshold -w 3 on two healthy legs',
    group: bond('eth0+* eth1+'),
    options: { warningMinUp: 3 },
    status: 'WARNING',
    codes: ['leg-down'],
    message: /only 2 legs up/,
  },
];

describe('evaluateServerRules', () => {
  it.each(cases)('$name', ({ group, options, status, codes, message }) => {
    const reasons = evaluateServerRules(group, options);
    expect(
      reasons.map((r) => r.code),
      'reason codes',
    ).toEqual(codes);
    expect(statusOfReasons(reasons), 'status').toBe(status);
    if (message) expect(reasons.map((r) => r.message).join(' / ')).toMatch(message);
  });
});

describe('worstStatus', () => {
  const order: Array<[Status[], Status]> = [
    [[], 'OK'],
    [['OK', 'UNKNOWN'], 'UNKNOWN'],
    [['UNKNOWN', 'WARNING'], 'WARNING'],
    [['WARNING', 'CRITICAL', 'UNKNOWN'], 'CRITICAL'],
  ];
  it.each(order)('%j → %s', (statuses, want) => expect(worstStatus(statuses)).toBe(want));
});
