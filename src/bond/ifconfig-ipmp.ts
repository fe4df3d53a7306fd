/**
 * Pure decoder of IPMP state from Solaris 8–10 `ifconfig -a`, where in.mpathd has no ipmpstat.
 *
 * Each address is a block: `ce0: flags=1000843<UP,...> mtu 1500 index 2` (logical addresses are
 * `ce0:1:`) followed by indented lines, of which we read `groupname <group>` and `ether <mac>`.
 * IPv4 blocks come first, then IPv6 ones for the same interfaces; every block of one physical
 * interface is merged into one leg. FAILED, STANDBY, INACTIVE, OFFLINE and RUNNING are per
 * physical interface (they show on all its addresses); NOFAILOVER marks an in.mpathd test address.
 */
import { DecodeError } from '../errors';
import { newLeg, type Leg } from '../model';
import type { IpmpGroupFound } from './ipmpstat';

const FORMAT = 'ifconfig -a output';

/** `name[:logical]: flags=<hex><NAME,...>`, the line that opens every address block. */
const BLOCK_HEADER = /^([A-Za-z][\w.-]*?)(:\d+)?: flags=[0-9A-Fa-f]+<([^>]*)>/;

interface Block {
  flags: Set<string>;
}

interface PhysicalInterface {
  name: string;
  blocks: Block[];
  /** groupname → line it was read on; more than one group is a contradiction we report. */
  groups: Map<string, number>;
  mac: string | null;
}

/** True for ifconfig -a text in which at least one interface is in an IPMP group. */
export function looksLikeIfconfigIpmp(text: string): boolean {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  return isBlockHeader(first) && /^\s+groupname\s+\S/m.test(text);
}

/** True when the line opens an ifconfig address block. */
export function isBlockHeader(line: string): boolean {
  return BLOCK_HEADER.test(line.trim());
}

/** Decodes ifconfig -a text into one group per `groupname`, its legs in the order printed. */
export function decodeIfconfigIpmp(text: string): IpmpGroupFound[] {
  const members = readInterfaces(text).filter(isGroupMember);
  if (members.length === 0) {
    throw new DecodeError(
      FORMAT,
      'no interface has a "groupname" line: expected ifconfig -a of a host with an IPMP group',
    );
  }
  const byGroup = new Map<string, PhysicalInterface[]>();
  for (const member of members) {
    const group = onlyGroup(member);
    byGroup.set(group, [...(byGroup.get(group) ?? []), member]);
  }
  return [...byGroup].map(([group, groupMembers]) => ({
    name: group,
    names: [group],
    legs: groupMembers.map(toLeg),
    // A NOFAILOVER address exists only for in.mpathd to probe from.
    detection: groupMembers.some(hasTestAddress) ? 'link+probe' : 'link',
    probeFailureDetectionMs: null,
  }));
}

function readInterfaces(text: string): PhysicalInterface[] {
  const interfaces = new Map<string, PhysicalInterface>();
  let current: PhysicalInterface | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const header = BLOCK_HEADER.exec(raw.trim());
    if (header !== null) {
      current = openBlock(interfaces, header);
    } else if (current !== null && /^\s/.test(raw)) {
      readDetail(current, raw.trim(), line);
    } else if (raw.trim() !== '') {
      throw new DecodeError(
        FORMAT,
        'expected "<interface>: flags=<hex><FLAGS> ..." or an indented line under one',
        line,
      );
    }
  });
  return [...interfaces.values()];
}

function openBlock(
  interfaces: Map<string, PhysicalInterface>,
  header: RegExpExecArray,
): PhysicalInterface {
  const [, name = '', , flagList = ''] = header;
  const physical: PhysicalInterface = interfaces.get(name) ?? {
    name,
    blocks: [],
    groups: new Map(),
    mac: null,
  };
  physical.blocks.push({ flags: new Set(flagList.split(',').filter((f) => f !== '')) });
  interfaces.set(name, physical);
  return physical;
}

function readDetail(physical: PhysicalInterface, detail: string, line: number): void {
  const [key, value] = detail.split(/\s+/);
  if (value === undefined) return;
  if (key === 'groupname') physical.groups.set(value, physical.groups.get(value) ?? line);
  if (key === 'ether') physical.mac = value.toLowerCase();
}

/**
 * The loopback and, on Solaris 11, the IPMP interface itself (flag IPMP) print a groupname too, but
 * neither is a leg of the group.
 */
function isGroupMember(physical: PhysicalInterface): boolean {
  if (physical.name === 'lo0' || anyFlag(physical, 'LOOPBACK') || anyFlag(physical, 'IPMP')) {
    return false;
  }
  return physical.groups.size > 0;
}

function onlyGroup(physical: PhysicalInterface): string {
  const groups = [...physical.groups];
  const [first, second] = groups;
  if (first === undefined) throw new DecodeError(FORMAT, `${physical.name} has no groupname`);
  if (second !== undefined) {
    throw new DecodeError(
      FORMAT,
      `${physical.name} is in group "${first[0]}" and in group "${second[0]}"`,
      second[1],
    );
  }
  return first[0];
}

function toLeg(physical: PhysicalInterface): Leg {
  const failed = anyFlag(physical, 'FAILED');
  const offline = anyFlag(physical, 'OFFLINE');
  const inactive = anyFlag(physical, 'INACTIVE');
  const standby = anyFlag(physical, 'STANDBY');
  // RUNNING is the carrier; require it on every address so an IPv6 block saying otherwise counts.
  const running = physical.blocks.every((b) => b.flags.has('RUNNING'));
  return {
    ...newLeg(physical.name),
    up: running && !failed && !offline,
    // A STANDBY interface that has taken over a failed one's addresses loses INACTIVE and carries
    // traffic, so STANDBY alone does not make a leg inactive.
    active: anyFlag(physical, 'UP') && !failed && !inactive && !offline,
    state: failed
      ? 'FAILED'
      : offline
        ? 'OFFLINE'
        : standby
          ? 'STANDBY'
          : inactive
            ? 'INACTIVE'
            : 'ok',
    mac: physical.mac,
    standby: standby || offline,
  };
}

function anyFlag(physical: PhysicalInterface, flag: string): boolean {
  return physical.blocks.some((b) => b.flags.has(flag));
}

function hasTestAddress(physical: PhysicalInterface): boolean {
  return anyFlag(physical, 'NOFAILOVER');
}
