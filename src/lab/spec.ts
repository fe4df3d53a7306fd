/**
 * What a simulated lab is made of: switches with STP, servers whose NICs are cabled to switch
 * ports, and the groups (bond, team, IPMP) over those NICs. Plain data; `DEMO_LAB` is the
 * fleet `nicwatch demo` runs.
 */

/**
 * How nicwatch reads a switch: `snmp`, the lab's own agent; `netconf`, a real netconfd in a
 * network namespace whose ports follow the lab's cables (src/lab/netconf-switch.ts).
 */
export type LabTransport = 'snmp' | 'netconf';

export interface LabSwitch {
  name: string;
  /**
   * Loopback address its agent answers on and its traps come from; for a NETCONF switch the
   * management address it gets when its /30 is free (the running one says which it got).
   */
  address: string;
  /** @defaultValue 'snmp' */
  transport?: LabTransport;
  /** STP bridge priority: the lowest bridge id is the root. */
  priority: number;
  mac: string;
  /** Port names in ifIndex order (ifIndex = position + 1, bridge port = the same). */
  ports: string[];
  /** Ports without PortFast (not STP edge ports); every other server-facing port is an edge. */
  nonEdgePorts?: string[];
}

export interface LabNic {
  name: string;
  mac: string;
  switch: string;
  port: string;
}

export type LabGroupKind = 'linux-bond' | 'linux-team' | 'ipmp';

export interface LabGroup {
  name: string;
  kind: LabGroupKind;
  /** linux-bond: active-backup | 802.3ad; linux-team: activebackup; ipmp: probe-based. */
  mode: 'active-backup' | '802.3ad';
  legs: string[];
  /** Link monitoring interval: 0 means none (the bond never notices a dead leg). */
  miimonMs: number;
  primary?: string;
}

export interface LabServer {
  name: string;
  address: string;
  nics: LabNic[];
  groups: LabGroup[];
}

/** A cable between two switches, by port. */
export interface LabTrunk {
  a: { switch: string; port: string };
  b: { switch: string; port: string };
}

export interface LabSpec {
  switches: LabSwitch[];
  trunks: LabTrunk[];
  servers: LabServer[];
  /** Cables cut when the lab starts, as `<switch>/<port>`. */
  cutAtStart: string[];
  /** STP forward delay: how long a non-edge port listens, then learns. */
  forwardDelayMs: number;
  /** How long after a carrier change a switch sends its linkDown/linkUp trap. */
  trapDelayMs: number;
}

/** The switches read over NETCONF. */
export function netconfSwitches(spec: LabSpec): LabSwitch[] {
  return spec.switches.filter((sw) => sw.transport === 'netconf');
}

/** The lab without one switch: its trunks, its cuts and every server cabled to it go too. */
export function withoutSwitch(spec: LabSpec, name: string): LabSpec {
  const onIt = (key: string): boolean => key.split('/')[0] === name;
  return {
    ...spec,
    switches: spec.switches.filter((sw) => sw.name !== name),
    trunks: spec.trunks.filter((t) => t.a.switch !== name && t.b.switch !== name),
    servers: spec.servers.filter((server) => server.nics.every((nic) => nic.switch !== name)),
    cutAtStart: spec.cutAtStart.filter((key) => !onIt(key)),
  };
}

const accessPorts = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `swp${i + 1}`);

/** Two NICs cabled to two switch ports, the common shape of a server here. */
function pair(
  id: number,
  names: [string, string],
  a: [string, string],
  b: [string, string],
): LabNic[] {
  const mac = (n: number): string => `52:54:00:20:${id.toString(16).padStart(2, '0')}:0${n}`;
  return [
    { name: names[0], mac: mac(1), switch: a[0], port: a[1] },
    { name: names[1], mac: mac(2), switch: b[0], port: b[1] },
  ];
}

function bondServer(
  id: number,
  name: string,
  a: [string, string],
  b: [string, string],
  group: Partial<LabGroup> = {},
): LabServer {
  return {
    name,
    address: `127.0.20.${id}`,
    nics: pair(id, ['eth0', 'eth1'], a, b),
    groups: [
      {
        name: 'bond0',
        kind: 'linux-bond',
        mode: 'active-backup',
        legs: ['eth0', 'eth1'],
        miimonMs: 100,
        ...group,
      },
    ],
  };
}

export const DEMO_LAB: LabSpec = {
  switches: [
    {
      name: 'sw-core',
      address: '127.0.10.1',
      priority: 4096,
      mac: '02:00:00:10:00:01',
      ports: ['swp1', 'swp2', 'swp3'],
    },
    {
      name: 'sw-a',
      address: '127.0.10.2',
      priority: 32768,
      mac: '02:00:00:10:00:02',
      ports: [...accessPorts(12), 'swp47', 'swp48'],
    },
    {
      name: 'sw-b',
      address: '127.0.10.3',
      priority: 32768,
      mac: '02:00:00:10:00:03',
      ports: [...accessPorts(12), 'swp47', 'swp48'],
      nonEdgePorts: ['swp11'],
    },
    {
      name: 'sw-c',
      address: '127.0.10.4',
      priority: 32768,
      mac: '02:00:00:10:00:04',
      ports: [...accessPorts(4), 'swp47'],
    },
    {
      // No trunk: an island whose ports netconfd reports from the kernel; ietf-interfaces has
      // no STP, so nicwatch sees its ports' state only.
      name: 'sw-d',
      address: '198.18.200.2',
      transport: 'netconf',
      priority: 32768,
      mac: '02:00:00:10:00:05',
      ports: accessPorts(4),
    },
  ],
  trunks: [
    { a: { switch: 'sw-core', port: 'swp1' }, b: { switch: 'sw-a', port: 'swp47' } },
    { a: { switch: 'sw-core', port: 'swp2' }, b: { switch: 'sw-b', port: 'swp47' } },
    { a: { switch: 'sw-a', port: 'swp48' }, b: { switch: 'sw-b', port: 'swp48' } },
    { a: { switch: 'sw-core', port: 'swp3' }, b: { switch: 'sw-c', port: 'swp47' } },
  ],
  servers: [
    bondServer(1, 'srv-web1', ['sw-a', 'swp1'], ['sw-b', 'swp1'], { primary: 'eth0' }),
    bondServer(2, 'srv-web2', ['sw-a', 'swp2'], ['sw-b', 'swp2']),
    bondServer(3, 'srv-db1', ['sw-a', 'swp3'], ['sw-a', 'swp4']),
    bondServer(4, 'srv-app1', ['sw-a', 'swp5'], ['sw-b', 'swp5'], { miimonMs: 0 }),
    bondServer(5, 'srv-stor1', ['sw-c', 'swp1'], ['sw-b', 'swp6']),
    {
      name: 'srv-db2',
      address: '127.0.20.6',
      nics: pair(6, ['eth2', 'eth3'], ['sw-a', 'swp6'], ['sw-b', 'swp7']),
      groups: [
        {
          name: 'bond1',
          kind: 'linux-bond',
          mode: '802.3ad',
          legs: ['eth2', 'eth3'],
          miimonMs: 100,
        },
      ],
    },
    {
      name: 'srv-k8s1',
      address: '127.0.20.7',
      nics: pair(7, ['eth0', 'eth1'], ['sw-a', 'swp7'], ['sw-b', 'swp8']),
      groups: [
        {
          name: 'team0',
          kind: 'linux-team',
          mode: 'active-backup',
          legs: ['eth0', 'eth1'],
          miimonMs: 100,
        },
      ],
    },
    {
      name: 'sol-db1',
      address: '127.0.20.8',
      nics: pair(8, ['net0', 'net1'], ['sw-a', 'swp8'], ['sw-b', 'swp9']),
      groups: [
        {
          name: 'ipmp0',
          kind: 'ipmp',
          mode: 'active-backup',
          legs: ['net0', 'net1'],
          miimonMs: 100,
        },
      ],
    },
    bondServer(9, 'srv-web3', ['sw-a', 'swp9'], ['sw-b', 'swp10']),
    bondServer(10, 'srv-mail1', ['sw-a', 'swp10'], ['sw-b', 'swp11']),
    bondServer(11, 'srv-nc1', ['sw-a', 'swp11'], ['sw-d', 'swp1'], { primary: 'eth0' }),
  ],
  cutAtStart: ['sw-a/swp2', 'sw-core/swp3'],
  forwardDelayMs: 2000,
  trapDelayMs: 200,
};
