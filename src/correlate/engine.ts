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
 *   `failoverMs` runs from the first event to it (null when one poll saw both at once);
 * - the incident closes when every leg is up at both ends;
 * - a change older than the last one applied to that leg end is recorded but changes nothing,
 *   so events of one group apply in the order they happened whatever order workers see them in,
 *   and a duplicate (a trap and the poll that confirms it) changes nothing twice;
 * - a leg is flapping at time t when more than FLAP_SUPPRESS of its changes (up at both ends, or
 *   not) fall within the window ending at t, (t − window, t]; a flapping leg is reported once, as
 *   a reason of the group, and its downs open no new incidents. Each leg keeps the times of its
 *   changes within the last window, at most CHANGES_KEPT of them.
 */
import type { EventType, StateEvent } from '../model';

export interface LegCorrelation {
  serverUp: boolean | null;
  portUp: boolean | null;
  /** Epoch ms of the latest change applied to each end. */
  serverAt: number;
  portAt: number;
  /**
   * Epoch ms of the leg's recent changes, oldest first (absent in states stored before it was
   * kept, which counted changes as a damped `penalty` instead: those read as no changes).
   */
  changes?: number[];
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
/** Enough to tell more than FLAP_SUPPRESS, small enough to keep every group's state short. */
const CHANGES_KEPT = 16;

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
    changes: [],
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
      // A poll that finds the leg down and the active leg moved at once cannot time the move.
      const sameObservation =
        event.source !== 'trap' &&
        event.device === current.cause.device &&
        atMs === Date.parse(current.openedAt);
      current.failoverMs = sameObservation
        ? null
        : Math.max(0, atMs - Date.parse(current.openedAt));
    }
  } else {
    const leg = (next.legs[touch.leg] ??= newGroupCorrelation('', '', [touch.leg]).legs[
      touch.leg
    ] as LegCorrelation);
    const changed = applyLegEnd(leg, touch, atMs, windowMs);
    if (changed && !touch.up && !current && !isFlapping(leg, atMs, windowMs)) {
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
  if (before !== null && legIsUp(leg) !== legWasUp) recordChange(leg, atMs, windowMs);
  return true;
}

/**
 * Adds a change, kept in time order (the two ends' events may arrive out of order), and forgets
 * those that can no longer fall within a window with the newest.
 */
function recordChange(leg: LegCorrelation, atMs: number, windowMs: number): void {
  const changes = [...(leg.changes ?? []), atMs].sort((a, b) => a - b);
  const newest = changes[changes.length - 1] ?? atMs;
  leg.changes = changes.filter((ms) => ms > newest - windowMs).slice(-CHANGES_KEPT);
}

function legIsUp(leg: LegCorrelation): boolean {
  return leg.serverUp !== false && leg.portUp !== false;
}

/** Whether more than FLAP_SUPPRESS of the leg's changes fall within (atMs − window, atMs]. */
export function isFlapping(leg: LegCorrelation, atMs: number, windowMs: number): boolean {
  const within = (leg.changes ?? []).filter((ms) => ms > atMs - windowMs && ms <= atMs);
  return within.length > FLAP_SUPPRESS;
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
      `${name} failed over ${incident.failover.from} → ${incident.failover.to} ${incident.failoverMs === null ? '(seen by one poll, not timed)' : `in ${incident.failoverMs} ms`}`,
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
