/** The comments `nicwatch discover` puts beside its suggestion: interfaces, ports, neighbours. */
import type { LldpNeighbour, StpPort } from '../model';
import type { DeviceAnswers } from './answers';

/** IANAifType softwareLoopback: never a leg, not worth listing. */
const IF_TYPE_LOOPBACK = 24;
const COMMENT_WIDTH = 96;

/**
 * LLDP neighbours by local interface name. On a device without bridge ports, LLDP-MIB's
 * LldpPortNumber is the ifIndex (lldpd's agentx numbers ports so), used when the decoder could not
 * map the port through lldpLocPortTable.
 */
export function lldpByInterface(answers: DeviceAnswers): Map<string, LldpNeighbour[]> {
  const byIndex = new Map(answers.interfaces.map((i) => [i.ifIndex, i.name]));
  const bridged = (answers.switch.stpPorts ?? []).length > 0;
  const heard = new Map<string, LldpNeighbour[]>();
  for (const neighbour of answers.switch.lldp ?? []) {
    const ifIndex = neighbour.localIfIndex ?? (bridged ? null : neighbour.localPortNum);
    const name = ifIndex === null ? undefined : byIndex.get(ifIndex);
    if (name === undefined) continue;
    heard.set(name, [...(heard.get(name) ?? []), neighbour]);
  }
  return heard;
}

export function describeNeighbour(neighbour: LldpNeighbour): string {
  return `${oneLine(neighbour.sysName ?? neighbour.chassisId)} port ${oneLine(neighbour.portId)}`;
}

export function looksLikeMac(id: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(id);
}

/** Interfaces and LLDP neighbours of a server: what `source: if-mib` groups and legs could use. */
export function describeServer(answers: DeviceAnswers): string[] {
  const shown = answers.interfaces.filter((i) => i.type !== IF_TYPE_LOOPBACK);
  const lines = wrap(
    'interfaces:',
    shown.map((i) => `${i.name} ${operWord(i.operUp)}`),
  );
  const lldp = lldpByInterface(answers);
  for (const [iface, neighbours] of lldp) {
    lines.push(`LLDP on ${iface}: ${neighbours.map(describeNeighbour).join('; ')}`);
  }
  return lines;
}

/** The bridge ports with their ifName, STP state, edge status and LLDP neighbours. */
export function describeSwitch(answers: DeviceAnswers, ports: StpPort[]): string[] {
  const lines: string[] = [];
  const stp = answers.switch.stp;
  if (stp?.bridgeId) {
    const root =
      stp.designatedRoot === stp.bridgeId
        ? 'this bridge is the STP root'
        : `root ${stp.designatedRoot ?? '?'}`;
    lines.push(`STP bridge ${stp.bridgeId}, ${root}`);
  }
  lines.push('bridge ports (ifName: STP state, edge, link; LLDP neighbour) for cabling legs:');
  const byIndex = new Map(answers.interfaces.map((i) => [i.ifIndex, i]));
  for (const port of [...ports].sort((a, b) => a.bridgePort - b.bridgePort)) {
    const iface = port.ifIndex === null ? undefined : byIndex.get(port.ifIndex);
    const name = iface?.name ?? `ifIndex ${port.ifIndex ?? '?'}`;
    const edge = port.edge === null ? 'edge ?' : port.edge ? 'edge' : 'not edge';
    const heard = (answers.switch.lldp ?? []).filter(
      (n) => n.localIfIndex !== null && n.localIfIndex === port.ifIndex,
    );
    const lldp = heard.length > 0 ? `; LLDP ${heard.map(describeNeighbour).join(', ')}` : '';
    lines.push(
      `  ${name} (bridge port ${port.bridgePort}): ${port.state ?? 'state ?'}, ${edge}, ${operWord(iface?.operUp ?? null)}${lldp}`,
    );
  }
  return lines;
}

export function operWord(up: boolean | null): string {
  if (up === null) return '?';
  return up ? 'up' : 'down';
}

/** `head item, item, …` over as many comment lines as the width needs. */
export function wrap(head: string, items: string[]): string[] {
  if (items.length === 0) return [`${head} none`];
  const lines: string[] = [];
  let line = head;
  for (const item of items) {
    const next = `${line}${line === head ? ' ' : ', '}${item}`;
    if (next.length > COMMENT_WIDTH && line !== head) {
      lines.push(`${line},`);
      line = `  ${item}`;
    } else line = next;
  }
  lines.push(line);
  return lines;
}

/** One YAML comment from lines: each starts with a space after the `#`. */
export function comment(lines: string[]): string {
  return lines.map((line) => ` ${line}`).join('\n');
}

/** Agent text fit for a one-line comment: control characters out, long text clipped. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
