/**
 * Health rules that need the switch side of each leg (contract section 5): `stp-not-forwarding`,
 * `single-switch`, `not-edge-port`, `upstream-lost`. Inputs: the joined legs; outputs: reasons.
 * Pure. A leg whose switch side is unknown contributes nothing here: no guess.
 */
import type { Reason } from '../model';
import { carriesTraffic, isDown, reason, switchPortName, type RuleLeg } from './legs';

export function switchRules(legs: RuleLeg[]): Reason[] {
  return [
    ...stpForwardingRule(legs),
    ...singleSwitchRule(legs),
    ...edgePortRule(legs),
    ...upstreamRule(legs),
  ];
}

/** `stp-not-forwarding`: the port is up but STP keeps it out of forwarding. */
function stpForwardingRule(legs: RuleLeg[]): Reason[] {
  const stuck = legs.filter(
    (leg) => !isDown(leg) && leg.stpState !== null && leg.stpState !== 'forwarding',
  );
  if (stuck.length === 0) return [];
  const text = stuck.map((leg) => `${switchPortName(leg)} (${leg.name}) is ${leg.stpState}`);
  return [reason('stp-not-forwarding', 'WARNING', text.join(', '))];
}

/**
 * `single-switch`: one switch failure takes the group down, because every leg is cabled to the
 * same switch or every leg that still carries traffic is.
 */
function singleSwitchRule(legs: RuleLeg[]): Reason[] {
  const cabled = legs.filter((leg) => leg.switch !== null);
  if (legs.length < 2 || cabled.length < legs.length) return [];
  const switches = new Set(cabled.map((leg) => leg.switch));
  const carrying = cabled.filter(carriesTraffic);
  const carryingSwitches = new Set(carrying.map((leg) => leg.switch));
  if (switches.size === 1) {
    const [only] = switches;
    return [reason('single-switch', 'WARNING', `every leg ends on ${only}`)];
  }
  if (carrying.length >= 2 && carryingSwitches.size === 1) {
    const [only] = carryingSwitches;
    const names = carrying.map((leg) => leg.name).join(', ');
    return [
      reason('single-switch', 'WARNING', `every leg carrying traffic (${names}) ends on ${only}`),
    ];
  }
  return [];
}

/** `not-edge-port`: without PortFast a port that comes back waits out listening + learning. */
function edgePortRule(legs: RuleLeg[]): Reason[] {
  const slow = legs.filter((leg) => leg.edge === false);
  if (slow.length === 0) return [];
  const text = slow.map((leg) => `${switchPortName(leg)} (${leg.name})`).join(', ');
  return [
    reason(
      'not-edge-port',
      'WARNING',
      `${text} not an STP edge port: after a link comes back it stays out of forwarding for listening + learning`,
    ),
  ];
}

/** `upstream-lost`: CRITICAL for a leg that carries the traffic, WARNING for a standby one. */
function upstreamRule(legs: RuleLeg[]): Reason[] {
  const lost = legs.filter((leg) => leg.upstreamLost && !isDown(leg));
  if (lost.length === 0) return [];
  const active = lost.filter((leg) => leg.active);
  const status = active.length > 0 ? 'CRITICAL' : 'WARNING';
  const text = lost
    .map(
      (leg) =>
        `${leg.switch} (behind ${leg.active ? 'active ' : ''}${leg.name}) has no forwarding path to the STP root`,
    )
    .join(', ');
  const tail = active.length > 0 ? ': the group still sends through it' : '';
  return [reason('upstream-lost', status, `${text}${tail}`)];
}
