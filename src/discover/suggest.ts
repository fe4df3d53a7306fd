/**
 * `nicwatch discover`'s judgement, pure: what one device answered (system group, IF-MIB, the
 * BRIDGE-MIB/LLDP-MIB parts of a switch poll, the extends it serves) → the `devices:` entry it
 * suggests for nicwatch.yaml, as YAML text with comments saying what was found and what is left
 * to the operator. Secrets are never copied: the snmp block names them as `${ENV}` placeholders.
 */
import { Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { decodeGroupText, recogniseKind } from '../bond/decode';
import { decodeIfconfigIpmp, isBlockHeader } from '../bond/ifconfig-ipmp';
import { decodeIpmpstat } from '../bond/ipmpstat';
import { describeError } from '../errors';
import type { LldpNeighbour, RedundancyGroup, StpPort } from '../model';
import type { ExtendOutput } from '../snmp/extend';
import type { SnmpTarget } from '../snmp/session';
import type { DeviceAnswers, ExtendFinding } from './answers';
import {
  lldpByInterface,
  describeNeighbour,
  looksLikeMac,
  describeServer,
  describeSwitch,
  comment,
  oneLine,
} from './comments';

export type { DeviceAnswers, ExtendFinding } from './answers';

/** How discover reached the agent; only what differs from `snmpDefaults` reaches the entry. */
export type SnmpAccess = Pick<SnmpTarget, 'port' | 'version' | 'community' | 'user'>;

/** Environment variables the suggested `snmp` block names instead of the secrets themselves. */
export const SECRET_ENV = {
  community: 'NICWATCH_COMMUNITY',
  authKey: 'NICWATCH_AUTH_KEY',
  privKey: 'NICWATCH_PRIV_KEY',
} as const;

const DEFAULT_PORT = 161;
const DEFAULT_VERSION = '2c';
const DEFAULT_COMMUNITY = 'public';

/** The config's device-name rule (schema.ts): a letter or digit, then letters, digits, `._-`. */
export function toDeviceName(text: string): string {
  return text
    .trim()
    .replace(/-*[^A-Za-z0-9._-]+-*/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
}

/** Each extend's output judged: a group text that decodes, or the reason it suggests nothing. */
export function examineExtends(outputs: ExtendOutput[]): ExtendFinding[] {
  return outputs.map(examineExtend);
}

function examineExtend({ name, text, exitCode }: ExtendOutput): ExtendFinding {
  const none = (problem: string): ExtendFinding => ({ extend: name, groups: [], problem });
  if (exitCode !== null && exitCode !== 0) {
    const said = oneLine(text.trim().split('\n', 1)[0] ?? '');
    return none(`exited ${exitCode}${said ? `: ${said}` : ''}`);
  }
  if (text.trim() === '') return none('printed nothing');
  const kind = recogniseKind(text);
  if (kind === null) return none('not a bonding/teamd/IPMP text');
  try {
    if (kind !== 'ipmp')
      return { extend: name, groups: [decodeGroupText(text, { kind })], problem: null };
    return examineIpmp(name, text);
  } catch (err) {
    return none(`looks like ${kind} text but does not decode: ${oneLine(describeError(err))}`);
  }
}

/** One group per named IPMP group in the text; in.mpathd's anonymous group is no config group. */
function examineIpmp(extend: string, text: string): ExtendFinding {
  // the same choice of decoder as decodeIpmp makes: ifconfig -a starts with an interface line
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  const found = isBlockHeader(first) ? decodeIfconfigIpmp(text) : decodeIpmpstat(text);
  const names = found.flatMap((group) => (group.name === null ? [] : [group.name]));
  const groups = names.map((group) => decodeGroupText(text, { kind: 'ipmp', group }));
  const anonymous = found.length - names.length;
  const problem = anonymous > 0 ? 'the anonymous IPMP group is not monitored as a group' : null;
  return { extend, groups, problem };
}

/** The suggested entry as YAML: a `devices:` list holding it, with comments. */
export function suggestDevice(answers: DeviceAnswers, access: SnmpAccess): string {
  const name = toDeviceName(answers.sysName ?? '') || toDeviceName(answers.address) || 'device';
  const notes: string[] = [];
  if (answers.sysName !== null && name !== answers.sysName) {
    notes.push(`name: from sysName "${oneLine(answers.sysName)}", made a valid device name`);
  } else if (answers.sysName === null) notes.push('name: the agent gave no sysName');
  if (answers.sysDescr) notes.push(`sysDescr: ${oneLine(answers.sysDescr)}`);

  const decoded = answers.extends.filter((finding) => finding.groups.length > 0);
  const bridgePorts = answers.switch.stpPorts ?? [];
  const role = decoded.length > 0 || bridgePorts.length === 0 ? 'server' : 'switch';
  notes.push(roleReason(role, decoded, bridgePorts));

  const entry: Record<string, unknown> = { name, role, address: answers.address };
  const snmp = snmpBlock(access);
  if (snmp.block) entry.snmp = snmp.block;
  notes.push(...snmp.notes);

  const after: string[] = [];
  const groups = role === 'server' ? suggestGroups(answers, after) : [];
  if (groups.length > 0 && answers.switch.lldp === null) {
    notes.push(
      'legs: no LLDP-MIB on this agent (lldpd with agentx gives it): fill in switch and port',
    );
  }
  if (groups.length > 0) entry.groups = groups.map((group) => group.config);
  after.push(
    ...answers.extends.flatMap((f) => (f.problem ? [`extend ${f.extend}: ${f.problem}`] : [])),
  );
  after.push(
    ...(role === 'switch' ? describeSwitch(answers, bridgePorts) : describeServer(answers)),
  );

  const doc = new Document({ devices: [entry] });
  doc.commentBefore = ` suggested by nicwatch discover for ${answers.address}: review it, then copy the entry into nicwatch.yaml`;
  const item = doc.getIn(['devices', 0], true) as YAMLMap;
  item.commentBefore = comment(notes);
  if (after.length > 0) item.comment = comment(after);
  // `snmp: { port: 16121 }` as the contract writes it; with a user, only the user on one line
  styleFlow(doc, snmp.block?.user ? ['devices', 0, 'snmp', 'user'] : ['devices', 0, 'snmp']);
  groups.forEach((group, g) => {
    const base = ['devices', 0, 'groups', g];
    const groupNode = doc.getIn(base, true) as YAMLMap;
    groupNode.commentBefore = comment([group.summary]);
    const legs = doc.getIn([...base, 'legs'], true) as YAMLSeq;
    legs.items.forEach((node, l) => {
      (node as YAMLMap).flow = true;
      const note = group.legNotes[l];
      if (note) (node as YAMLMap).comment = ` ${note}`;
    });
  });
  return doc.toString({ lineWidth: 0 });
}

function styleFlow(doc: Document, path: (string | number)[]): void {
  const node = doc.getIn(path, true) as YAMLMap | undefined;
  if (node && typeof node === 'object') node.flow = true;
}

function roleReason(role: string, decoded: ExtendFinding[], bridgePorts: StpPort[]): string {
  const ports = `BRIDGE-MIB answers with ${bridgePorts.length} bridge port${bridgePorts.length === 1 ? '' : 's'}`;
  if (decoded.length > 0) {
    const also = bridgePorts.length > 0 ? `; ${ports} too` : '';
    const extendNames = decoded.map((f) => f.extend).join(', ');
    return `role server: extend ${extendNames} print${decoded.length === 1 ? 's' : ''} a bond/team/IPMP group${also}`;
  }
  if (role === 'switch') return `role switch: ${ports}`;
  return (
    'role server assumed: no extend prints a bonding/teamd/IPMP text and BRIDGE-MIB has no ports; ' +
    'on a server add e.g. "extend bond0 /bin/cat /proc/net/bonding/bond0" to snmpd.conf'
  );
}

interface SnmpBlock {
  block: Record<string, unknown> | null;
  notes: string[];
}

/** Only what differs from the built-in snmpDefaults; every secret as a `${ENV}` placeholder. */
function snmpBlock(access: SnmpAccess): SnmpBlock {
  const block: Record<string, unknown> = {};
  const secrets: string[] = [];
  const placeholder = (env: string): string => {
    secrets.push(env);
    return `\${${env}}`;
  };
  if (access.port !== DEFAULT_PORT) block.port = access.port;
  if (access.version !== DEFAULT_VERSION) block.version = Number(access.version);
  if (access.version !== '3' && (access.community ?? DEFAULT_COMMUNITY) !== DEFAULT_COMMUNITY) {
    block.community = placeholder(SECRET_ENV.community);
  }
  const user = access.version === '3' ? access.user : undefined;
  if (user) {
    const v3: Record<string, unknown> = { name: user.name, level: user.level };
    if (user.level !== 'noAuthNoPriv') {
      v3.authProtocol = user.authProtocol ?? 'sha';
      v3.authKey = placeholder(SECRET_ENV.authKey);
    }
    if (user.level === 'authPriv') {
      v3.privProtocol = user.privProtocol ?? 'aes';
      v3.privKey = placeholder(SECRET_ENV.privKey);
    }
    block.user = v3;
  }
  const notes =
    secrets.length === 0
      ? []
      : [`snmp: set ${secrets.join(', ')} in nicwatch's environment to the secrets discover used`];
  return { block: Object.keys(block).length > 0 ? block : null, notes };
}

interface SuggestedGroup {
  config: Record<string, unknown>;
  summary: string;
  /** Per leg, the comment that goes beside it, if any. */
  legNotes: (string | null)[];
}

function suggestGroups(answers: DeviceAnswers, problems: string[]): SuggestedGroup[] {
  const lldp = lldpByInterface(answers);
  const used = new Map<string, string>();
  const suggested: SuggestedGroup[] = [];
  for (const finding of answers.extends) {
    for (const group of finding.groups) {
      const where = `extend ${finding.extend}`;
      if (group.legs.length === 0) {
        problems.push(`${where}: ${group.kind} ${group.mode} has no legs yet; nothing to monitor`);
        continue;
      }
      const name = groupNameOf(finding.extend, group);
      const first = used.get(name);
      if (first !== undefined) {
        problems.push(`${where}: group "${name}" is already suggested from extend ${first}`);
        continue;
      }
      used.set(name, finding.extend);
      suggested.push(suggestGroup(finding.extend, name, group, lldp, answers.switch.lldp));
    }
  }
  return suggested;
}

/**
 * The extend's name; for IPMP the IPMP group's own, which the poller needs to pick the group out
 * of the text. A name the config would refuse (a space, a "/") keeps the extend in `extend:`.
 */
function groupNameOf(extend: string, group: RedundancyGroup): string {
  const name = group.kind === 'ipmp' && group.name ? group.name : extend;
  return name.replace(/[\s/]+/g, '-');
}

function suggestGroup(
  extend: string,
  name: string,
  group: RedundancyGroup,
  lldp: Map<string, LldpNeighbour[]>,
  allLldp: LldpNeighbour[] | null,
): SuggestedGroup {
  const config: Record<string, unknown> = { name, kind: group.kind };
  if (extend !== name) config.extend = extend;
  const legNames = group.legs.map((leg) => leg.interface);
  if (group.primary !== null && legNames.includes(group.primary)) config.primary = group.primary;
  const legNotes: (string | null)[] = [];
  config.legs = legNames.map((iface) => {
    const { leg, note } = suggestLeg(iface, lldp.get(iface) ?? [], allLldp !== null);
    legNotes.push(note);
    return leg;
  });
  const up = group.legs.filter((leg) => leg.up).length;
  const active = group.activeLeg ? `, active ${group.activeLeg}` : '';
  const mode = group.mode === group.kind ? '' : ` ${group.mode}`;
  const summary = `extend ${extend}: ${group.kind}${mode}, ${up} of ${group.legs.length} legs up${active}`;
  return { config, summary, legNotes };
}

/** A leg joined to the switch port LLDP hears on it, when exactly one neighbour names both. */
function suggestLeg(
  iface: string,
  heard: LldpNeighbour[],
  haveLldp: boolean,
): { leg: Record<string, unknown>; note: string | null } {
  const leg: Record<string, unknown> = { interface: iface };
  const unknown = (why: string): { leg: Record<string, unknown>; note: string } => ({
    leg,
    note: `switch: ?, port: ? (${why})`,
  });
  if (!haveLldp) return { leg, note: 'switch: ?, port: ?' };
  const [neighbour, another] = heard;
  if (neighbour === undefined) return unknown('no LLDP neighbour heard on it');
  if (another !== undefined) {
    return unknown(`several LLDP neighbours: ${heard.map(describeNeighbour).join('; ')}`);
  }
  const switchName = toDeviceName(neighbour.sysName ?? '');
  if (switchName === '') {
    return unknown(`the LLDP neighbour ${describeNeighbour(neighbour)} sends no system name`);
  }
  leg.switch = switchName;
  if (looksLikeMac(neighbour.portId)) {
    return {
      leg,
      note: `port: ? (LLDP port id ${neighbour.portId} is a MAC address${
        neighbour.portDescr ? `; port description "${oneLine(neighbour.portDescr)}"` : ''
      })`,
    };
  }
  leg.port = neighbour.portId;
  return { leg, note: null };
}
