/*
 * How the page reads the switches' STP state and a group's legs: which switch is the root, which
 * switches still reach it, and how each leg is drawn.
 */

/** The fleet's STP root, as nicwatch judges it: the lowest designated root a switch reports. */
export function fleetRoot(switches) {
  let root = null;
  for (const sw of switches) {
    const candidate = sw.reachable ? sw.designatedRoot : null;
    if (candidate && (root === null || candidate < root)) root = candidate;
  }
  return root;
}

/** `root`, `ok` (has a path to the root), `lost` (names another root) or `unknown`. */
export function rootPath(sw, root) {
  if (!sw || !sw.reachable || !sw.designatedRoot || root === null) return 'unknown';
  if (sw.designatedRoot !== root) return 'lost';
  if (sw.bridgeId && sw.bridgeId === root) return 'root';
  return 'ok';
}

/** Reasons that mean the server's side of the group is not known now. */
const UNJUDGED = new Set(['stale', 'device-unreachable']);

export function isJudged(group) {
  return !(group.reasons || []).some((r) => UNJUDGED.has(r.code));
}

/**
 * How a leg is drawn: `broken` (NIC or port down), `blocked` (up, port not forwarding),
 * `unknown` (a side of it is not known), else `ok`; its role (active or standby) sets the weight.
 */
export function legState(leg, judged) {
  if (!judged) return 'unknown';
  if (!leg.up || leg.portUp === false) return 'broken';
  if (leg.stpState && leg.stpState !== 'forwarding') return 'blocked';
  if (leg.portUp === null) return 'unknown';
  return 'ok';
}
