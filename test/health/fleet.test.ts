import { describe, expect, it } from 'vitest';
import {
  newGroupCorrelation,
  type GroupCorrelation,
  type LegCorrelation,
} from '../../src/correlate/engine';
import { buildFleetHealth, type FleetHealth } from '../../src/health/fleet';
import type { DevicePoll } from '../../src/model';
import { NOW, SW_A, SW_B, bond, config, poll, switchSnapshot } from '../helpers/fleet';

const TWO_SWITCHES = [
  { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
  { interface: 'eth1', switch: 'sw-b', port: 'swp1' },
];

function health(polls: DevicePoll[], legs = TWO_SWITCHES): FleetHealth {
  return buildFleetHealth({
    config: config(legs),
    polls: new Map(polls.map((p) => [p.device, p])),
    now: NOW,
  });
}

const healthySwitches = (): DevicePoll[] => [
  poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }])),
  poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
];

/** Both switches and srv1's bond0 with both legs up; `over` changes srv1's poll. */
const healthyFleet = (over: Partial<DevicePoll> = {}): DevicePoll[] => [
  ...healthySwitches(),
  poll(
    'srv1',
    'server',
    bond('eth0', [
      ['eth0', true],
      ['eth1', true],
    ]),
    over,
  ),
];

describe('buildFleetHealth', () => {
  const cases: Array<{
    name: string;
    polls: () => DevicePoll[];
    legs?: typeof TWO_SWITCHES;
    status: string;
    codes: string[];
    message?: RegExp;
  }> = [
    {
      name: 'healthy: both legs up and forwarding on two switches',
      polls: () => healthyFleet(),
      status: 'OK',
      codes: ['all-legs-up'],
    },
    {
      name: 'switch port down while the server still sees its NIC up',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }])),
        poll(
          'sw-b',
          'switch',
          switchSnapshot(SW_B, [{ name: 'swp1', up: false, state: 'disabled' }]),
        ),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'WARNING',
      codes: ['leg-down'],
      message: /eth1 \(sw-b swp1 down\)/,
    },
    {
      name: 'blocked leg port',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }])),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1', state: 'blocking' }])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'WARNING',
      codes: ['stp-not-forwarding'],
      message: /sw-b swp1 \(eth1\) is blocking/,
    },
    {
      name: 'active leg blocked while the other forwards: failover did not happen',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1', state: 'blocking' }])),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'CRITICAL',
      codes: ['active-leg-down', 'stp-not-forwarding'],
    },
    {
      name: 'both legs on one switch',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }, { name: 'swp2' }])),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      legs: [
        { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
        { interface: 'eth1', switch: 'sw-a', port: 'swp2' },
      ],
      status: 'WARNING',
      codes: ['single-switch'],
      message: /every leg ends on sw-a/,
    },
    {
      name: 'server-facing port without PortFast',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1', edge: false }])),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'WARNING',
      codes: ['not-edge-port'],
    },
    {
      name: "active leg's switch cut off from the root (elected itself)",
      polls: () => [
        poll(
          'sw-a',
          'switch',
          switchSnapshot(SW_A, [{ name: 'swp1' }], { designatedRoot: SW_A, rootPort: 0 }),
        ),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'CRITICAL',
      codes: ['upstream-lost'],
      message: /sw-a \(behind active eth0\) has no forwarding path to the STP root/,
    },
    {
      name: "standby leg's switch follows another root",
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1' }])),
        poll(
          'sw-b',
          'switch',
          switchSnapshot(SW_B, [{ name: 'swp1' }], {
            designatedRoot: SW_A.replace('8000', '7000'),
            rootPort: 1,
          }),
        ),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'WARNING',
      codes: ['upstream-lost'],
    },
    {
      name: 'server agent does not answer',
      polls: () => healthyFleet({ ok: false, error: 'no answer from 198.18.21.2:161 within 2 s' }),
      status: 'UNKNOWN',
      codes: ['device-unreachable'],
      message: /srv1 does not answer: no answer from/,
    },
    {
      name: 'data older than staleAfterS',
      polls: () => healthyFleet({ at: '2026-11-25T09:55:00.000Z' }),
      status: 'UNKNOWN',
      codes: ['stale'],
      message: /no fresh data from srv1 for 300 s/,
    },
    {
      name: 'server never polled',
      polls: () => healthySwitches(),
      status: 'UNKNOWN',
      codes: ['stale'],
      message: /not polled yet/,
    },
    {
      name: 'switch unreachable: its legs are unknown on that side, not guessed',
      polls: () => [
        poll('sw-a', 'switch', switchSnapshot(SW_A, [{ name: 'swp1', state: 'blocking' }]), {
          ok: false,
          error: 'timeout',
        }),
        poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
        poll(
          'srv1',
          'server',
          bond('eth0', [
            ['eth0', true],
            ['eth1', true],
          ]),
        ),
      ],
      status: 'OK',
      codes: ['all-legs-up'],
    },
  ];

  it.each(cases)('$name', ({ polls, legs, status, codes, message }) => {
    const fleet = health(polls(), legs);
    const group = fleet.groups[0];
    expect(
      group?.reasons.map((r) => r.code),
      'reason codes',
    ).toEqual(codes);
    expect(group?.status, 'status').toBe(status);
    if (message) expect(group?.reasons.map((r) => r.message).join(' / ')).toMatch(message);
  });

  it('joins each leg with its switch port', () => {
    const fleet = health([
      ...healthySwitches(),
      poll(
        'srv1',
        'server',
        bond('eth0', [
          ['eth0', true],
          ['eth1', false],
        ]),
      ),
    ]);
    expect(fleet.groups[0]?.legs).toEqual([
      {
        interface: 'eth0',
        up: true,
        active: true,
        switch: 'sw-a',
        port: 'swp1',
        portUp: true,
        stpState: 'forwarding',
        edge: true,
      },
      {
        interface: 'eth1',
        up: false,
        active: false,
        switch: 'sw-b',
        port: 'swp1',
        portUp: true,
        stpState: 'forwarding',
        edge: true,
      },
    ]);
    expect(fleet.groups[0]?.legsUp).toBe(1);
    expect(fleet.groups[0]?.legsTotal).toBe(2);
  });

  it('judges a LAG member on its aggregate', () => {
    const snapshot = switchSnapshot(SW_A, [{ name: 'swp1', state: 'blocking' }, { name: 'bond1' }]);
    snapshot.lagOf = { 2: 3 };
    const fleet = health([
      poll('sw-a', 'switch', snapshot),
      poll('sw-b', 'switch', switchSnapshot(SW_B, [{ name: 'swp1' }])),
      poll(
        'srv1',
        'server',
        bond('eth0', [
          ['eth0', true],
          ['eth1', true],
        ]),
      ),
    ]);
    expect(fleet.groups[0]?.legs[0]?.stpState).toBe('forwarding');
  });

  it('reports switches with their ports and the overall status as the worst part', () => {
    const fleet = health([
      poll(
        'sw-a',
        'switch',
        switchSnapshot(SW_A, [{ name: 'swp1' }], { designatedRoot: SW_A, rootPort: 0 }),
      ),
      poll(
        'sw-b',
        'switch',
        switchSnapshot(SW_B, [{ name: 'swp1', up: false, state: 'disabled' }]),
      ),
      poll(
        'srv1',
        'server',
        bond('eth1', [
          ['eth0', true],
          ['eth1', true],
        ]),
      ),
    ]);
    const swA = fleet.switches.find((s) => s.device === 'sw-a');
    expect(swA).toMatchObject({
      status: 'WARNING',
      reachable: true,
      designatedRoot: SW_A,
      topologyChanges: 3,
      lastTopologyChange: '2026-11-25T09:58:50.000Z',
    });
    expect(fleet.switches.find((s) => s.device === 'sw-b')?.ports[1]).toEqual({
      port: 'swp1',
      ifIndex: 2,
      up: false,
      stpState: 'disabled',
      edge: true,
    });
    expect(fleet.status).toBe('CRITICAL');
  });

  describe('flapping', () => {
    const WINDOW = 30_000;
    /** srv1/bond0 with eth0's changes `agoMs` before NOW. */
    function flapped(agoMs: number[]): Map<string, GroupCorrelation> {
      const state = newGroupCorrelation('srv1', 'bond0', ['eth0', 'eth1']);
      (state.legs.eth0 as LegCorrelation).changes = agoMs.map((ms) => NOW.getTime() - ms);
      return new Map([['srv1/bond0', state]]);
    }
    const cases: Array<{ name: string; agoMs: number[]; codes: string[]; status: string }> = [
      {
        name: '5 changes within the window: flapping in place of all-legs-up',
        agoMs: [0, 5000, 10_000, 15_000, WINDOW - 1],
        codes: ['flapping'],
        status: 'WARNING',
      },
      {
        name: '4 within the window, the 5th just out of it: no flapping',
        agoMs: [0, 5000, 10_000, 15_000, WINDOW],
        codes: ['all-legs-up'],
        status: 'OK',
      },
    ];

    it.each(cases)('$name', ({ agoMs, codes, status }) => {
      const fleet = buildFleetHealth({
        config: config(TWO_SWITCHES),
        polls: new Map(healthyFleet().map((p) => [p.device, p])),
        correlations: flapped(agoMs),
        now: NOW,
      });
      const group = fleet.groups[0];
      expect(
        group?.reasons.map((r) => r.code),
        'reason codes',
      ).toEqual(codes);
      expect(group?.status, 'status').toBe(status);
      if (codes.includes('flapping')) {
        expect(group?.reasons[0]?.message).toBe(
          'eth0 keeps changing state (more than 4 times within 30 s)',
        );
      }
    });
  });
});
