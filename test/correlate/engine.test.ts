import { describe, it, expect } from 'vitest';
import {
  applyTouch,
  expireWindow,
  isFlapping,
  newGroupCorrelation,
  summarise,
  type GroupCorrelation,
  type Incident,
  type LegCorrelation,
  type Touch,
} from '../../src/correlate/engine';
import type { EventSource, EventType, StateEvent } from '../../src/model';

/* ---- Events, touches and a worker-like loop over them. ---- */

const WINDOW = 30_000;
const BASE = Date.parse('2025-03-01T10:00:00.000Z');
const iso = (ms: number): string => new Date(BASE + ms).toISOString();
/** The id of the incident the first event at BASE + ms opens. */
const idAt = (ms: number): string => `srv1/bond0/${BASE + ms}`;

/** srv1's bond0 legs and the sw-a ports they are cabled to. */
const PORT_OF: Record<string, string> = { eth0: 'swp1', eth1: 'swp2', eth2: 'swp3' };

function ev(
  id: string,
  ms: number,
  device: string,
  type: EventType,
  iface?: string,
  source: EventSource = 'poll',
  details: Record<string, unknown> = {},
): StateEvent {
  const event: StateEvent = { id, at: iso(ms), source, device, type, details };
  if (iface !== undefined) event.interface = iface;
  return event;
}

interface Step {
  touch: Touch;
  event: StateEvent;
}

const portStep = (up: boolean, id: string, ms: number, leg: string, source: EventSource): Step => ({
  touch: { kind: 'leg', leg, end: 'port', up },
  event: ev(id, ms, 'sw-a', up ? 'link-up' : 'link-down', PORT_OF[leg], source),
});
const serverStep = (up: boolean, id: string, ms: number, leg: string): Step => ({
  touch: { kind: 'leg', leg, end: 'server', up },
  event: ev(id, ms, 'srv1', up ? 'leg-up' : 'leg-down', leg, 'poll', { group: 'bond0' }),
});

/** sw-a reports the leg's switch port down (a trap unless told). */
const linkDown = (id: string, ms: number, leg = 'eth0', source: EventSource = 'trap') =>
  portStep(false, id, ms, leg, source);
const linkUp = (id: string, ms: number, leg = 'eth0', source: EventSource = 'trap') =>
  portStep(true, id, ms, leg, source);
/** srv1's poll finds the leg itself down. */
const legDown = (id: string, ms: number, leg = 'eth0') => serverStep(false, id, ms, leg);
const legUp = (id: string, ms: number, leg = 'eth0') => serverStep(true, id, ms, leg);
const activeChanged = (id: string, ms: number, from: string | null, to: string | null): Step => ({
  touch: { kind: 'active', from, to },
  event: ev(id, ms, 'srv1', 'active-leg-changed', undefined, 'poll', { group: 'bond0', from, to }),
});

/** srv1 bond0 with every leg seen up at both ends and `active` carrying traffic. */
function known(legs: readonly string[] = ['eth0', 'eth1'], active: string | null = 'eth0') {
  const state = newGroupCorrelation('srv1', 'bond0', legs);
  for (const leg of Object.values(state.legs)) {
    leg.serverUp = true;
    leg.portUp = true;
  }
  state.activeLeg = active;
  return state;
}

interface Run {
  state: GroupCorrelation;
  /** Every incident as the operator last saw it, in the order they opened. */
  incidents: Incident[];
  /** The incident the last step returned. */
  last: Incident | null;
  /** isFlapping of eth0 at each step's time, just after it. */
  flapping: boolean[];
}

/** Applies the steps as the worker does: the open incident goes in, a closed one is let go. */
function run(steps: readonly Step[], start: GroupCorrelation = known(), windowMs = WINDOW): Run {
  let state = start;
  let open: Incident | null = null;
  let last: Incident | null = null;
  const seen = new Map<string, Incident>();
  const flapping: boolean[] = [];
  for (const { touch, event } of steps) {
    ({ state, incident: last } = applyTouch(state, open, touch, event, windowMs));
    if (last) seen.set(last.id, last);
    open = last?.state === 'open' ? last : null;
    const eth0 = state.legs.eth0;
    flapping.push(eth0 !== undefined && isFlapping(eth0, Date.parse(event.at), windowMs));
  }
  return { state, incidents: [...seen.values()], last, flapping };
}

/* ---- Scenarios. ---- */

const failedOver85 = 'sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 in 85 ms';

/** sw-a's trap: swp1 (eth0) down; srv1's poll: failed over 85 ms later, eth0 down at 2 s. */
const portDown = linkDown('t1', 0);
const failover = activeChanged('p1', 85, 'eth0', 'eth1');
const confirmed = legDown('p2', 2000);

/** eth0's port going down and up in turn, `count` changes `everyMs` apart from BASE. */
function alternating(count: number, everyMs: number): Step[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? linkDown(`f${i + 1}`, i * everyMs) : linkUp(`f${i + 1}`, i * everyMs),
  );
}

/** One leg changing state every fifth of a window: the 5th change is within the 1st's window. */
const fiveInAWindow = alternating(5, WINDOW / 5);
/** The times fiveInAWindow's changes are kept at. */
const fiveTimes = [0, 1, 2, 3, 4].map((i) => BASE + (i * WINDOW) / 5);

interface ScenarioCase {
  name: string;
  start?: () => GroupCorrelation;
  steps: Step[];
  /** Every incident the operator would see, in the order opened (partial). */
  incidents: Array<Partial<Incident>>;
  activeLeg?: string | null;
  legs?: Record<string, Partial<LegCorrelation>>;
  /** isFlapping of eth0 at BASE + ms after the steps (no earlier than the last step). */
  flappingAt?: Array<[number, boolean]>;
  /** isFlapping of eth0 just after each step, at its time. */
  flappingSteps?: boolean[];
  /** The correlation window, WINDOW unless told. */
  windowMs?: number;
}

const scenarios: ScenarioCase[] = [
  {
    name: 'switch port link-down on the active leg opens one incident caused by the port',
    steps: [portDown],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        openedAt: iso(0),
        closedAt: null,
        device: 'srv1',
        group: 'bond0',
        cause: { device: 'sw-a', type: 'link-down', interface: 'swp1' },
        events: ['t1'],
        failoverMs: null,
        failover: null,
        leg: 'eth0',
        legWasActive: true,
        activeLegDown: false,
        summary: 'sw-a swp1 down, srv1 bond0 lost leg eth0, running on one leg',
      },
    ],
    legs: { eth0: { portUp: false, serverUp: true, portAt: BASE, changes: [BASE] } },
  },
  {
    name: 'the failover 85 ms after the link-down sets failoverMs',
    steps: [portDown, failover],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        events: ['t1', 'p1'],
        failoverMs: 85,
        failover: { from: 'eth0', to: 'eth1', at: iso(85) },
        summary: `${failedOver85}, running on one leg`,
      },
    ],
    activeLeg: 'eth1',
  },
  {
    name: 'one poll that sees the leg down and the active leg moved leaves failoverMs null',
    steps: [legDown('p1', 0), activeChanged('p2', 0, 'eth0', 'eth1')],
    incidents: [
      {
        id: idAt(0),
        events: ['p1', 'p2'],
        failoverMs: null,
        failover: { from: 'eth0', to: 'eth1', at: iso(0) },
        summary:
          'srv1 eth0 down, srv1 bond0 failed over eth0 → eth1 (seen by one poll, not timed), running on one leg',
      },
    ],
    activeLeg: 'eth1',
  },
  {
    name: "a switch's poll and the server's in the same millisecond are two observations: timed",
    steps: [linkDown('p1', 0, 'eth0', 'poll'), activeChanged('p2', 0, 'eth0', 'eth1')],
    incidents: [{ id: idAt(0), events: ['p1', 'p2'], failoverMs: 0 }],
    activeLeg: 'eth1',
  },
  {
    name: 'the link-up closes it: every leg back',
    steps: [portDown, failover, linkUp('t2', 60_000)],
    incidents: [
      {
        id: idAt(0),
        state: 'closed',
        openedAt: iso(0),
        closedAt: iso(60_000),
        events: ['t1', 'p1', 't2'],
        failoverMs: 85,
        summary: `${failedOver85}, every leg back`,
      },
    ],
    activeLeg: 'eth1',
    legs: { eth0: { portUp: true, serverUp: true } },
  },
  {
    name: 'a server NIC leg-down (poll) opens an incident caused by the server',
    steps: [legDown('p1', 0)],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        cause: { device: 'srv1', type: 'leg-down', interface: 'eth0' },
        events: ['p1'],
        leg: 'eth0',
        legWasActive: true,
        summary: 'srv1 eth0 down, srv1 bond0 lost leg eth0, running on one leg',
      },
    ],
    legs: { eth0: { serverUp: false, portUp: true } },
  },
  {
    name: "the poll's leg-down confirming the trap's link-down joins it and changes nothing else",
    steps: [portDown, failover, confirmed],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        openedAt: iso(0),
        cause: { device: 'sw-a', type: 'link-down', interface: 'swp1' },
        events: ['t1', 'p1', 'p2'],
        failoverMs: 85,
        summary: `${failedOver85}, running on one leg`,
      },
    ],
    // One leg went down once: one change, whichever end saw it first.
    legs: { eth0: { portUp: false, serverUp: false, changes: [BASE] } },
  },
  {
    name: "the poll's leg-down confirming without a failover leaves failoverMs null",
    steps: [portDown, confirmed],
    incidents: [{ id: idAt(0), events: ['t1', 'p2'], failoverMs: null, failover: null }],
  },
  {
    name: 'a poll of the port confirming the trap (same end) joins and changes nothing else',
    steps: [portDown, linkDown('p1', 1500, 'eth0', 'poll')],
    incidents: [{ id: idAt(0), openedAt: iso(0), events: ['t1', 'p1'], failoverMs: null }],
    legs: { eth0: { portUp: false, portAt: BASE + 1500, changes: [BASE] } },
  },
  {
    name: 'the same link-down applied twice adds its id once',
    steps: [portDown, portDown],
    incidents: [{ id: idAt(0), events: ['t1'] }],
    legs: { eth0: { changes: [BASE] } },
  },
  {
    name: 'the same failover applied twice adds its id once and keeps its time',
    steps: [portDown, failover, failover],
    incidents: [{ id: idAt(0), events: ['t1', 'p1'], failoverMs: 85 }],
    activeLeg: 'eth1',
  },
  {
    name: 'out of order: a link-up at t2 before the link-down at t1 leaves the port up',
    steps: [linkUp('t2', 5000), linkDown('t1', 0)],
    incidents: [],
    legs: { eth0: { portUp: true, portAt: BASE + 5000, changes: [] } },
  },
  {
    name: 'out of order from unknown: the older link-down changes nothing',
    start: () => ({ ...newGroupCorrelation('srv1', 'bond0', ['eth0', 'eth1']), activeLeg: 'eth0' }),
    steps: [linkUp('t2', 5000), linkDown('t1', 0)],
    incidents: [],
    legs: { eth0: { portUp: true, portAt: BASE + 5000, changes: [] } },
  },
  {
    name: 'out of order while open: the older event joins the incident and changes nothing',
    steps: [
      linkDown('t1', 0),
      linkDown('t2', 100, 'eth1'),
      linkUp('t4', 10_000),
      linkDown('t3', 5000),
    ],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        events: ['t1', 't2', 't4', 't3'],
        summary: 'sw-a swp1 down, srv1 bond0 lost leg eth0, running on one leg',
      },
    ],
    legs: { eth0: { portUp: true, portAt: BASE + 10_000 }, eth1: { portUp: false } },
  },
  {
    name: 'standby leg down: lost leg eth1, the group keeps sending through eth0',
    steps: [linkDown('t1', 0, 'eth1')],
    incidents: [
      {
        id: idAt(0),
        cause: { device: 'sw-a', type: 'link-down', interface: 'swp2' },
        leg: 'eth1',
        legWasActive: false,
        summary: 'sw-a swp2 down, srv1 bond0 lost leg eth1, running on one leg',
      },
    ],
    activeLeg: 'eth0',
  },
  {
    name: 'closing needs the server end up too: port back, leg still down',
    steps: [portDown, confirmed, linkUp('t2', 10_000)],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        closedAt: null,
        summary: 'sw-a swp1 down, srv1 bond0 lost leg eth0, running on one leg',
      },
    ],
  },
  {
    name: 'closing needs the server end up too: both ends back closes',
    steps: [portDown, confirmed, linkUp('t2', 10_000), legUp('p3', 12_000)],
    incidents: [{ id: idAt(0), state: 'closed', closedAt: iso(12_000) }],
  },
  {
    name: 'closing needs the port end up too: leg back, port still down',
    steps: [legDown('p1', 0), linkDown('t1', 100), legUp('p2', 10_000)],
    incidents: [{ id: idAt(0), state: 'open', closedAt: null }],
  },
  {
    name: 'closing needs every leg: both down, no leg left',
    steps: [linkDown('t1', 0), linkDown('t2', 500, 'eth1')],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        events: ['t1', 't2'],
        summary: 'sw-a swp1 down, srv1 bond0 lost leg eth0, no leg left',
      },
    ],
  },
  {
    name: 'closing needs every leg: one back, still open on one leg',
    steps: [linkDown('t1', 0), linkDown('t2', 500, 'eth1'), linkUp('t3', 10_000)],
    incidents: [
      {
        id: idAt(0),
        state: 'open',
        summary: 'sw-a swp1 down, srv1 bond0 lost leg eth0, running on one leg',
      },
    ],
  },
  {
    name: 'closing needs every leg: both back closes',
    steps: [
      linkDown('t1', 0),
      linkDown('t2', 500, 'eth1'),
      linkUp('t3', 10_000),
      linkUp('t4', 11_000, 'eth1'),
    ],
    incidents: [{ id: idAt(0), state: 'closed', closedAt: iso(11_000) }],
  },
  {
    name: 'a new down after the close opens a second incident',
    steps: [portDown, linkUp('t2', 10_000), linkDown('t3', 4 * WINDOW)],
    incidents: [
      { id: idAt(0), state: 'closed', events: ['t1', 't2'] },
      { id: idAt(4 * WINDOW), state: 'open', events: ['t3'] },
    ],
  },
  {
    name: 'a leg the state did not know: leg-down opens, leg-up closes',
    start: () => newGroupCorrelation('srv1', 'bond0', []),
    steps: [legDown('p1', 0, 'eth2'), legUp('p2', 5000, 'eth2')],
    incidents: [
      {
        id: idAt(0),
        state: 'closed',
        closedAt: iso(5000),
        leg: 'eth2',
        legWasActive: false,
        events: ['p1', 'p2'],
      },
    ],
    // The first report from unknown is news, not a flap.
    legs: { eth2: { serverUp: true, portUp: null, changes: [BASE + 5000] } },
  },
  {
    name: 'a leg the state did not know beside known ones',
    steps: [linkDown('t1', 0, 'eth2')],
    incidents: [
      {
        id: idAt(0),
        leg: 'eth2',
        summary: 'sw-a swp3 down, srv1 bond0 lost leg eth2, running on 2 legs',
      },
    ],
    legs: { eth2: { portUp: false, serverUp: null, changes: [] } },
  },
  {
    name: 'a fresh group learns its active leg, then the link-down of it',
    start: () => newGroupCorrelation('srv1', 'bond0', ['eth0', 'eth1']),
    steps: [activeChanged('p0', 0, null, 'eth0'), linkDown('t1', 1000)],
    incidents: [{ id: idAt(1000), openedAt: iso(1000), events: ['t1'], legWasActive: true }],
    activeLeg: 'eth0',
  },
  {
    name: 'flapping: 5 changes of one leg within the window flap it',
    steps: fiveInAWindow,
    // The first two downs open (and close) incidents; the fifth change makes it flap.
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt((2 * WINDOW) / 5), state: 'closed' },
    ],
    legs: { eth0: { portUp: false, changes: fiveTimes } },
    flappingSteps: [false, false, false, false, true],
    // Until the first change leaves the window (t − window, t].
    flappingAt: [
      [(4 * WINDOW) / 5, true],
      [WINDOW - 1, true],
      [WINDOW, false],
      [4 * WINDOW, false],
    ],
  },
  {
    name: 'flapping: 5 changes spanning exactly one window are 4 within it, not a flap',
    steps: alternating(5, WINDOW / 4),
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt(WINDOW / 2), state: 'closed' },
      { id: idAt(WINDOW), state: 'open' },
    ],
    flappingSteps: [false, false, false, false, false],
  },
  {
    name: 'flapping: cut and mended every 7.5 s with a 10 s window never flaps',
    windowMs: 10_000,
    steps: alternating(10, 7500),
    // At most 2 changes within any 10 s: every cut opens its incident, every mend closes it.
    incidents: [0, 15_000, 30_000, 45_000, 60_000].map((ms) => ({ id: idAt(ms), state: 'closed' })),
    legs: { eth0: { portUp: true, changes: [BASE + 60_000, BASE + 67_500] } },
    flappingSteps: Array<boolean>(10).fill(false),
    flappingAt: [[67_500, false]],
  },
  {
    name: 'flapping: while flapping a new down opens no incident',
    steps: [...fiveInAWindow, linkUp('f6', 25_000), linkDown('f7', 26_000)],
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt((2 * WINDOW) / 5), state: 'closed' },
    ],
    legs: { eth0: { portUp: false } },
    flappingSteps: [false, false, false, false, true, true, true],
  },
  {
    name: 'flapping: clears once a window holds 4 changes, and a down opens an incident again',
    // After the flap, one change every quarter window: 4 within any window from 48 s on.
    steps: [
      ...fiveInAWindow,
      linkUp('f6', 31_500),
      linkDown('f7', 39_000),
      linkUp('f8', 46_500),
      linkDown('f9', 54_000),
    ],
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt((2 * WINDOW) / 5), state: 'closed' },
      { id: idAt(54_000), state: 'open', events: ['f9'] },
    ],
    legs: {
      eth0: { portUp: false, changes: [31_500, 39_000, 46_500, 54_000].map((ms) => BASE + ms) },
    },
    flappingSteps: [false, false, false, false, true, true, true, true, false],
  },
  {
    name: 'flapping: a leg quiet for several windows opens incidents again',
    steps: [...fiveInAWindow, linkUp('f6', 4 * WINDOW), linkDown('f7', 4 * WINDOW + 1000)],
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt((2 * WINDOW) / 5), state: 'closed' },
      { id: idAt(4 * WINDOW + 1000), state: 'open', events: ['f7'] },
    ],
    // The changes of the flap have left the window and the list.
    legs: { eth0: { portUp: false, changes: [BASE + 4 * WINDOW, BASE + 4 * WINDOW + 1000] } },
    flappingAt: [[4 * WINDOW + 1000, false]],
  },
  {
    name: 'flapping: 4 changes within the window do not flap',
    steps: [linkDown('f1', 0), linkUp('f2', 1), linkDown('f3', 2), linkUp('f4', 3)],
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt(2), state: 'closed' },
    ],
    legs: { eth0: { changes: [0, 1, 2, 3].map((ms) => BASE + ms) } },
    flappingAt: [[3, false]],
  },
  {
    name: 'flapping: 4 changes spread over several windows never flap',
    steps: [
      linkDown('f1', 0),
      linkUp('f2', WINDOW),
      linkDown('f3', 2 * WINDOW),
      linkUp('f4', 3 * WINDOW),
    ],
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt(2 * WINDOW), state: 'closed' },
    ],
    flappingSteps: [false, false, false, false],
  },
  {
    name: 'flapping: a cable pulled twice, each seen at both ends, is 3 changes, not a flap',
    steps: [
      linkDown('t1', 0),
      legDown('p1', 2000),
      linkUp('t2', 10_000),
      legUp('p2', 12_000),
      linkDown('t3', 20_000),
      legDown('p3', 22_000),
    ],
    incidents: [
      { id: idAt(0), state: 'closed', events: ['t1', 'p1', 't2', 'p2'] },
      { id: idAt(20_000), state: 'open', events: ['t3', 'p3'] },
    ],
    legs: { eth0: { changes: [BASE, BASE + 12_000, BASE + 20_000] } },
    flappingAt: [[22_000, false]],
  },
  {
    name: 'flapping: changes stay in time order when one end reports late',
    // The server end's leg-down at 5 s arrives after the port's down and up at 10 and 12 s.
    steps: [linkDown('t1', 10_000), linkUp('t2', 12_000), legDown('p1', 5000)],
    incidents: [
      { id: idAt(10_000), state: 'closed' },
      { id: idAt(5000), state: 'open' },
    ],
    legs: { eth0: { changes: [5000, 10_000, 12_000].map((ms) => BASE + ms) } },
  },
  {
    name: 'flapping: a leg keeps at most 16 change times',
    steps: alternating(20, 1),
    incidents: [
      { id: idAt(0), state: 'closed' },
      { id: idAt(2), state: 'closed' },
    ],
    legs: { eth0: { changes: Array.from({ length: 16 }, (_, i) => BASE + 4 + i) } },
    flappingAt: [[19, true]],
  },
];

describe('applyTouch', () => {
  it.each(scenarios)('$name', (c) => {
    const windowMs = c.windowMs ?? WINDOW;
    const got = run(c.steps, c.start?.(), windowMs);
    const ids = got.incidents.map((i) => i.id);
    const wantIds = c.incidents.map((i) => i.id);
    expect(ids, `incidents: got ${ids.join(' ')}, want ${wantIds.join(' ')}`).toEqual(wantIds);
    c.incidents.forEach((want, i) => {
      expect(got.incidents[i], `incident ${i}: got/want`).toMatchObject(want);
    });
    const open = got.incidents.find((i) => i.state === 'open')?.id ?? null;
    expect(
      got.state.openIncident,
      `openIncident: got ${got.state.openIncident}, want ${open}`,
    ).toBe(open);
    if (c.activeLeg !== undefined) {
      expect(
        got.state.activeLeg,
        `activeLeg: got ${got.state.activeLeg}, want ${c.activeLeg}`,
      ).toBe(c.activeLeg);
    }
    for (const [leg, want] of Object.entries(c.legs ?? {})) {
      expect(got.state.legs[leg], `leg ${leg}: got/want`).toMatchObject(want);
    }
    for (const [ms, want] of c.flappingAt ?? []) {
      const leg = got.state.legs.eth0 as LegCorrelation;
      const flapping = isFlapping(leg, BASE + ms, windowMs);
      expect(flapping, `isFlapping at +${ms} ms: got ${flapping}, want ${want}`).toBe(want);
    }
    if (c.flappingSteps) {
      expect(got.flapping, 'isFlapping after each step: got/want').toEqual(c.flappingSteps);
    }
  });

  it('gives the same incident for the same first event (a retried job)', () => {
    const first = run([portDown, failover]);
    const again = run([portDown, failover]);
    expect(again.last, 'retried incident: got/want').toEqual(first.last);
    expect(first.last?.id, `id: got ${first.last?.id}, want ${idAt(0)}`).toBe(idAt(0));
  });

  it('replays an already applied event without changing state or incident', () => {
    const once = run([portDown, failover]);
    const { state, incident } = applyTouch(
      once.state,
      once.last,
      failover.touch,
      failover.event,
      WINDOW,
    );
    expect(state, 'state: got/want').toEqual(once.state);
    expect(incident, 'incident: got/want').toEqual(once.last);
  });

  it('does not change its inputs', () => {
    const opened = run([portDown]);
    const state = structuredClone(opened.state);
    const incident = structuredClone(opened.last);
    applyTouch(opened.state, opened.last, failover.touch, failover.event, WINDOW);
    applyTouch(opened.state, opened.last, legUp('p9', 1).touch, legUp('p9', 1).event, WINDOW);
    expect(opened.state, 'state after: got/want').toEqual(state);
    expect(opened.last, 'incident after: got/want').toEqual(incident);
  });
});

/* ---- expireWindow. ---- */

const expiries: Array<{
  name: string;
  steps: Step[];
  changed: boolean;
  want?: Partial<Incident>;
}> = [
  {
    name: 'active leg down and no failover: active-leg-down',
    steps: [portDown],
    changed: true,
    want: {
      state: 'open',
      activeLegDown: true,
      failover: null,
      summary:
        'sw-a swp1 down, srv1 bond0 did not fail over: still sending through eth0 (active-leg-down), running on one leg',
    },
  },
  {
    name: 'active leg down at the server end and no failover: active-leg-down',
    steps: [legDown('p1', 0)],
    changed: true,
    want: {
      activeLegDown: true,
      summary:
        'srv1 eth0 down, srv1 bond0 did not fail over: still sending through eth0 (active-leg-down), running on one leg',
    },
  },
  { name: 'after a failover: nothing changes', steps: [portDown, failover], changed: false },
  {
    name: 'after recovery: nothing changes',
    steps: [portDown, linkUp('t2', 5000)],
    changed: false,
  },
  { name: 'standby leg down: nothing changes', steps: [linkDown('t1', 0, 'eth1')], changed: false },
  {
    name: 'the failed leg came back, another keeps it open: nothing changes',
    steps: [linkDown('t1', 0), linkDown('t2', 100, 'eth1'), linkUp('t3', 5000)],
    changed: false,
  },
];

describe('expireWindow', () => {
  it.each(expiries)('$name', ({ steps, changed, want }) => {
    const { state, incidents } = run(steps);
    const incident = incidents[0] as Incident;
    const before = structuredClone(incident);
    const got = expireWindow(incident, state);
    expect(got !== incident, `changed: got ${got !== incident}, want ${changed}`).toBe(changed);
    expect(incident, 'input incident: got/want').toEqual(before);
    if (!changed) expect(got.activeLegDown, 'activeLegDown').toBe(false);
    if (want) expect(got, 'expired incident: got/want').toMatchObject(want);
  });
});

/* ---- summarise. ---- */

function incidentOf(over: Partial<Incident>): Incident {
  return {
    id: idAt(0),
    state: 'open',
    openedAt: iso(0),
    closedAt: null,
    device: 'srv1',
    group: 'bond0',
    cause: { device: 'sw-a', type: 'link-down', interface: 'swp1' },
    events: ['t1'],
    summary: '',
    failoverMs: null,
    leg: 'eth0',
    legWasActive: true,
    failover: null,
    activeLegDown: false,
    ...over,
  };
}

function downState(legs: readonly string[], down: readonly string[]): GroupCorrelation {
  const state = known(legs);
  for (const leg of down) (state.legs[leg] as LegCorrelation).portUp = false;
  return state;
}

const summaries: Array<{
  name: string;
  incident: Incident;
  state: GroupCorrelation;
  want: string;
}> = [
  {
    name: 'failed over, one leg left',
    incident: incidentOf({
      failover: { from: 'eth0', to: 'eth1', at: iso(85) },
      failoverMs: 85,
    }),
    state: downState(['eth0', 'eth1'], ['eth0']),
    want: 'sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 in 85 ms, running on one leg',
  },
  {
    name: 'failover without a time',
    incident: incidentOf({ failover: { from: 'eth0', to: 'eth1', at: iso(85) } }),
    state: downState(['eth0', 'eth1'], ['eth0']),
    want: 'sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 (seen by one poll, not timed), running on one leg',
  },
  {
    name: 'three legs, one lost',
    incident: incidentOf({}),
    state: downState(['eth0', 'eth1', 'eth2'], ['eth0']),
    want: 'sw-a swp1 down, srv1 bond0 lost leg eth0, running on 2 legs',
  },
  {
    name: 'no leg left',
    incident: incidentOf({}),
    state: downState(['eth0', 'eth1'], ['eth0', 'eth1']),
    want: 'sw-a swp1 down, srv1 bond0 lost leg eth0, no leg left',
  },
  {
    name: 'closed',
    incident: incidentOf({ state: 'closed', closedAt: iso(5000) }),
    state: known(),
    want: 'sw-a swp1 down, srv1 bond0 lost leg eth0, every leg back',
  },
  {
    name: 'active-leg-down',
    incident: incidentOf({ activeLegDown: true }),
    state: downState(['eth0', 'eth1'], ['eth0']),
    want: 'sw-a swp1 down, srv1 bond0 did not fail over: still sending through eth0 (active-leg-down), running on one leg',
  },
  {
    name: 'a cause without an interface',
    incident: incidentOf({
      cause: { device: 'srv1', type: 'device-unreachable', interface: null },
    }),
    state: known(),
    want: 'srv1 unreachable, srv1 bond0 lost leg eth0, running on 2 legs',
  },
];

describe('summarise', () => {
  it.each(summaries)('$name', ({ incident, state, want }) => {
    const got = summarise(incident, state);
    expect(got, `got ${got}, want ${want}`).toBe(want);
  });
});

/* ---- isFlapping. ---- */

function legWith(over: Partial<LegCorrelation>): LegCorrelation {
  const leg = newGroupCorrelation('srv1', 'bond0', ['eth0']).legs.eth0 as LegCorrelation;
  return { ...leg, serverUp: true, portUp: true, ...over };
}

/** `count` change times `everyMs` apart from BASE. */
const times = (count: number, everyMs: number): number[] =>
  Array.from({ length: count }, (_, i) => BASE + i * everyMs);

/** A leg as the damped version stored it: a penalty, no change times. */
const legacyLeg = {
  serverUp: true,
  portUp: true,
  serverAt: BASE - 1000,
  portAt: BASE - 1000,
  penalty: 4.5,
  penaltyAt: BASE - 1000,
  flapping: true,
};

const flaps: Array<{ name: string; leg: LegCorrelation; atMs: number; want: boolean }> = [
  { name: 'no changes', leg: legWith({}), atMs: BASE, want: false },
  {
    name: '5 changes at one instant',
    leg: legWith({ changes: times(5, 0) }),
    atMs: BASE,
    want: true,
  },
  {
    name: '5 changes within the window',
    leg: legWith({ changes: times(5, 1000) }),
    atMs: BASE + WINDOW - 1,
    want: true,
  },
  {
    name: 'the first of 5 left the window (t − window excluded)',
    leg: legWith({ changes: times(5, 1000) }),
    atMs: BASE + WINDOW,
    want: false,
  },
  {
    name: '4 changes within the window',
    leg: legWith({ changes: times(4, 1) }),
    atMs: BASE + 3,
    want: false,
  },
  {
    name: 'changes after the time asked about do not count',
    leg: legWith({ changes: times(5, 1000) }),
    atMs: BASE + 3000,
    want: false,
  },
  {
    name: 'a state stored before change times were kept: none',
    leg: legacyLeg as unknown as LegCorrelation,
    atMs: BASE,
    want: false,
  },
];

describe('isFlapping', () => {
  it.each(flaps)('$name', ({ leg, atMs, want }) => {
    const got = isFlapping(leg, atMs, WINDOW);
    expect(got, `got ${got}, want ${want}`).toBe(want);
  });
});

describe('a state stored by the damped version', () => {
  const stored = JSON.stringify({
    device: 'srv1',
    group: 'bond0',
    legs: { eth0: legacyLeg, eth1: { ...legacyLeg, penalty: 0, flapping: false } },
    activeLeg: 'eth0',
    openIncident: null,
  });

  it('loads with no change times: a link-down opens an incident and starts the list', () => {
    const got = run([portDown], JSON.parse(stored) as GroupCorrelation);
    expect(
      got.incidents.map((i) => i.id),
      'incidents: got/want',
    ).toEqual([idAt(0)]);
    expect(got.state.legs.eth0, 'eth0: got/want').toMatchObject({ portUp: false, changes: [BASE] });
    expect(got.flapping, 'isFlapping: got/want').toEqual([false]);
  });

  it('flaps from then on as any other state', () => {
    const got = run(fiveInAWindow, JSON.parse(stored) as GroupCorrelation);
    expect(got.flapping, 'isFlapping after each step: got/want').toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(got.state.legs.eth0?.changes, 'eth0 changes: got/want').toEqual(fiveTimes);
  });
});

/* ---- newGroupCorrelation. ---- */

const fresh: LegCorrelation = {
  serverUp: null,
  portUp: null,
  serverAt: 0,
  portAt: 0,
  changes: [],
};

const groups: Array<{ name: string; legs: string[]; want: GroupCorrelation }> = [
  {
    name: 'two legs, nothing known yet',
    legs: ['eth0', 'eth1'],
    want: {
      device: 'srv1',
      group: 'bond0',
      legs: { eth0: fresh, eth1: fresh },
      activeLeg: null,
      openIncident: null,
    },
  },
  {
    name: 'no legs configured',
    legs: [],
    want: { device: 'srv1', group: 'bond0', legs: {}, activeLeg: null, openIncident: null },
  },
];

describe('newGroupCorrelation', () => {
  it.each(groups)('$name', ({ legs, want }) => {
    const got = newGroupCorrelation('srv1', 'bond0', legs);
    expect(got, 'got/want').toEqual(want);
  });

  it('gives every leg its own record', () => {
    const got = newGroupCorrelation('srv1', 'bond0', ['eth0', 'eth1']);
    (got.legs.eth0 as LegCorrelation).portUp = false;
    expect(got.legs.eth1?.portUp, `eth1 portUp: got ${got.legs.eth1?.portUp}, want null`).toBe(
      null,
    );
  });
});

describe('active-leg changes out of order', () => {
  it('keeps the newest active leg when an older change is applied after it', () => {
    const failback = activeChanged('p3', 5000, 'eth1', 'eth0');
    const older = activeChanged('p1', 85, 'eth0', 'eth1');
    const got = run([failback, older]);
    expect(got.state.activeLeg, `activeLeg: got ${got.state.activeLeg}, want eth0`).toBe('eth0');
  });
});
