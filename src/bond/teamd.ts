/**
 * teamd (libteam) state → RedundancyGroup, from the JSON of `teamdctl <team> state dump` or the
 * text of `teamdctl <team> state` (= `state view`, read in teamd-view.ts), both read into one
 * TeamState first. The JSON holds the state values registered in libteam's teamd/teamd_state.c
 * (setup, team_device, ports.*.ifinfo|link), teamd_link_watch.c (ports.*.link_watches) and the
 * runners (teamd_runner_activebackup.c, teamd_runner_lacp.c).
 */
import { newLeg, newMonitoring } from '../model';
import type { LacpGroup, Leg, Monitoring } from '../model';
import type { RedundancyGroup, RedundancyPolicy } from '../model';
import {
  EXPECTED,
  WATCH_KIND,
  checkWatch,
  fail,
  knownSpeed,
  policyOf,
  readView,
} from './teamd-view';
import type { LacpState, PortState, TeamState, WatchState } from './teamd-view';

/** Cheap recognition for format auto-detection; decodeTeamdState still validates everything. */
export function looksLikeTeamdState(text: string): boolean {
  const start = text.trimStart();
  if (start.startsWith('setup:')) return true;
  if (!start.startsWith('{')) return false;
  try {
    const doc: unknown = JSON.parse(start);
    return isObject(doc) && ('setup' in doc || ('runner' in doc && 'ports' in doc));
  } catch {
    return false;
  }
}

export function decodeTeamdState(text: string): RedundancyGroup {
  const start = text.trimStart();
  if (start === '') fail(`empty input; ${EXPECTED}`);
  const team = /^[[{]/.test(start) ? readDump(parseJson(start)) : readView(text);
  // teamd reports active_port "" while no port is active (ab_state_active_port_get).
  const activeLeg = team.policy === 'failover' && team.activePort ? team.activePort : null;
  return {
    kind: 'linux-team',
    name: team.name,
    mode: team.runner,
    policy: team.policy,
    activeLeg,
    legs: team.ports.map((port) => toLeg(port, team.policy, activeLeg)),
    monitoring: toMonitoring(team.ports.flatMap((port) => port.watches)),
    // Ports have prio/sticky, but teamd names no preferred port the way bonding's primary does.
    primary: null,
    primaryReselect: null,
    failOverMac: null,
    lacp: team.runner === 'lacp' ? toLacpGroup(team) : null,
    driverVersion: null,
  };
}

// ---- model mapping --------------------------------------------------------------------------

function toLeg(port: PortState, policy: RedundancyPolicy, activeLeg: string | null): Leg {
  const counts = port.watches.flatMap((w) => (w.downCount === null ? [] : [w.downCount]));
  return {
    ...newLeg(port.name),
    up: port.up,
    active: isActive(port, policy, activeLeg),
    state: port.up ? 'up' : 'down',
    linkFailures: counts.length === 0 ? null : counts.reduce((a, b) => a + b, 0),
    speedMbps: port.speedMbps,
    duplex: port.duplex,
    lacp: port.lacp?.info ?? null,
  };
}

function isActive(port: PortState, policy: RedundancyPolicy, activeLeg: string | null): boolean {
  if (policy === 'failover') return port.name === activeLeg;
  // lacp enables only ports selected into the selected aggregator (lacp_port_should_be_enabled).
  if (policy === 'aggregate') return port.up && inActiveAggregator(port);
  return port.up;
}

function inActiveAggregator(port: PortState): boolean {
  return port.lacp !== null && port.lacp.selected && port.lacp.aggregatorSelected;
}

function toLacpGroup(team: TeamState): LacpGroup {
  const members = team.ports.filter(inActiveAggregator);
  // Without an active aggregator, a partner is only stated when every port saw the same one.
  const partners = new Set(
    (members.length > 0 ? members : team.ports).map((p) => p.lacp?.info.partnerMac ?? null),
  );
  return {
    activeAggregatorId: members[0]?.lacp?.info.aggregatorId ?? null,
    partnerMac: partners.size === 1 ? ([...partners][0] ?? null) : null,
    rate: team.fastRate === null ? null : team.fastRate ? 'fast' : 'slow',
  };
}

function toMonitoring(watches: WatchState[]): Monitoring {
  const link = watches.some((w) => WATCH_KIND[w.name] === 'link');
  const probe = watches.some((w) => WATCH_KIND[w.name] === 'probe');
  const arp = watches.filter((w) => w.name === 'arp_ping');
  const ethtool = watches.find((w) => w.name === 'ethtool');
  return {
    ...newMonitoring(),
    detection: link && probe ? 'link+probe' : link ? 'link' : probe ? 'probe' : 'none',
    // teamd's ethtool watch is event-driven (netlink), so there is no MII polling interval.
    miiIntervalMs: null,
    arpIntervalMs: arp.find((w) => w.intervalMs !== null)?.intervalMs ?? null,
    arpTargets: [...new Set(arp.flatMap((w) => (w.target === null ? [] : [w.target])))],
    upDelayMs: ethtool?.delayUpMs ?? null,
    downDelayMs: ethtool?.delayDownMs ?? null,
  };
}

// ---- `teamdctl <team> state dump` JSON ------------------------------------------------------

type JsonObject = Record<string, unknown>;
/** Typed reads from one JSON object (absent: null); a value of another type is an error. */
interface Fields {
  path: string;
  str(key: string): string | null;
  num(key: string): number | null;
  bool(key: string): boolean | null;
  obj(key: string): Fields;
  entries(): [string, Fields][];
  missing(key: string): never;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(`not valid JSON (${err instanceof Error ? err.message : err}); ${EXPECTED}`);
  }
}

function fields(value: unknown, path: string): Fields {
  if (value !== undefined && !isObject(value)) fail(`${path}: expected an object`);
  const o = value as JsonObject | undefined;
  const typed = <T>(key: string, type: string): T | null => {
    const v = o?.[key];
    if (v === undefined) return null;
    if (typeof v === type) return v as T;
    return fail(`${path}.${key}: expected a ${type}, got ${JSON.stringify(v)}`);
  };
  return {
    path,
    str: (key: string) => typed<string>(key, 'string'),
    num: (key: string) => typed<number>(key, 'number'),
    bool: (key: string) => typed<boolean>(key, 'boolean'),
    obj: (key: string) => fields(o?.[key], `${path}.${key}`),
    entries: () => Object.entries(o ?? {}).map(([key, v]) => [key, fields(v, `${path}.${key}`)]),
    missing: (key: string) => fail(`${path}.${key}: missing`),
  };
}

function readDump(doc: unknown): TeamState {
  if (!isObject(doc)) fail(`not a JSON object; ${EXPECTED}`);
  const json = fields(doc, '$');
  const runner = json.obj('setup').str('runner_name');
  if (runner === null) fail(`no "setup.runner_name" in the JSON; ${EXPECTED}`);
  const state = json.obj('runner');
  return {
    name: json.obj('team_device').obj('ifinfo').str('ifname'),
    runner,
    policy: policyOf(runner),
    activePort: state.str('active_port'),
    fastRate: state.bool('fast_rate'),
    // A team without ports has no "ports" object at all.
    ports: json.obj('ports').entries().map(readDumpPort),
  };
}

function readDumpPort([name, port]: [string, Fields]): PortState {
  const link = port.obj('link');
  const watches = port.obj('link_watches');
  const speed = knownSpeed(link.num('speed'));
  return {
    name,
    // teamd acts on the link watches' summary (teamd_link_watch_port_up), not on carrier.
    up: watches.bool('up') ?? watches.missing('up'),
    speedMbps: speed,
    // With no link, duplex is a leftover ("half"), not a fact.
    duplex: speed === null ? null : link.str('duplex'),
    watches: watches.obj('list').entries().map(readDumpWatch),
    lacp: readDumpLacp(port.obj('runner')),
  };
}

function readDumpWatch([, watch]: [string, Fields]): WatchState {
  return {
    name: checkWatch(watch.str('name') ?? watch.missing('name')),
    up: watch.bool('up') ?? watch.missing('up'),
    downCount: watch.num('down_count'),
    delayUpMs: watch.num('delay_up'),
    delayDownMs: watch.num('delay_down'),
    intervalMs: watch.num('interval'),
    target: watch.str('target_host'),
  };
}

function readDumpLacp(runner: Fields): LacpState | null {
  const selected = runner.bool('selected');
  // Only the lacp runner registers per-port runner state.
  if (selected === null) return null;
  const aggregator = runner.obj('aggregator');
  const actor = runner.obj('actor_lacpdu_info');
  const partner = runner.obj('partner_lacpdu_info');
  return {
    selected,
    aggregatorSelected: aggregator.bool('selected') ?? false,
    info: {
      aggregatorId: aggregator.num('id'),
      partnerMac: partner.str('system'),
      partnerKey: partner.num('key'),
      actorKey: actor.num('key'),
      actorState: actor.num('state'),
      partnerState: partner.num('state'),
    },
  };
}
