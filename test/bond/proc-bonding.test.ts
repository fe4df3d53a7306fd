import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeProcBonding } from '../../src/bond/proc-bonding';
import { DecodeError } from '../../src/errors';

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', 'fixtures', 'bonding', name), 'utf8');

interface Want {
  mode: string;
  policy: string;
  activeLeg: string | null;
  /** interface:up/down[:active] per leg, in order. */
  legs: string[];
  detection: string;
  extra?: (group: ReturnType<typeof decodeProcBonding>) => void;
}

const cases: Array<{ name: string; file: string; want: Want }> = [
  {
    name: 'active-backup, MII, both up (6.x header)',
    file: 'active-backup-mii-both-up.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth0',
      legs: ['eth0:up:active', 'eth1:up'],
      detection: 'link',
      extra: (g) => {
        expect(g.driverVersion).toBe('6.1.0-26-amd64');
        expect(g.monitoring.miiIntervalMs).toBe(100);
        expect(g.legs[0]?.speedMbps).toBe(10000);
        expect(g.legs[0]?.mac).toBe('52:54:00:12:34:01');
        expect(g.failOverMac).toBe('none');
      },
    },
  },
  {
    name: 'active-backup, one slave down',
    file: 'active-backup-mii-one-down.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth0',
      legs: ['eth0:up:active', 'eth1:down'],
      detection: 'link',
      extra: (g) => {
        expect(g.legs[1]?.linkFailures).toBe(3);
        expect(g.legs[1]?.speedMbps).toBeNull();
        expect(g.legs[1]?.duplex).toBeNull();
      },
    },
  },
  {
    name: 'active-backup, all down, no active slave',
    file: 'active-backup-mii-all-down.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: null,
      legs: ['eth0:down', 'eth1:down'],
      detection: 'link',
    },
  },
  {
    name: 'active-backup, active slave going down during downdelay',
    file: 'active-backup-active-going-down.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth0',
      legs: ['eth0:down:active', 'eth1:up'],
      detection: 'link',
      extra: (g) => {
        expect(g.legs[0]?.state).toBe('going down');
        expect(g.monitoring.downDelayMs).toBe(5000);
      },
    },
  },
  {
    name: 'active-backup without any monitoring (3.7.1)',
    file: 'active-backup-no-monitoring.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'em1',
      legs: ['em1:up:active', 'em2:up'],
      detection: 'none',
    },
  },
  {
    name: 'active-backup, ARP monitoring, fail_over_mac, primary_reselect (6.8)',
    file: 'active-backup-arp-6x.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'ens1f0',
      legs: ['ens1f0:up:active', 'ens2f0:up'],
      detection: 'probe',
      extra: (g) => {
        expect(g.monitoring.arpIntervalMs).toBe(500);
        expect(g.monitoring.arpTargets).toEqual(['198.18.0.1', '198.18.0.2']);
        expect(g.failOverMac).toBe('active');
        expect(g.primary).toBe('ens1f0');
        expect(g.primaryReselect).toBe('better');
      },
    },
  },
  {
    name: 'active-backup, primary up but not active',
    file: 'active-backup-primary-not-active.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth1',
      legs: ['eth0:up', 'eth1:up:active'],
      detection: 'link',
      extra: (g) => {
        expect(g.primary).toBe('eth0');
        expect(g.primaryReselect).toBe('always');
      },
    },
  },
  {
    name: 'a single slave',
    file: 'active-backup-single-slave.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth0',
      legs: ['eth0:up:active'],
      detection: 'link',
    },
  },
  {
    name: 'a bond with no slaves',
    file: 'active-backup-no-slaves.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: null,
      legs: [],
      detection: 'link',
    },
  },
  {
    name: 'balance-rr from the 2.6.0 driver',
    file: 'balance-rr-v2.6.0.txt',
    want: {
      mode: 'balance-rr',
      policy: 'load-share',
      activeLeg: null,
      legs: ['eth0:up:active', 'eth1:down'],
      detection: 'link',
      extra: (g) => expect(g.driverVersion).toBe('2.6.0'),
    },
  },
  {
    name: 'balance-xor (5.x header)',
    file: 'balance-xor-5x.txt',
    want: {
      mode: 'balance-xor',
      policy: 'load-share',
      activeLeg: null,
      legs: ['eno1:up:active', 'eno2:up:active'],
      detection: 'link',
      extra: (g) => expect(g.driverVersion).toBe('5.15.0-119-generic'),
    },
  },
  {
    name: 'broadcast',
    file: 'broadcast.txt',
    want: {
      mode: 'broadcast',
      policy: 'load-share',
      activeLeg: null,
      legs: ['eth2:up:active', 'eth3:up:active'],
      detection: 'link',
    },
  },
  {
    name: 'balance-tlb receives on its current slave',
    file: 'balance-tlb.txt',
    want: {
      mode: 'balance-tlb',
      policy: 'load-share',
      activeLeg: 'eth1',
      legs: ['eth0:down', 'eth1:up:active'],
      detection: 'link',
    },
  },
  {
    name: 'balance-alb',
    file: 'balance-alb.txt',
    want: {
      mode: 'balance-alb',
      policy: 'load-share',
      activeLeg: 'eth1',
      legs: ['eth0:down', 'eth1:up:active'],
      detection: 'link',
    },
  },
  {
    name: '802.3ad negotiated with one partner',
    file: '802.3ad-negotiated.txt',
    want: {
      mode: '802.3ad',
      policy: 'aggregate',
      activeLeg: null,
      legs: ['ens1f0:up:active', 'ens1f1:up:active'],
      detection: 'link',
      extra: (g) => {
        expect(g.lacp).toEqual({
          activeAggregatorId: 1,
          partnerMac: '02:1c:73:00:00:99',
          rate: 'fast',
        });
        expect(g.legs[1]?.lacp).toEqual({
          aggregatorId: 1,
          partnerMac: '02:1c:73:00:00:99',
          partnerKey: 1001,
          actorKey: 21,
          actorState: 63,
          partnerState: 63,
        });
      },
    },
  },
  {
    name: '802.3ad without partner, members split over aggregators',
    file: '802.3ad-partner-zero.txt',
    want: {
      mode: '802.3ad',
      policy: 'aggregate',
      activeLeg: null,
      legs: ['ens1f0:up:active', 'ens1f1:up'],
      detection: 'link',
      extra: (g) => {
        expect(g.legs[0]?.lacp?.partnerMac).toBe('00:00:00:00:00:00');
        expect(g.legs[1]?.lacp?.aggregatorId).toBe(2);
      },
    },
  },
  {
    name: 'a messy paste: no header, indented, reordered, blank lines lost and doubled, masked MACs',
    file: 'active-backup-messy-paste.txt',
    want: {
      mode: 'active-backup',
      policy: 'failover',
      activeLeg: 'eth1',
      legs: ['eth0:down', 'eth1:up:active'],
      detection: 'link',
      extra: (g) => {
        expect(g.driverVersion).toBeNull();
        expect(g.legs[0]?.linkFailures).toBe(7);
        expect(g.legs[0]?.mac).toBe('xx:xx:xx:xx:xx:xx');
      },
    },
  },
];

function legSummary(group: ReturnType<typeof decodeProcBonding>): string[] {
  return group.legs.map(
    (leg) => `${leg.interface}:${leg.up ? 'up' : 'down'}${leg.active ? ':active' : ''}`,
  );
}

describe('decodeProcBonding', () => {
  it.each(cases)('$name', ({ file, want }) => {
    const group = decodeProcBonding(fixture(file));
    expect(group.kind).toBe('linux-bond');
    expect(group.mode, 'mode').toBe(want.mode);
    expect(group.policy, 'policy').toBe(want.policy);
    expect(group.activeLeg, 'active leg').toBe(want.activeLeg);
    expect(legSummary(group), 'legs').toEqual(want.legs);
    expect(group.monitoring.detection, 'detection').toBe(want.detection);
    want.extra?.(group);
  });

  it('reads CRLF line ends as well', () => {
    const group = decodeProcBonding(
      fixture('active-backup-mii-one-down.txt').replace(/\n/g, '\r\n'),
    );
    expect(legSummary(group)).toEqual(['eth0:up:active', 'eth1:down']);
  });

  it('skips a shell prompt pasted above the file', () => {
    const text = `root@host:~# cat /proc/net/bonding/bond0\n${fixture('balance-xor-5x.txt')}`;
    expect(legSummary(decodeProcBonding(text))).toEqual(['eno1:up:active', 'eno2:up:active']);
  });

  const bad: Array<{ name: string; text: string; message: RegExp }> = [
    { name: 'empty', text: '', message: /expected a "Bonding Mode:" line/ },
    {
      name: 'a teamd dump',
      text: '{"setup": {"runner_name": "activebackup"}}',
      message: /expected a "Bonding Mode:" line/,
    },
    {
      name: 'an unknown mode',
      text: 'Bonding Mode: quantum entanglement\n',
      message: /line 1: unknown bonding mode "quantum entanglement"/,
    },
    {
      name: 'an unknown MII status',
      text: 'Bonding Mode: fault-tolerance (active-backup)\n\nSlave Interface: eth0\nMII Status: sideways\n',
      message: /line 4: unknown MII status "sideways" of eth0/,
    },
    {
      name: 'a slave without MII status',
      text: 'Bonding Mode: load balancing (round-robin)\nSlave Interface: eth0\nLink Failure Count: 0\n',
      message: /slave eth0 has no "MII Status:" line/,
    },
    {
      name: 'a slave listed twice (pasted twice)',
      text: 'Bonding Mode: load balancing (round-robin)\nSlave Interface: eth0\nMII Status: up\nSlave Interface: eth0\nMII Status: up\n',
      message: /line 4: slave eth0 is listed twice/,
    },
    {
      name: 'a non-numeric interval',
      text: 'Bonding Mode: load balancing (round-robin)\nMII Polling Interval (ms): fast\n',
      message: /line 2: expected a number, got "fast"/,
    },
    {
      name: 'an active slave that is not a slave',
      text: 'Bonding Mode: fault-tolerance (active-backup)\nCurrently Active Slave: eth9\nSlave Interface: eth0\nMII Status: up\n',
      message: /active slave eth9 is not among the slaves/,
    },
  ];
  it.each(bad)('rejects $name with a DecodeError', ({ text, message }) => {
    let thrown: unknown;
    try {
      decodeProcBonding(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DecodeError);
    expect((thrown as Error).message).toMatch(message);
  });
});
