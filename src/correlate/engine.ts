/**
 * The correlator's rules, pure: one group's correlation state and open incident, plus one thing
 * that happened to it, give the next state and incident.
 *
 * Inputs: a `Touch` (a leg's switch port or server interface went up or down, or the group's
 * active leg changed) with the event that carried it, and the correlation window.
 * Outputs: the new `GroupCorrelation` and the incident opened, updated or closed.
 * Rules:
 * - a leg going down (either end) opens an incident when none is open; its cause is that event;
 * - every later event of the group joins the open incident;
 * - the first move of the active leg from one leg to another while it is open is the failover:
 *   `failoverMs` runs from the first event to it;
 * - the incident closes when every leg is up at both ends;
 * - a change older than the last one applied to that leg end is recorded but changes nothing,
 *   so events of one group apply in the order they happened whatever order workers see them in,
 *   and a duplicate (a trap and the poll that confirms it) changes nothing twice;
 * - flapping is damped: each change of a leg (up at both ends, or not) adds 1 to a penalty that
 *   halves every two windows; above FLAP_SUPPRESS the leg is flapping (reported once, as a reason
 *   of the group, and opening no new incidents) until the penalty falls below FLAP_REUSE.
 */
import type { EventType, StateEvent } from '../model';

export interface LegCorrelation {
  serverUp: boolean | null;
  portUp: boolean | null;
  /** Epoch ms of the latest change applied to each end. */
  serverAt: number;
  portAt: number;
  /** Damped count of recent changes and when it was last updated. */
  penalty: number;
  penaltyAt: number;
  flapping: boolean;
}

export interface GroupCorrelation {
  device: string;
  group: string;
  legs: Record<string, LegCorrelation>;
  activeLeg: string | null;
  /** Epoch ms of the latest active-leg change applied (absent in states stored before it was kept). */
  activeAt?: number;
  openIncident: string | null;
}

export interface Incident {
  id: string;
  state: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
  device: string;
  group: string;
  cause: { device: string; type: EventType; interface: string | null };
  events: string[];
  summary: string;
  failoverMs: number | null;
  /** The leg the cause took down, and whether the group was sending through it then. */
  leg: string | null;
  legWasActive: boolean;
  failover: { from: string; to: string; at: string } | null;
  /** The window ran out with the group still sending through the failed leg. */
  activeLegDown: boolean;
}

export type Touch =
  | { kind: 'leg'; leg: string; end: 'server' | 'port'; up: boolean }
  | { kind: 'active'; from: string | null; to: string | null };

export const FLAP_SUPPRESS = 4;
export const FLAP_REUSE = 2;

export function newGroupCorrelation(
  device: string,
  group: string,
  legs: readonly string[],
): GroupCorrelation {
  const fresh = (): LegCorrelation => ({
    serverUp: null,
    portUp: null,
    serverAt: 0,
    portAt: 0,
    penalty: 0,
    penaltyAt: 0,
    flapping: false,
  });
  return {
    device,
    group,
    legs: Object.fromEntries(legs.map((leg) => [leg, fresh()])),
    activeLeg: null,
    openIncident: null,
  };
}

export interface Applied {
  state: GroupCorrelation;
  incident: Incident | null;
}

export function applyTouch(
  state: GroupCorrelation,
  incident: Incident | null,
  touch: Touch,
  event: StateEvent,
  windowMs: number,
): Applied {
  const next = structuredClone(state);
  let current = incident ? structuredClone(incident) : null;
  const atMs = Date.parse(event.at);
  if (current && !current.events.includes(event.id)) current.events.push(event.id);
  if (touch.kind === 'active') {
    // An active-leg change older than the last one applied is history, not the present.
    if (atMs < (next.activeAt ?? 0)) return { state: next, incident: current };
    next.activeLeg = touch.to;
    next.activeAt = atMs;
    if (current && current.state === 'open' && !current.failover && touch.from && touch.to) {
      current.failover = { from: touch.from, to: touch.to, at: event.at };
      current.failoverMs = Math.max(0, atMs - Date.parse(current.openedAt));
    }
  } else {
    const leg = (next.legs[touch.leg] ??= newGroupCorrelation('', '', [touch.leg]).legs[
      touch.leg
    ] as LegCorrelation);
    const changed = applyLegEnd(leg, touch, atMs, windowMs);
    if (changed && !touch.up && !current && !leg.flapping) {
      current = openIncident(next, touch.leg, event);
    }
  }
  if (current?.state === 'open' && allLegsUp(next)) {
    current.state = 'closed';
    current.closedAt = event.at;
  }
  if (current) {
    current.summary = summarise(current, next);
    next.openIncident = current.state === 'open' ? current.id : null;
  }
  return { state: next, incident: current };
}

/** Sets one end of a leg unless the event is older than the last applied; true when it changed. */
function applyLegEnd(
  leg: LegCorrelation,
  touch: Extract<Touch, { kind: 'leg' }>,
  atMs: number,
  windowMs: number,
): boolean {
  const atKey = touch.end === 'server' ? 'serverAt' : 'portAt';
  const upKey = touch.end === 'server' ? 'serverUp' : 'portUp';
  if (atMs < leg[atKey]) return false;
  const before = leg[upKey];
  const legWasUp = legIsUp(leg);
  leg[upKey] = touch.up;
  leg[atKey] = atMs;
  if (before === touch.up) return false;
  // A first report (from unknown) is news, but not a flap; nor is the second end of a leg
  // confirming what the first already said (a trap's link-down, then the poll's leg-down).
  if (before !== null && legIsUp(leg) !== legWasUp) {
    const decayed = decayedPenalty(leg, atMs, windowMs);
    // Damped until the penalty fell below FLAP_REUSE, as isFlapping reads it, before this change.
    if (decayed < FLAP_REUSE) leg.flapping = false;
    leg.penalty = decayed + 1;
    leg.penaltyAt = atMs;
    if (leg.penalty > FLAP_SUPPRESS) leg.flapping = true;
  }
  return true;
}

function legIsUp(leg: LegCorrelation): boolean {
  return leg.serverUp !== false && leg.portUp !== false;
}

/**
 * The penalty halves every two windows, so a leg that changes state 5 times evenly spread over one
 * window crosses 4 (5 changes bunched at both edges of the window may stay just below it).
 */
export function decayedPenalty(leg: LegCorrelation, atMs: number, windowMs: number): number {
  const elapsed = Math.max(0, atMs - leg.penaltyAt);
  return leg.penalty * 2 ** (-elapsed / (2 * windowMs));
}

/** Whether the leg is still flapping at `atMs`: damped until the penalty falls below FLAP_REUSE. */
export function isFlapping(leg: LegCorrelation, atMs: number, windowMs: number): boolean {
  return leg.flapping && decayedPenalty(leg, atMs, windowMs) >= FLAP_REUSE;
}

function openIncident(state: GroupCorrelation, leg: string, event: StateEvent): Incident {
  const openedMs = Date.parse(event.at);
  return {
    id: `${state.device}/${state.group}/${openedMs}`,
    state: 'open',
    openedAt: event.at,
    closedAt: null,
    device: state.device,
    group: state.group,
    cause: { device: event.device, type: event.type, interface: event.interface ?? null },
    events: [event.id],
    summary: '',
    failoverMs: null,
    leg,
    legWasActive: state.activeLeg === leg,
    failover: null,
    activeLegDown: false,
  };
}

function allLegsUp(state: GroupCorrelation): boolean {
  return Object.values(state.legs).every(legIsUp);
}

/**
 * When the window runs out: a group that was sending through the leg that failed and still is,
 * never failed over. Pure; the worker calls it from a delayed job.
 */
export function expireWindow(incident: Incident, state: GroupCorrelation): Incident {
  if (incident.state !== 'open' || incident.failover || !incident.legWasActive) return incident;
  const leg = incident.leg === null ? undefined : state.legs[incident.leg];
  const stillDown = leg !== undefined && (leg.serverUp === false || leg.portUp === false);
  if (!stillDown || state.activeLeg !== incident.leg) return incident;
  const expired = { ...incident, activeLegDown: true };
  return { ...expired, summary: summarise(expired, state) };
}

/** "sw-a swp1 down, srv1 bond0 failed over eth0 → eth1 in 85 ms, running on one leg". */
export function summarise(incident: Incident, state: GroupCorrelation): string {
  const { cause } = incident;
  const what = cause.type.replace(/^(link|leg)-/, '').replace('device-', '');
  const parts = [`${cause.device}${cause.interface ? ` ${cause.interface}` : ''} ${what}`];
  const name = `${incident.device} ${incident.group}`;
  if (incident.failover) {
    parts.push(
      `${name} failed over ${incident.failover.from} → ${incident.failover.to} in ${incident.failoverMs ?? '?'} ms`,
    );
  } else if (incident.activeLegDown) {
    parts.push(
      `${name} did not fail over: still sending through ${incident.leg ?? '?'} (active-leg-down)`,
    );
  } else {
    parts.push(`${name} lost leg ${incident.leg ?? '?'}`);
  }
  if (incident.state === 'closed') {
    parts.push('every leg back');
  } else {
    const up = Object.values(state.legs).filter(
      (leg) => leg.serverUp !== false && leg.portUp !== false,
    ).length;
    parts.push(
      up === 0 ? 'no leg left' : up === 1 ? 'running on one leg' : `running on ${up} legs`,
    );
  }
  return parts.join(', ');
}
