/**
 * A trap is a hint: it updates what the last poll said about one port at once, so health moves
 * before the verifying poll confirms (or corrects) it. Pure.
 */
import type { DevicePoll, TrapEvent } from '../model';

/** The trap's interface name, from the trap itself or the device's last poll by ifIndex. */
export function resolveInterface(event: TrapEvent, poll: DevicePoll | null): TrapEvent {
  if (event.interface !== undefined) return event;
  const ifIndex = event.details.ifIndex;
  if (typeof ifIndex !== 'number' || !poll?.switch) return event;
  const iface = poll.switch.interfaces.find((i) => i.ifIndex === ifIndex);
  return iface ? { ...event, interface: iface.name } : event;
}

/** The poll with the trap's link state applied, or null when the trap changes nothing in it. */
export function applyTrapHint(poll: DevicePoll | null, event: TrapEvent): DevicePoll | null {
  if (!poll || (event.type !== 'link-down' && event.type !== 'link-up')) return null;
  const up = event.type === 'link-up';
  if (poll.switch) {
    const ifIndex = event.details.ifIndex;
    const index = poll.switch.interfaces.findIndex((i) =>
      typeof ifIndex === 'number' ? i.ifIndex === ifIndex : i.name === event.interface,
    );
    const iface = poll.switch.interfaces[index];
    if (!iface || iface.operUp === up) return null;
    const interfaces = poll.switch.interfaces.slice();
    interfaces[index] = { ...iface, operUp: up };
    const hints = { ...poll.hints, [iface.ifIndex]: { up, at: event.at } };
    return { ...poll, switch: { ...poll.switch, interfaces }, hints };
  }
  if (event.interface === undefined) return null;
  let changed = false;
  const groups = poll.groups.map((g) => {
    if (!g.group) return g;
    const legs = g.group.legs.map((leg) => {
      if (leg.interface !== event.interface || leg.up === up) return leg;
      changed = true;
      return { ...leg, up, state: up ? 'up' : 'down' };
    });
    return { ...g, group: { ...g.group, legs } };
  });
  return changed ? { ...poll, groups } : null;
}

/** How long a trap's word on a port outweighs polls that say otherwise. */
export const HINT_HOLD_MS = 15_000;

/**
 * A new poll with the previous poll's unconfirmed trap hints applied: a hint younger than
 * HINT_HOLD_MS wins over a poll that contradicts it (the agent's cache may still be old); a poll
 * that agrees confirms and ends it; an older hint is dropped and the poll wins.
 */
export function carryHints(
  previous: DevicePoll | null,
  next: DevicePoll,
  nowMs: number,
): DevicePoll {
  const hints = previous?.hints;
  if (!hints || !next.switch) return next;
  const kept: NonNullable<DevicePoll['hints']> = {};
  const interfaces = next.switch.interfaces.map((iface) => {
    const hint = hints[iface.ifIndex];
    if (!hint || nowMs - Date.parse(hint.at) > HINT_HOLD_MS || iface.operUp === hint.up)
      return iface;
    kept[iface.ifIndex] = hint;
    return { ...iface, operUp: hint.up };
  });
  const merged: DevicePoll = { ...next, switch: { ...next.switch, interfaces } };
  if (Object.keys(kept).length > 0) merged.hints = kept;
  else delete merged.hints;
  return merged;
}
