/**
 * Decoder of `/proc/net/bonding/<bond>` (drivers/net/bonding/bond_procfs.c) from the 2.x driver
 * to the kernel-version headers of 5.x/6.x.
 *
 * The text is read line by line, not by blank-line blocks: pastes lose or double blank lines,
 * indent everything, or drop the header. A `Slave Interface:` line opens a slave; the `802.3ad
 * info`, `Active Aggregator Info:` and `details actor|partner lacp pdu:` headers open the
 * sub-sections whose keys would otherwise be ambiguous (`Aggregator ID`, `system mac address`).
 * Known keys with values we do not understand are a DecodeError; unknown keys are skipped so a
 * newer kernel's additions do not break the decoder.
 */
import { DecodeError } from '../errors';
import {
  type FailureDetection,
  type LacpPort,
  type Leg,
  type RedundancyGroup,
  type RedundancyPolicy,
  newLeg,
  newMonitoring,
} from '../model';
import { clip } from './text';

const FORMAT = '/proc/net/bonding text';

/** bond_mode_name() strings → the short names of the `mode` module option. */
const MODE_NAMES: ReadonlyArray<[RegExp, string, RedundancyPolicy]> = [
  [/^load balancing \(round-robin\)/i, 'balance-rr', 'load-share'],
  [/^fault-tolerance \(active-backup\)/i, 'active-backup', 'failover'],
  [/^load balancing \(xor\)/i, 'balance-xor', 'load-share'],
  [/^fault-tolerance \(broadcast\)/i, 'broadcast', 'load-share'],
  [/^IEEE 802\.3ad Dynamic link aggregation/i, '802.3ad', 'aggregate'],
  [/^transmit load balancing/i, 'balance-tlb', 'load-share'],
  [/^adaptive load balancing/i, 'balance-alb', 'load-share'],
];

/** bond_slave_link_status(): "going down" and "going back" are transitions, not usable links. */
const SLAVE_LINK_STATES = new Set(['up', 'down', 'going down', 'going back']);

type Section = 'master' | 'active-aggregator' | 'slave' | 'actor-pdu' | 'partner-pdu';

interface ParseState {
  group: RedundancyGroup;
  section: Section;
  slave: Leg | null;
  sawMode: boolean;
  currentActive: string | null;
  lineNo: number;
}

export function looksLikeProcBonding(text: string): boolean {
  return /^\s*(Ethernet Channel Bonding Driver:|Bonding Mode:)/m.test(text);
}

export function decodeProcBonding(text: string): RedundancyGroup {
  const state: ParseState = {
    group: emptyBond(),
    section: 'master',
    slave: null,
    sawMode: false,
    currentActive: null,
    lineNo: 0,
  };
  for (const raw of text.split(/\r?\n/)) {
    state.lineNo += 1;
    const line = raw.trim();
    if (line !== '') readLine(state, line);
  }
  if (!state.sawMode) {
    throw new DecodeError(FORMAT, 'expected a "Bonding Mode:" line; this is not a bonding status');
  }
  return finish(state);
}

function emptyBond(): RedundancyGroup {
  return {
    kind: 'linux-bond',
    name: null,
    mode: '',
    policy: 'load-share',
    activeLeg: null,
    legs: [],
    monitoring: newMonitoring(),
    primary: null,
    primaryReselect: null,
    failOverMac: null,
    lacp: null,
    driverVersion: null,
  };
}

function readLine(state: ParseState, line: string): void {
  const lower = line.toLowerCase();
  if (lower === '802.3ad info') return;
  if (lower === 'active aggregator info:') return void (state.section = 'active-aggregator');
  if (lower === 'details actor lacp pdu:') return void (state.section = 'actor-pdu');
  if (lower === 'details partner lacp pdu:') return void (state.section = 'partner-pdu');
  if (/^bond \S+ has no active aggregator$/i.test(line)) return;

  const colon = line.indexOf(':');
  if (colon < 0) return checkFragment(state, line);
  const key = line.slice(0, colon).trim().toLowerCase();
  const value = line.slice(colon + 1).trim();

  if (key === 'slave interface') return openSlave(state, value);
  if (key === 'ethernet channel bonding driver') {
    state.group.driverVersion = value.replace(/^v(?=\d)/, '').replace(/\s*\(.*\)$/, '');
    return;
  }
  if (state.section === 'actor-pdu' || state.section === 'partner-pdu') {
    if (readPduKey(state, key, value)) return;
    state.section = 'slave'; // a non-indented slave key after the pdu details
  }
  if (state.section === 'active-aggregator') {
    if (readActiveAggregatorKey(state, key, value)) return;
    state.section = 'master';
  }
  if (state.slave) readSlaveKey(state, state.slave, key, value);
  else readMasterKey(state, key, value);
}

/** A line without a colon: tolerated only as a truncated known key ("Speed"), never as data. */
function checkFragment(state: ParseState, line: string): void {
  const known =
    /^(speed|duplex|mii status|link failure count|permanent hw addr|slave queue id|aggregator id)$/i;
  if (!known.test(line)) {
    throw new DecodeError(FORMAT, `unexpected line "${clip(line)}"`, state.lineNo);
  }
}

function openSlave(state: ParseState, name: string): void {
  if (name === '' || /\s/.test(name)) {
    throw new DecodeError(
      FORMAT,
      `expected an interface name after "Slave Interface:"`,
      state.lineNo,
    );
  }
  if (state.group.legs.some((leg) => leg.interface === name)) {
    throw new DecodeError(FORMAT, `slave ${name} is listed twice`, state.lineNo);
  }
  state.slave = newLeg(name);
  state.group.legs.push(state.slave);
  state.section = 'slave';
}

function readMasterKey(state: ParseState, key: string, value: string): void {
  const { group } = state;
  const mon = group.monitoring;
  switch (key) {
    case 'bonding mode':
      return readMode(state, value);
    case 'primary slave': {
      const m = /^(\S+)(?:\s+\(primary_reselect (\w+)\))?$/.exec(value);
      if (!m)
        throw new DecodeError(FORMAT, `unreadable primary slave "${clip(value)}"`, state.lineNo);
      group.primary = m[1] === 'None' ? null : (m[1] ?? null);
      group.primaryReselect = m[2] ?? null;
      return;
    }
    case 'currently active slave':
      state.currentActive = value === 'None' || value === '' ? null : value;
      return;
    case 'mii polling interval (ms)':
      mon.miiIntervalMs = toInt(state, value);
      return;
    case 'up delay (ms)':
      mon.upDelayMs = toInt(state, value);
      return;
    case 'down delay (ms)':
      mon.downDelayMs = toInt(state, value);
      return;
    case 'arp polling interval (ms)':
      mon.arpIntervalMs = toInt(state, value);
      return;
    case 'arp ip target/s (n.n.n.n form)':
      mon.arpTargets = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      return;
    case 'lacp rate':
      ensureLacp(state).rate = value;
      return;
    default:
      return; // MII Status of the bond, hash policy, ad_select, ...: not needed for health
  }
}

function readMode(state: ParseState, value: string): void {
  const entry = MODE_NAMES.find(([pattern]) => pattern.test(value));
  if (!entry) {
    throw new DecodeError(FORMAT, `unknown bonding mode "${clip(value)}"`, state.lineNo);
  }
  state.group.mode = entry[1];
  state.group.policy = entry[2];
  state.sawMode = true;
  const failOverMac = /\(fail_over_mac (\w+)\)/.exec(value);
  state.group.failOverMac = failOverMac?.[1] ?? (entry[1] === 'active-backup' ? 'none' : null);
}

function readActiveAggregatorKey(state: ParseState, key: string, value: string): boolean {
  const lacp = ensureLacp(state);
  switch (key) {
    case 'aggregator id':
      lacp.activeAggregatorId = toInt(state, value);
      return true;
    case 'partner mac address':
      lacp.partnerMac = value.toLowerCase();
      return true;
    case 'number of ports':
    case 'actor key':
    case 'partner key':
      return true;
    default:
      return false;
  }
}

function readSlaveKey(state: ParseState, leg: Leg, key: string, value: string): void {
  switch (key) {
    case 'mii status': {
      const status = value.toLowerCase();
      if (!SLAVE_LINK_STATES.has(status)) {
        throw new DecodeError(
          FORMAT,
          `unknown MII status "${clip(value)}" of ${leg.interface}`,
          state.lineNo,
        );
      }
      leg.state = status;
      leg.up = status === 'up';
      return;
    }
    case 'speed':
      leg.speedMbps = /^unknown$/i.test(value)
        ? null
        : toInt(state, value.replace(/\s*mbps$/i, ''));
      return;
    case 'duplex':
      leg.duplex = /^unknown$/i.test(value) ? null : value.toLowerCase();
      return;
    case 'link failure count':
      leg.linkFailures = toInt(state, value);
      return;
    case 'permanent hw addr':
      leg.mac = value.toLowerCase();
      return;
    case 'aggregator id':
      ensurePort(leg).aggregatorId = /^n\/a$/i.test(value) ? null : toInt(state, value);
      return;
    default:
      return; // churn states, queue id, ...
  }
}

/** Keys of the `details actor|partner lacp pdu:` blocks; false for a key that ends the block. */
function readPduKey(state: ParseState, key: string, value: string): boolean {
  const leg = state.slave;
  if (!leg) return false;
  const port = ensurePort(leg);
  const partner = state.section === 'partner-pdu';
  switch (key) {
    case 'system mac address':
      if (partner) port.partnerMac = value.toLowerCase();
      return true;
    case 'port key':
    case 'oper key':
      if (partner) port.partnerKey = toInt(state, value);
      else port.actorKey = toInt(state, value);
      return true;
    case 'port state':
      if (partner) port.partnerState = toInt(state, value);
      else port.actorState = toInt(state, value);
      return true;
    case 'system priority':
    case 'port priority':
    case 'port number':
      return true;
    default:
      return false;
  }
}

function ensureLacp(state: ParseState): NonNullable<RedundancyGroup['lacp']> {
  state.group.lacp ??= { activeAggregatorId: null, partnerMac: null, rate: null };
  return state.group.lacp;
}

function ensurePort(leg: Leg): LacpPort {
  leg.lacp ??= {
    aggregatorId: null,
    partnerMac: null,
    partnerKey: null,
    actorKey: null,
    actorState: null,
    partnerState: null,
  };
  return leg.lacp;
}

function finish(state: ParseState): RedundancyGroup {
  const { group } = state;
  for (const leg of group.legs) {
    if (leg.state === null) {
      throw new DecodeError(FORMAT, `slave ${leg.interface} has no "MII Status:" line`);
    }
  }
  group.monitoring.detection = detectionOf(group);
  markActiveLegs(group, state.currentActive);
  return group;
}

function detectionOf(group: RedundancyGroup): FailureDetection {
  const mon = group.monitoring;
  const link = (mon.miiIntervalMs ?? 0) > 0;
  const probe = (mon.arpIntervalMs ?? 0) > 0 && mon.arpTargets.length > 0;
  if (link && probe) return 'link+probe';
  if (link) return 'link';
  if (probe) return 'probe';
  return 'none';
}

/**
 * active-backup (and tlb/alb, which receive on it) name one current slave; the kernel prints it
 * for every mode that uses a primary, even for the round-robin bonds of the 2.x drivers.
 * 802.3ad carries traffic on the up members of the active aggregator; the other load-sharing
 * modes on every up slave.
 */
function markActiveLegs(group: RedundancyGroup, currentActive: string | null): void {
  if (group.policy === 'failover' || group.mode === 'balance-tlb' || group.mode === 'balance-alb') {
    group.activeLeg = currentActive;
    if (currentActive && !group.legs.some((leg) => leg.interface === currentActive)) {
      throw new DecodeError(FORMAT, `active slave ${currentActive} is not among the slaves`);
    }
  }
  for (const leg of group.legs) {
    if (group.policy === 'failover') leg.active = leg.interface === currentActive;
    else if (group.policy === 'aggregate') leg.active = leg.up && inActiveAggregator(group, leg);
    else leg.active = leg.up;
  }
}

function inActiveAggregator(group: RedundancyGroup, leg: Leg): boolean {
  const active = group.lacp?.activeAggregatorId ?? null;
  const own = leg.lacp?.aggregatorId ?? null;
  return active === null || own === null || active === own;
}

function toInt(state: ParseState, value: string): number {
  if (!/^-?\d+$/.test(value)) {
    throw new DecodeError(FORMAT, `expected a number, got "${clip(value)}"`, state.lineNo);
  }
  return Number(value);
}
