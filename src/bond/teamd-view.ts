/**
 * The text of `teamdctl <team> state` (= `state view`) → TeamState, the form teamd.ts also reads
 * `state dump` JSON into. utils/teamdctl.c prints the view text from that JSON, two spaces per
 * level; `-v` adds detail lines (ethtool link, delays, LACPDU info). TeamState and the checks both
 * readers share live here, so teamd.ts imports this file and never the reverse.
 */
import { DecodeError } from '../errors';
import type { LacpPort, RedundancyPolicy } from '../model';

const FORMAT = 'teamd state';
export const EXPECTED =
  'expected `teamdctl <team> state dump` JSON or `teamdctl <team> state` text starting with "setup:"';

// ---- shared with teamd.ts (the dump reader) -------------------------------------------------

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
export const WATCH_KIND: Record<string, 'link' | 'probe'> = {
  ethtool: 'link',
  arp_ping: 'probe',
  nsna_ping: 'probe',
  tipc: 'probe',
};

export interface WatchState {
  name: string;
  up: boolean;
  downCount: number | null;
  delayUpMs: number | null;
  delayDownMs: number | null;
  intervalMs: number | null;
  target: string | null;
}

export interface LacpState {
  selected: boolean;
  /** This port's aggregator is the one teamd selected for traffic. */
  aggregatorSelected: boolean;
  info: LacpPort;
}

export interface PortState {
  name: string;
  up: boolean;
  speedMbps: number | null;
  duplex: string | null;
  watches: WatchState[];
  lacp: LacpState | null;
}

export interface TeamState {
  name: string | null;
  runner: string;
  policy: RedundancyPolicy;
  activePort: string | null;
  fastRate: boolean | null;
  ports: PortState[];
}

export function fail(message: string, line?: number): never {
  throw new DecodeError(FORMAT, message, line);
}

/** Ethtool reports 0 or SPEED_UNKNOWN (-1, 0xffffffff unsigned) for a port without link. */
export function knownSpeed(speed: number | null): number | null {
  return speed !== null && speed > 0 && speed < 0xffffffff ? speed : null;
}

export function policyOf(runner: string | null, line?: number): RedundancyPolicy {
  const policy = runner !== null && Object.hasOwn(RUNNER_POLICY, runner) && RUNNER_POLICY[runner];
  if (policy) return policy;
  return fail(
    `unknown runner "${runner}"; teamd has ${Object.keys(RUNNER_POLICY).join(' ')}`,
    line,
  );
}

export function checkWatch(name: string | null, line?: number): string {
  if (name !== null && Object.hasOwn(WATCH_KIND, name)) return name;
  return fail(`unknown link watch "${name}"; teamd has ${Object.keys(WATCH_KIND).join(' ')}`, line);
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

/** `teamdctl <team> state` text → TeamState; a needed line missing or malformed is a DecodeError. */
export function readView(input: string): TeamState {
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
