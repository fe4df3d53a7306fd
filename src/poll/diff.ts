/**
 * What changed between two polls of one device, as events (contract section 4). Pure.
 *
 * Inputs: the previous stored poll (or null on the first one) and the new one.
 * Outputs: events without ids, in a stable order: reachability, then links, STP, legs.
 * A failed poll keeps the old data, so only the reachability change is reported for it.
 */
import type {
  DevicePoll,
  EventType,
  GroupPoll,
  StateEvent,
  StpPortState,
  SwitchSnapshot,
} from '../model';

type NewEvent = Omit<StateEvent, 'id'>;

export function diffPolls(previous: DevicePoll | null, next: DevicePoll): NewEvent[] {
  const event = (type: EventType, details: Record<string, unknown>, iface?: string): NewEvent => ({
    at: next.at,
    source: next.transport === 'netconf' ? 'netconf' : 'poll',
    device: next.device,
    type,
    ...(iface === undefined ? {} : { interface: iface }),
    details,
  });
  const events: NewEvent[] = [];
  const wasOk = previous?.ok ?? true;
  if (wasOk && !next.ok) events.push(event('device-unreachable', { error: next.error }));
  if (previous && !wasOk && next.ok) events.push(event('device-reachable', {}));
  if (!next.ok || !previous || previous.lastOkAt === null) return events;
  if (previous.switch && next.switch)
    events.push(...diffSwitch(previous.switch, next.switch, event));
  events.push(...diffGroups(previous.groups, next.groups, event));
  return events;
}

type MakeEvent = (type: EventType, details: Record<string, unknown>, iface?: string) => NewEvent;

function diffSwitch(before: SwitchSnapshot, after: SwitchSnapshot, event: MakeEvent): NewEvent[] {
  const events: NewEvent[] = [];
  const oldIfs = new Map(before.interfaces.map((i) => [i.ifIndex, i]));
  for (const iface of after.interfaces) {
    const old = oldIfs.get(iface.ifIndex);
    if (!old || old.operUp === iface.operUp || iface.operUp === null || old.operUp === null) {
      continue;
    }
    const type = iface.operUp ? 'link-up' : 'link-down';
    events.push(event(type, { ifIndex: iface.ifIndex }, iface.name));
  }
  const names = new Map(after.interfaces.map((i) => [i.ifIndex, i.name]));
  const oldStates = new Map<number, StpPortState | null>(
    (before.stpPorts ?? []).map((p) => [p.bridgePort, p.state]),
  );
  for (const port of after.stpPorts ?? []) {
    const from = oldStates.get(port.bridgePort);
    if (from === undefined || from === port.state) continue;
    const iface = port.ifIndex === null ? undefined : names.get(port.ifIndex);
    events.push(event('stp-state', { bridgePort: port.bridgePort, from, to: port.state }, iface));
  }
  const oldStp = before.stp;
  const newStp = after.stp;
  if (oldStp && newStp) {
    if ((newStp.topologyChanges ?? 0) > (oldStp.topologyChanges ?? 0)) {
      events.push(
        event('stp-topology-change', {
          topologyChanges: newStp.topologyChanges,
          previous: oldStp.topologyChanges,
        }),
      );
    }
    if (oldStp.designatedRoot !== newStp.designatedRoot && newStp.designatedRoot !== null) {
      events.push(
        event('stp-new-root', { from: oldStp.designatedRoot, to: newStp.designatedRoot }),
      );
    }
  }
  return events;
}

function diffGroups(before: GroupPoll[], after: GroupPoll[], event: MakeEvent): NewEvent[] {
  const events: NewEvent[] = [];
  const oldGroups = new Map(before.map((g) => [g.name, g.group]));
  for (const { name, group } of after) {
    const old = oldGroups.get(name);
    if (!old || !group) continue;
    const oldLegs = new Map(old.legs.map((leg) => [leg.interface, leg]));
    for (const leg of group.legs) {
      const was = oldLegs.get(leg.interface);
      if (!was || was.up === leg.up) continue;
      events.push(
        event(leg.up ? 'leg-up' : 'leg-down', { group: name, state: leg.state }, leg.interface),
      );
    }
    if (old.activeLeg !== group.activeLeg) {
      events.push(
        event(
          'active-leg-changed',
          { group: name, from: old.activeLeg, to: group.activeLeg },
          group.activeLeg ?? undefined,
        ),
      );
    }
  }
  return events;
}
