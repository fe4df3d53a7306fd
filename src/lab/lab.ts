/**
 * A running simulated lab: the world, one SNMP agent per device on its loopback address, and
 * the switches' linkDown/linkUp, topologyChange and newRoot traps sent from their own addresses
 * to the trap receiver. What `nicwatch demo` runs, and what the pipeline's end-to-end tests run
 * against. A NETCONF switch has neither agent nor traps here: src/lab/netconf-switch.ts serves it.
 */
import snmp from 'net-snmp';
import { startLabAgent, type LabAgent } from './agent';
import { freeUdpPort } from './ports';
import type { LabSpec } from './spec';
import { LabWorld, type LinkChange } from './world';

export interface LabDevice {
  name: string;
  role: 'switch' | 'server';
  address: string;
  port: number;
}

export interface RunningLab {
  world: LabWorld;
  /** Every device with an SNMP agent, with the address and port it answers on. */
  devices: LabDevice[];
  community: string;
  /** Where the switches send traps; set once the receiver listens. */
  sendTrapsTo(target: { host: string; port: number } | null): void;
  stop(): Promise<void>;
}

export interface LabOptions {
  community?: string;
  /** UDP port every agent listens on (each on its own address); default: a free one. */
  port?: number;
  onError?: (err: Error) => void;
  /** The world of `spec` to run, when the caller made it first (to cable a NETCONF switch to it). */
  world?: LabWorld;
}

const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
/** BRIDGE-MIB (RFC 4188) notifications; neither carries objects of its own. */
const NEW_ROOT = '1.3.6.1.2.1.17.0.1';
const TOPOLOGY_CHANGE = '1.3.6.1.2.1.17.0.2';
const SNMP_TRAP_ADDRESS = '1.3.6.1.6.3.18.1.3.0';

export async function startSimulatedLab(
  spec: LabSpec,
  options: LabOptions = {},
): Promise<RunningLab> {
  const community = options.community ?? 'public';
  const snmpSwitches = spec.switches.filter((sw) => sw.transport !== 'netconf');
  const devices = [
    ...snmpSwitches.map((sw) => ({ name: sw.name, role: 'switch' as const, address: sw.address })),
    ...spec.servers.map((s) => ({ name: s.name, role: 'server' as const, address: s.address })),
  ];
  const world = options.world ?? new LabWorld(spec);
  const agents: LabAgent[] = [];
  let port = options.port ?? 0;
  for (let attempt = 0; agents.length < devices.length; attempt += 1) {
    if (options.port === undefined) port = await freeUdpPort(devices[0]?.address ?? '127.0.0.1');
    try {
      for (const device of devices)
        agents.push(await startLabAgent(world, device, port, community));
    } catch (err) {
      await Promise.all(agents.splice(0).map((agent) => agent.close()));
      // Another program took the port between the check and the bind: try another one.
      if (options.port !== undefined || attempt >= 4) {
        world.stop();
        throw err;
      }
    }
  }

  // One sender per switch, bound to the switch's own address: the UDP source a receiver sees.
  let senders = new Map<string, snmp.Session>();
  const openSenders = (target: { host: string; port: number } | null): void => {
    for (const session of senders.values()) session.close();
    senders = new Map(
      target === null
        ? []
        : snmpSwitches.map((sw) => [
            sw.name,
            snmp.createSession(target.host, community, {
              version: snmp.Version2c,
              trapPort: target.port,
              sourceAddress: sw.address,
            }),
          ]),
    );
  };
  const trap = (switchName: string, oid: string, varbinds: snmp.Varbind[]): void => {
    const session = senders.get(switchName);
    const sw = snmpSwitches.find((s) => s.name === switchName);
    if (!session || !sw) return;
    const withAddress = [
      ...varbinds,
      { oid: SNMP_TRAP_ADDRESS, type: snmp.ObjectType.IpAddress, value: sw.address },
    ];
    session.trap(oid, withAddress, (err: Error | null) => {
      if (err) options.onError?.(err);
    });
  };
  const onLink = (change: LinkChange): void => {
    const i = change.ifIndex;
    trap(change.switch, change.up ? LINK_UP : LINK_DOWN, [
      { oid: `1.3.6.1.2.1.2.2.1.1.${i}`, type: snmp.ObjectType.Integer, value: i },
      { oid: `1.3.6.1.2.1.2.2.1.7.${i}`, type: snmp.ObjectType.Integer, value: 1 },
      { oid: `1.3.6.1.2.1.2.2.1.8.${i}`, type: snmp.ObjectType.Integer, value: change.up ? 1 : 2 },
      { oid: `1.3.6.1.2.1.31.1.1.1.1.${i}`, type: snmp.ObjectType.OctetString, value: change.port },
    ]);
  };
  const onTopologyChange = (switchName: string): void => trap(switchName, TOPOLOGY_CHANGE, []);
  const onNewRoot = (switchName: string): void => trap(switchName, NEW_ROOT, []);
  world.on('link', onLink);
  world.on('topology-change', onTopologyChange);
  world.on('new-root', onNewRoot);

  return {
    world,
    devices: devices.map((device) => ({ ...device, port })),
    community,
    sendTrapsTo: openSenders,
    stop: async () => {
      world.off('link', onLink);
      world.off('topology-change', onTopologyChange);
      world.off('new-root', onNewRoot);
      world.stop();
      openSenders(null);
      await Promise.all(agents.map((agent) => agent.close()));
    },
  };
}
