import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { decodeTeamdState, looksLikeTeamdState } from '../../src/bond/teamd';
import { DecodeError } from '../../src/errors';
import type { RedundancyGroup } from '../../src/model';

const FIXTURES = path.resolve(__dirname, '../fixtures/teamd');
const SAMPLES = path.resolve(__dirname, '../../../shared/samples/teamd');

function fixture(file: string): string {
  return fs.readFileSync(path.join(FIXTURES, file), 'utf8');
}

/** What an operator reads off a team, in one comparable object. */
function summarize(group: RedundancyGroup) {
  return {
    kind: group.kind,
    name: group.name,
    mode: group.mode,
    policy: group.policy,
    activeLeg: group.activeLeg,
    legsUp: group.legs.filter((leg) => leg.up).map((leg) => leg.interface),
    legs: Object.fromEntries(
      group.legs.map((leg) => [
        leg.interface,
        {
          up: leg.up,
          active: leg.active,
          state: leg.state,
          linkFailures: leg.linkFailures,
          speedMbps: leg.speedMbps,
          duplex: leg.duplex,
          lacp: leg.lacp,
        },
      ]),
    ),
    monitoring: group.monitoring,
    lacp: group.lacp,
    primary: group.primary,
  };
}

type Summary = ReturnType<typeof summarize>;
type Want = Partial<Omit<Summary, 'legs' | 'monitoring'>> & {
  legs?: Record<string, Partial<Summary['legs'][string]>>;
  monitoring?: Partial<Summary['monitoring']>;
};

const ETHTOOL: Want['monitoring'] = {
  detection: 'link',
  miiIntervalMs: null,
  arpIntervalMs: null,
  arpTargets: [],
};
const SWITCH = '52:54:00:ab:cd:01';
const ZERO = '00:00:00:00:00:00';

const cases: { name: string; file: string; want: Want }[] = [
  {
    name: 'activebackup, both ports up',
    file: 'activebackup-both-up.json',
    want: {
      kind: 'linux-team',
      name: 'team0',
      mode: 'activebackup',
      policy: 'failover',
      activeLeg: 'eth1',
      legsUp: ['eth1', 'eth2'],
      legs: {
        eth1: { up: true, active: true, state: 'up', linkFailures: 0, speedMbps: 1000 },
        eth2: { up: true, active: false, state: 'up', linkFailures: 0, duplex: 'full' },
      },
      monitoring: { ...ETHTOOL, upDelayMs: 0, downDelayMs: 0 },
      lacp: null,
      primary: null,
    },
  },
  {
    name: 'activebackup, active port down before reselection',
    file: 'activebackup-active-down.json',
    want: {
      activeLeg: 'eth1',
      legsUp: ['eth2'],
      legs: {
        eth1: { up: false, active: true, state: 'down', linkFailures: 1, speedMbps: null },
        eth2: { up: true, active: false },
      },
    },
  },
  {
    name: 'activebackup, failed over to eth2',
    file: 'activebackup-failed-over.json',
    want: {
      activeLeg: 'eth2',
      legsUp: ['eth2'],
      legs: {
        eth1: { up: false, active: false, linkFailures: 2, duplex: null },
        eth2: { up: true, active: true },
      },
    },
  },
  {
    name: 'activebackup, no port active ("" active_port)',
    file: 'activebackup-no-active.json',
    want: {
      activeLeg: null,
      legsUp: [],
      legs: { eth1: { active: false, linkFailures: 3 }, eth2: { active: false, linkFailures: 1 } },
    },
  },
  {
    name: 'activebackup with arp_ping only: probe detection, probe down despite carrier',
    file: 'activebackup-arp-ping.json',
    want: {
      activeLeg: 'eth1',
      legsUp: ['eth1'],
      legs: { eth2: { up: false, state: 'down', linkFailures: 5, speedMbps: 1000 } },
      monitoring: {
        detection: 'probe',
        miiIntervalMs: null,
        arpIntervalMs: 100,
        arpTargets: ['192.0.2.1'],
        upDelayMs: null,
        downDelayMs: null,
      },
    },
  },
  {
    name: 'activebackup with ethtool + arp_ping: a port is up while any watch is up',
    file: 'activebackup-ethtool-arp.json',
    want: {
      activeLeg: 'eth2',
      legsUp: ['eth1', 'eth2'],
      legs: { eth1: { up: true, active: false, linkFailures: 1 }, eth2: { active: true } },
      monitoring: {
        detection: 'link+probe',
        arpIntervalMs: 100,
        arpTargets: ['192.0.2.254'],
        upDelayMs: 2000,
        downDelayMs: 500,
      },
    },
  },
  {
    name: 'lacp negotiated: both ports in aggregator 3',
    file: 'lacp-negotiated.json',
    want: {
      mode: 'lacp',
      policy: 'aggregate',
      activeLeg: null,
      legsUp: ['eth1', 'eth2'],
      legs: {
        eth1: {
          active: true,
          speedMbps: 10000,
          lacp: {
            aggregatorId: 3,
            partnerMac: SWITCH,
            partnerKey: 17,
            actorKey: 0,
            actorState: 0x3f,
            partnerState: 0x3f,
          },
        },
        eth2: { active: true, linkFailures: 1 },
      },
      lacp: { activeAggregatorId: 3, partnerMac: SWITCH, rate: 'fast' },
    },
  },
  {
    name: 'lacp without a partner: ports up but defaulted and unselected',
    file: 'lacp-partner-zero.json',
    want: {
      legsUp: ['eth1', 'eth2'],
      legs: {
        eth1: { up: true, active: false, lacp: expect.objectContaining({ partnerMac: ZERO }) },
        eth2: { up: true, active: false, lacp: expect.objectContaining({ aggregatorId: 0 }) },
      },
      lacp: { activeAggregatorId: null, partnerMac: ZERO, rate: 'slow' },
    },
  },
  {
    name: 'loadbalance: every up port carries traffic',
    file: 'loadbalance.json',
    want: {
      mode: 'loadbalance',
      policy: 'load-share',
      activeLeg: null,
      legs: { eth1: { active: true, lacp: null }, eth2: { active: true } },
      lacp: null,
    },
  },
  {
    name: 'roundrobin with eth2 down',
    file: 'roundrobin.json',
    want: {
      mode: 'roundrobin',
      policy: 'load-share',
      legsUp: ['eth1'],
      legs: { eth1: { active: true }, eth2: { up: false, active: false, linkFailures: 1 } },
    },
  },
  {
    name: 'broadcast',
    file: 'broadcast.json',
    want: { mode: 'broadcast', policy: 'load-share', activeLeg: null, legsUp: ['eth1', 'eth2'] },
  },
  {
    name: 'random with eth2 down',
    file: 'random.json',
    want: { mode: 'random', policy: 'load-share', legs: { eth2: { up: false, active: false } } },
  },
  {
    name: 'view text: activebackup',
    file: 'activebackup.state.txt',
    want: {
      name: null,
      mode: 'activebackup',
      policy: 'failover',
      activeLeg: 'eth1',
      legsUp: ['eth1'],
      legs: {
        eth1: { up: true, active: true, linkFailures: 0, speedMbps: null },
        eth2: { up: false, active: false, state: 'down', linkFailures: 2 },
      },
      monitoring: { ...ETHTOOL, upDelayMs: null, downDelayMs: null },
    },
  },
  {
    name: 'view text -v: lacp with one port selected',
    file: 'lacp.state.txt',
    want: {
      mode: 'lacp',
      policy: 'aggregate',
      legsUp: ['eth1'],
      legs: {
        eth1: {
          active: true,
          speedMbps: 10000,
          duplex: 'full',
          lacp: {
            aggregatorId: 3,
            partnerMac: SWITCH,
            partnerKey: 17,
            actorKey: 0,
            actorState: 0x3d,
            partnerState: 0x3d,
          },
        },
        eth2: {
          up: false,
          active: false,
          speedMbps: null,
          duplex: null,
          lacp: expect.objectContaining({ aggregatorId: 0, partnerMac: ZERO, partnerState: 0 }),
        },
      },
      monitoring: { detection: 'link', upDelayMs: 0, downDelayMs: 0 },
      lacp: { activeAggregatorId: 3, partnerMac: SWITCH, rate: 'slow' },
    },
  },
  {
    name: 'view text of an older teamdctl without "down count"',
    file: 'roundrobin.state.txt',
    want: {
      mode: 'roundrobin',
      legsUp: ['eth1', 'eth2'],
      legs: { eth1: { active: true, linkFailures: null }, eth2: { active: true } },
      monitoring: { detection: 'link' },
    },
  },
];

describe('decodeTeamdState', () => {
  it.each(cases)('$name ($file)', ({ name, file, want }) => {
    const got = summarize(decodeTeamdState(fixture(file)));
    expect(got, `${name}: got (+ received) vs want (- expected)`).toMatchObject(want);
  });

  it('decodes a team without ports to no legs', () => {
    const dump = {
      runner: { active_port: '' },
      setup: { kernel_team_mode_name: 'activebackup', runner_name: 'activebackup', pid: 7 },
      team_device: { ifinfo: { dev_addr: '52:54:00:12:34:10', ifname: 'team1' } },
    };
    const got = decodeTeamdState(JSON.stringify(dump, null, 4));
    expect(got.legs, 'legs').toEqual([]);
    expect(got.name, 'name').toBe('team1');
    expect(got.activeLeg, 'activeLeg').toBeNull();
    expect(got.monitoring.detection, 'detection').toBe('none');
  });

  it('reads the same team from the dump and from the view text', () => {
    const dump = summarize(decodeTeamdState(fixture('activebackup-failed-over.json')));
    const view = summarize(
      decodeTeamdState(
        [
          'setup:',
          '  runner: activebackup',
          'ports:',
          '  eth1',
          '    link watches:',
          '      link summary: down',
          '      instance[link_watch_0]:',
          '        name: ethtool',
          '        link: down',
          '        down count: 2',
          '  eth2',
          '    link watches:',
          '      link summary: up',
          '      instance[link_watch_0]:',
          '        name: ethtool',
          '        link: up',
          '        down count: 0',
          'runner:',
          '  active port: eth2',
          '',
        ].join('\r\n'),
      ),
    );
    for (const key of ['mode', 'policy', 'activeLeg', 'legsUp'] as const) {
      expect(view[key], `${key}: got ${String(view[key])}, want ${String(dump[key])}`).toEqual(
        dump[key],
      );
    }
  });
});

const truncated = fixture('activebackup-both-up.json').slice(0, 300);
const errorCases: { name: string; text: string; line?: number }[] = [
  { name: 'empty string', text: '' },
  { name: 'only whitespace', text: ' \n\t\n' },
  { name: 'garbage', text: 'hello world\n', line: 1 },
  { name: 'truncated JSON', text: truncated },
  { name: 'JSON of something else', text: '{"bonds": [{"name": "bond0"}]}' },
  { name: 'JSON array', text: '[{"setup": {"runner_name": "lacp"}}]' },
  {
    name: '/proc/net/bonding text',
    text: 'Ethernet Channel Bonding Driver: v5.14\n\nBonding Mode: active-backup\n',
    line: 1,
  },
  { name: 'unknown runner in JSON', text: '{"setup": {"runner_name": "ttdp"}}' },
  { name: 'setup.runner_name not a string', text: '{"setup": {"runner_name": 3}}' },
  {
    name: 'port without link_watches.up',
    text: '{"setup": {"runner_name": "roundrobin"}, "ports": {"eth1": {"link": {"up": true}}}}',
  },
  {
    name: 'unknown link watch name',
    text: JSON.stringify({
      setup: { runner_name: 'broadcast' },
      ports: { eth1: { link_watches: { up: true, list: { w: { name: 'magic', up: true } } } } },
    }),
  },
  { name: 'view text with bad indentation', text: 'setup:\n   runner: lacp\n', line: 2 },
  { name: 'view text with unknown runner', text: 'setup:\n  runner: ttdp\n', line: 2 },
  { name: 'view text without runner', text: 'setup:\n  debug level: 0\n', line: 1 },
  {
    name: 'view text with a bad link summary',
    text: 'setup:\n  runner: roundrobin\nports:\n  eth1\n    link watches:\n      link summary: maybe\n',
    line: 6,
  },
  {
    name: 'view text followed by something else',
    text: 'setup:\n  runner: roundrobin\nBonding Mode: active-backup\n',
    line: 3,
  },
];

describe('decodeTeamdState rejects what it does not understand', () => {
  it.each(errorCases)('$name', ({ text, line }) => {
    let caught: unknown;
    try {
      decodeTeamdState(text);
    } catch (err) {
      caught = err;
    }
    expect(caught, 'got no error, want a DecodeError').toBeInstanceOf(DecodeError);
    const err = caught as DecodeError;
    expect(err.format).toBe('teamd state');
    if (line !== undefined) expect(err.line, `line: got ${err.line}, want ${line}`).toBe(line);
  });
});

describe('looksLikeTeamdState', () => {
  const files = fs.readdirSync(FIXTURES).filter((file) => file !== 'README.md');
  it.each(files)('recognises %s', (file) => {
    expect(looksLikeTeamdState(fixture(file))).toBe(true);
  });
  it.each([
    ['empty', ''],
    ['garbage', 'hello world'],
    ['bonding text', 'Ethernet Channel Bonding Driver: v5.14\n'],
    ['other JSON', '{"bonds": []}'],
    ['truncated JSON', truncated],
  ])('does not recognise %s', (_name, text) => {
    expect(looksLikeTeamdState(text)).toBe(false);
  });
});

const samples = fs.existsSync(SAMPLES)
  ? fs.readdirSync(SAMPLES).filter((file) => file.endsWith('.json'))
  : [];

describe.skipIf(samples.length === 0)(
  `real captures read in place from ${SAMPLES}${samples.length === 0 ? ' (absent: skipped)' : ''}`,
  () => {
    it.each(samples)('%s decodes', (file) => {
      const text = fs.readFileSync(path.join(SAMPLES, file), 'utf8');
      const doc = JSON.parse(text) as {
        setup: { runner_name: string };
        team_device?: { ifinfo?: { ifname?: string } };
        ports?: Record<string, unknown>;
        runner?: { active_port?: string };
      };
      const got = decodeTeamdState(text);
      expect(got.kind).toBe('linux-team');
      expect(got.mode, 'mode').toBe(doc.setup.runner_name);
      expect(got.name, 'name').toBe(doc.team_device?.ifinfo?.ifname ?? null);
      expect(got.legs.length, 'legs').toBe(Object.keys(doc.ports ?? {}).length);
      if (got.policy === 'failover') {
        expect(got.activeLeg, 'activeLeg').toBe(doc.runner?.active_port || null);
      }
    });
  },
);
