/**
 * A leg as the health rules see it: the server's view of its interface joined with the switch
 * port it is cabled to, when that is configured and polled.
 */
import type { Leg, Reason, RedundancyGroup, Status, StpPortState } from '../model';

/** What the switch side knows of one leg; every field null/false when it knows nothing. */
export interface LegLink {
  switch: string | null;
  port: string | null;
  /** The switch port's ifOperStatus; null when unknown. */
  portUp: boolean | null;
  /** STP state of the port (of its aggregate for a LAG member); null when unknown. */
  stpState: StpPortState | null;
  /** RSTP operational edge (PortFast); null when the switch does not say. */
  edge: boolean | null;
  /** The leg's switch has no forwarding path towards the STP root. */
  upstreamLost: boolean;
}

export const UNKNOWN_LINK: LegLink = {
  switch: null,
  port: null,
  portUp: null,
  stpState: null,
  edge: null,
  upstreamLost: false,
};

export interface RuleLeg extends LegLink {
  name: string;
  /** The server's own view of the interface. */
  up: boolean;
  active: boolean;
  /** The decoded leg; null for a configured leg the group does not list. */
  leg: Leg | null;
}

/** Down from either end: the server's interface or its switch port. */
export function isDown(leg: RuleLeg): boolean {
  return !leg.up || leg.portUp === false;
}

/** Can carry traffic: up at both ends and, where STP is known, forwarding. */
export function carriesTraffic(leg: RuleLeg): boolean {
  return !isDown(leg) && (leg.stpState === null || leg.stpState === 'forwarding');
}

export function switchPortName(leg: RuleLeg): string {
  return leg.switch && leg.port ? `${leg.switch} ${leg.port}` : 'its switch port';
}

export function describeDown(legs: RuleLeg[]): string {
  return legs
    .map((leg) => {
      if (!leg.leg) return `${leg.name} missing`;
      if (!leg.up) return `${leg.name} ${leg.leg.state ?? 'down'}`;
      return `${leg.name} (${switchPortName(leg)} down)`;
    })
    .join(', ');
}

export function reason(code: Reason['code'], status: Status, message: string): Reason {
  return { code, status, message };
}

export function groupName(group: RedundancyGroup): string {
  return group.name ?? `the ${group.kind}`;
}
