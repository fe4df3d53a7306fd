/**
 * A simulated group's state written the way the real tools print it: /proc/net/bonding for a
 * bond, `teamdctl <team> state dump` JSON for a team, `ipmpstat -i` for IPMP. This is what the
 * simulated server's `extend` serves, so the demo reads it through the same decoders as a real
 * server. Pure.
 */
import type { LabGroup, LabNic } from './spec';

export interface LegState {
  /** Carrier as the group sees it (after its link monitoring noticed). */
  up: boolean;
  failures: number;
}

export interface GroupState {
  active: string | null;
  legs: Map<string, LegState>;
}

/** The MLAG pair's shared LACP system id, as both access switches announce it. */
export const LACP_PARTNER_MAC = '02:00:00:10:0a:99';
const DRIVER = 'Ethernet Channel Bonding Driver: 6.1.0-26-amd64';

export function renderGroup(group: LabGroup, state: GroupState, nics: LabNic[]): string {
  if (group.kind === 'linux-team') return renderTeam(group, state, nics);
  if (group.kind === 'ipmp') return renderIpmp(group, state);
  return group.mode === '802.3ad'
    ? renderLacpBond(group, state, nics)
    : renderActiveBackup(group, state, nics);
}

function legOf(state: GroupState, name: string): LegState {
  return state.legs.get(name) ?? { up: false, failures: 0 };
}

function macOf(nics: LabNic[], name: string): string {
  return nics.find((nic) => nic.name === name)?.mac ?? '00:00:00:00:00:00';
}

function monitoringLines(group: LabGroup): string[] {
  return [
    `MII Polling Interval (ms): ${group.miimonMs}`,
    'Up Delay (ms): 0',
    'Down Delay (ms): 0',
    'Peer Notification Delay (ms): 0',
  ];
}

function slaveLines(name: string, leg: LegState, nics: LabNic[]): string[] {
  return [
    '',
    `Slave Interface: ${name}`,
    `MII Status: ${leg.up ? 'up' : 'down'}`,
    `Speed: ${leg.up ? '10000 Mbps' : 'Unknown'}`,
    `Duplex: ${leg.up ? 'full' : 'Unknown'}`,
    `Link Failure Count: ${leg.failures}`,
    `Permanent HW addr: ${macOf(nics, name)}`,
    'Slave queue ID: 0',
  ];
}

function renderActiveBackup(group: LabGroup, state: GroupState, nics: LabNic[]): string {
  const anyUp = group.legs.some((name) => legOf(state, name).up);
  const lines = [
    DRIVER,
    '',
    'Bonding Mode: fault-tolerance (active-backup)',
    `Primary Slave: ${group.primary ? `${group.primary} (primary_reselect always)` : 'None'}`,
    `Currently Active Slave: ${state.active ?? 'None'}`,
    `MII Status: ${anyUp ? 'up' : 'down'}`,
    ...monitoringLines(group),
  ];
  for (const name of group.legs) lines.push(...slaveLines(name, legOf(state, name), nics));
  return `${lines.join('\n')}\n`;
}

function renderLacpBond(group: LabGroup, state: GroupState, nics: LabNic[]): string {
  const members = group.legs.filter((name) => legOf(state, name).up);
  const system = macOf(nics, group.legs[0] ?? '');
  const lines = [
    DRIVER,
    '',
    'Bonding Mode: IEEE 802.3ad Dynamic link aggregation',
    'Transmit Hash Policy: layer3+4 (1)',
    `MII Status: ${members.length > 0 ? 'up' : 'down'}`,
    ...monitoringLines(group),
    '',
    '802.3ad info',
    'LACP active: on',
    'LACP rate: fast',
    'Min links: 0',
    'Aggregator selection policy (ad_select): stable',
    'System priority: 65535',
    `System MAC address: ${system}`,
    'Active Aggregator Info:',
    '\tAggregator ID: 1',
    `\tNumber of ports: ${members.length}`,
    '\tActor Key: 21',
    '\tPartner Key: 1001',
    `\tPartner Mac Address: ${members.length > 0 ? LACP_PARTNER_MAC : '00:00:00:00:00:00'}`,
  ];
  group.legs.forEach((name, i) => {
    const leg = legOf(state, name);
    lines.push(
      ...slaveLines(name, leg, nics),
      `Aggregator ID: ${leg.up ? 1 : i + 2}`,
      'Actor Churn State: none',
      `Partner Churn State: ${leg.up ? 'none' : 'churned'}`,
      'Actor Churned Count: 0',
      `Partner Churned Count: ${leg.failures}`,
      'details actor lacp pdu:',
      '    system priority: 65535',
      `    system mac address: ${system}`,
      '    port key: 21',
      '    port priority: 255',
      `    port number: ${i + 1}`,
      `    port state: ${leg.up ? 63 : 69}`,
      'details partner lacp pdu:',
      '    system priority: 32768',
      `    system mac address: ${leg.up ? LACP_PARTNER_MAC : '00:00:00:00:00:00'}`,
      `    oper key: ${leg.up ? 1001 : 1}`,
      '    port priority: 32768',
      `    port number: ${leg.up ? 10 + i : 1}`,
      `    port state: ${leg.up ? 63 : 1}`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function renderTeam(group: LabGroup, state: GroupState, nics: LabNic[]): string {
  const ports: Record<string, unknown> = {};
  group.legs.forEach((name, i) => {
    const leg = legOf(state, name);
    ports[name] = {
      ifinfo: { dev_addr: macOf(nics, name), dev_addr_len: 6, ifindex: i + 2, ifname: name },
      link: { duplex: leg.up ? 'full' : 'unknown', speed: leg.up ? 10000 : 0, up: leg.up },
      link_watches: {
        list: {
          link_watch_0: {
            delay_down: 0,
            delay_up: 0,
            down_count: leg.failures,
            name: 'ethtool',
            up: leg.up,
          },
        },
        up: leg.up,
      },
    };
  });
  const dump = {
    ports,
    runner: { active_port: state.active ?? '' },
    setup: {
      daemonized: true,
      dbus_enabled: false,
      debug_level: 0,
      kernel_team_mode_name: 'activebackup',
      pid: 2113,
      pid_file: `/var/run/teamd/${group.name}.pid`,
      runner_name: 'activebackup',
      zmq_enabled: false,
    },
    team_device: {
      ifinfo: {
        dev_addr: macOf(nics, group.legs[0] ?? ''),
        dev_addr_len: 6,
        ifindex: group.legs.length + 2,
        ifname: group.name,
      },
    },
  };
  return `${JSON.stringify(dump, null, 4)}\n`;
}

/** `ipmpstat -i`: probe-based failure detection through test addresses (the PROBE column). */
function renderIpmp(group: LabGroup, state: GroupState): string {
  const widths = [12, 8, 12, 10, 10, 10];
  const row = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('')
      .trimEnd();
  const lines = [row(['INTERFACE', 'ACTIVE', 'GROUP', 'FLAGS', 'LINK', 'PROBE', 'STATE'])];
  group.legs.forEach((name, i) => {
    const leg = legOf(state, name);
    const flags = i === 0 ? '--mbM--' : '-------';
    lines.push(
      row([
        name,
        leg.up ? 'yes' : 'no',
        group.name,
        flags,
        leg.up ? 'up' : 'down',
        leg.up ? 'ok' : 'failed',
        leg.up ? 'ok' : 'failed',
      ]),
    );
  });
  return `${lines.join('\n')}\n`;
}
