/**
 * teamd (libteam) state → RedundancyGroup, from the JSON of `teamdctl <team> state dump` or the
 * text of `teamdctl <team> state` (= `state view`), both read into one TeamState first.
 * The JSON holds the state values registered in libteam's teamd/teamd_state.c (setup, team_device,
 * ports.*.ifinfo|link), teamd_link_watch.c (ports.*.link_watches) and the runners
 * (teamd_runner_activebackup.c, teamd_runner_lacp.c). utils/teamdctl.c prints the view text from
 * that JSON, two spaces per level; `-v` adds detail lines (ethtool link, delays, LACPDU info).
 */
import { DecodeError } from '../errors';
import { newLeg, newMonitoring } from '../model';
import type { LacpGroup, LacpPort, Leg, Monitoring } from '../model';
import type { RedundancyGroup, RedundancyPolicy } from '../model';

const FORMAT = 'teamd state';
const EXPECTED =
  'expected `teamdctl <team> state dump` JSON or `teamdctl <team> state` text starting with "setup:"';

/** teamd's runners (teamd.conf(5) runner.name) and how each uses its ports. */
const RUNNER_POLICY: Record<string, RedundancyPolicy> = {
  activebackup: 'failover',
  lacp: 'aggregate',
  loadbalance: 'load-share',
  roundrobin: 'load-share',
  broadcast: 'load-share',
  random: 'load-share',
};

/** ethtool follows carrier; the others send probes (ARP, IPv6 NS/NA, TIPC neighbour links). */
const WATCH_KIND: Record<string, 'link' | 'probe'> = {
  ethtool: 'link',
  arp_ping: 'probe',
  nsna_ping: 'probe',
  tipc: 'probe',
};

interface WatchState {
  name: string;
  up: boolean;
  downCount: number | null;
  delayUpMs: number | null;
  delayDownMs: number | null;
  intervalMs: number | null;
  target: string | null;
}

interface LacpState {
  selected: boolean;
  /** This port's aggregator is the one teamd selected for traffic. */
  aggregatorSelected: boolean;
  info: LacpPort;
}

interface PortState {
  name: string;
  up: boolean;
  speedMbps: number | null;
  duplex: string | null;
  watches: WatchState[];
  lacp: LacpState | null;
}

interface TeamState {
  name: string | null;
  runner: string;
  policy: RedundancyPolicy;
  activePort: string | null;
  fastRate: boolean | null;
  ports: PortState[];
}

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

function fail(message: string, line?: number): never {
  throw new DecodeError(FORMAT, message, line);
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

/** Ethtool reports 0 or SPEED_UNKNOWN (-1, 0xffffffff unsigned) for a port without link. */
function knownSpeed(speed: number | null): number | null {
  return speed !== null && speed > 0 && speed < 0xffffffff ? speed : null;
}

function policyOf(runner: string | null, line?: number): RedundancyPolicy {
  const policy = runner !== null && Object.hasOwn(RUNNER_POLICY, runner) && RUNNER_POLICY[runner];
  if (policy) return policy;
  return fail(
    `unknown runner "${runner}"; teamd has ${Object.keys(RUNNER_POLICY).join(' ')}`,
    line,
  );
}

function checkWatch(name: string | null, line?: number): string {
  if (name !== null && Object.hasOwn(WATCH_KIND, name)) return name;
  return fail(`unknown link watch "${name}"; teamd has ${Object.keys(WATCH_KIND).join(' ')}`, line);
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

// ---- `teamdctl <team> state` view text ------------------------------------------------------

/** One line of view text (`key: value`, `key:` or a bare port name) and the lines under it. */
interface ViewNode {
  key: string;
  value: string | null;
  line: number;
  children: ViewNode[];
}

function parseView(text: string): ViewNode[] {
  const root: ViewNode = { key: '', value: null, line: 0, children: [] };
  const open = [{ node: root, indent: -2 }];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '') return;
    const indent = line.length - line.trimStart().length;
    while (open.length > 1 && (open[open.length - 1]?.indent ?? -2) >= indent) open.pop();
    const parent = open[open.length - 1] ?? { node: root, indent: -2 };
    // teamdctl indents each level by exactly two spaces (INDENT_STR_STEP).
    if (indent !== parent.indent + 2) fail(`unexpected indentation; ${EXPECTED}`, i + 1);
    const m = /^([^:]+):(?: (.*))?$/.exec(line.trim());
    const key = m?.[1] ?? line.trim();
    const node: ViewNode = { key, value: m ? (m[2] ?? '') : null, line: i + 1, children: [] };
    parent.node.children.push(node);
    open.push({ node, indent });
  });
  return root.children;
}

function child(node: ViewNode | undefined, key: string): ViewNode | undefined {
  return node?.children.find((c) => c.key === key);
}

function need(node: ViewNode, key: string): ViewNode {
  return child(node, key) ?? fail(`no "${key}:" line under "${node.key}"`, node.line);
}

function text(node: ViewNode | undefined, key: string): string | null {
  return child(node, key)?.value ?? null;
}

function num(node: ViewNode | undefined, key: string): number | null {
  const found = child(node, key);
  return found === undefined ? null : int(found);
}

function flag(node: ViewNode, yes: string, no: string): boolean {
  if (node.value === yes || node.value === no) return node.value === yes;
  return fail(`${node.key}: expected "${yes}" or "${no}", got "${node.value}"`, node.line);
}

/** teamdctl prints LACP state octets as 0x%x and every other number in decimal. */
function int(node: ViewNode): number {
  if (node.value !== null && /^(0x[0-9a-f]+|\d+)$/i.test(node.value)) return Number(node.value);
  return fail(`${node.key}: expected a number, got "${node.value}"`, node.line);
}

function readView(input: string): TeamState {
  const top: ViewNode = { key: '', value: '', line: 1, children: parseView(input) };
  const first = top.children[0];
  if (first?.key !== 'setup' || first.value !== '') fail(EXPECTED, first?.line ?? 1);
  const stray = top.children.find((n) => !/^(setup|ports|runner)$/.test(n.key) || n.value !== '');
  if (stray)
    fail(`"${stray.key}" at the top level; teamdctl prints setup:, ports:, runner:`, stray.line);
  const runner = need(first, 'runner');
  const state = child(top, 'runner');
  const fastRate = child(state, 'fast rate');
  return {
    name: null, // the view text never names the team
    runner: runner.value ?? '',
    policy: policyOf(runner.value, runner.line),
    activePort: text(state, 'active port'),
    fastRate: fastRate ? flag(fastRate, 'yes', 'no') : null,
    ports: (child(top, 'ports')?.children ?? []).map(readViewPort),
  };
}

function readViewPort(port: ViewNode): PortState {
  if (port.value !== null)
    fail(`expected a port name under "ports:", got "${port.key}:"`, port.line);
  const watches = need(port, 'link watches');
  // Only `teamdctl -v` prints e.g. "ethtool link: 1000mbit/fullduplex/up".
  const ethtool = child(port, 'ethtool link');
  const m = /^(\d+)mbit\/(\w+)duplex\/(up|down)$/.exec(ethtool?.value ?? '');
  if (ethtool && !m) fail('ethtool link: expected "<n>mbit/<d>duplex/<up|down>"', ethtool.line);
  const speed = knownSpeed(m ? Number(m[1]) : null);
  const runner = child(port, 'runner');
  return {
    name: port.key,
    up: flag(need(watches, 'link summary'), 'up', 'down'),
    speedMbps: speed,
    duplex: speed === null ? null : (m?.[2] ?? null),
    watches: watches.children.filter((c) => /^instance\[.+\]$/.test(c.key)).map(readViewWatch),
    lacp: runner ? readViewLacp(runner) : null,
  };
}

function readViewWatch(watch: ViewNode): WatchState {
  const name = need(watch, 'name');
  return {
    name: checkWatch(name.value, name.line),
    up: flag(need(watch, 'link'), 'up', 'down'),
    downCount: num(watch, 'down count'),
    delayUpMs: num(watch, 'link up delay'),
    delayDownMs: num(watch, 'link down delay'),
    intervalMs: num(watch, 'interval'),
    target: text(watch, 'target host'),
  };
}

function readViewLacp(runner: ViewNode): LacpState {
  const aggregator = need(runner, 'aggregator ID');
  const m = /^(\d+)(, Selected)?$/.exec(aggregator.value ?? '');
  if (!m) fail('aggregator ID: expected "<id>" or "<id>, Selected"', aggregator.line);
  // Only `teamdctl -v` prints the LACPDU info blocks.
  const actor = child(runner, 'actor LACPDU info');
  const partner = child(runner, 'partner LACPDU info');
  return {
    selected: flag(need(runner, 'selected'), 'yes', 'no'),
    aggregatorSelected: m[2] !== undefined,
    info: {
      aggregatorId: Number(m[1]),
      partnerMac: text(partner, 'system'),
      partnerKey: num(partner, 'key'),
      actorKey: num(actor, 'key'),
      actorState: num(actor, 'state'),
      partnerState: num(partner, 'state'),
    },
  };
}
