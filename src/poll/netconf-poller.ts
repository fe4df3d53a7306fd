/**
 * One poll of a device over NETCONF (contract section 2, `netconf:`): a session, one `<get>`
 * whose subtree filter asks for the state models the server's hello announced, the reply decoded
 * into the same SwitchSnapshot an SNMP poll gives. A server's `source: if-mib` groups are judged
 * from those interfaces; `extend` needs SNMP.
 */
import type { DeviceConfig, NetconfConfig } from '../config/schema';
import type { GroupPoll, InterfaceState, SwitchSnapshot } from '../model';
import type { NetconfTarget } from '../netconf/client';
import { decodeSwitchReply } from '../netconf/decode/switch';
import { groupFromInterfaces } from './members';
import { SESSION_PER_CALL, type NetconfSessionSource } from './netconf-sessions';

/** A poll's NETCONF exchange, connect included, unless the device sets its own. */
export const NETCONF_DEFAULT_TIMEOUT_MS = 10_000;

/** The state models nicwatch reads, by the namespace a hello announces them with. */
export const STATE_MODELS = [
  { ns: 'urn:ietf:params:xml:ns:yang:ietf-interfaces', filter: ['interfaces-state', 'interfaces'] },
  { ns: 'http://openconfig.net/yang/interfaces', filter: ['interfaces'] },
  { ns: 'http://openconfig.net/yang/spanning-tree', filter: ['stp'] },
  { ns: 'http://openconfig.net/yang/lacp', filter: ['lacp'] },
] as const;

/**
 * The subtree filter for the models the server announced (a module capability is its namespace
 * followed by `?module=…`). A server that announces none of them is asked for ietf-interfaces,
 * the one model nearly every server has.
 */
export function stateFilter(capabilities: readonly string[]): string {
  const announced = STATE_MODELS.filter((model) =>
    capabilities.some((cap) => cap === model.ns || cap.startsWith(`${model.ns}?`)),
  );
  const models = announced.length > 0 ? announced : [STATE_MODELS[0]];
  return models
    .flatMap((model) => model.filter.map((top) => `<${top} xmlns="${model.ns}"/>`))
    .join('');
}

export function netconfTargetOf(device: DeviceConfig, netconf: NetconfConfig): NetconfTarget {
  const timeoutMs = netconf.timeoutMs ?? NETCONF_DEFAULT_TIMEOUT_MS;
  return {
    host: device.address,
    port: netconf.port,
    username: netconf.username,
    password: netconf.password,
    privateKeyFile: netconf.privateKeyFile,
    hostKeySha256: netconf.hostKey,
    connectTimeoutMs: timeoutMs,
    rpcTimeoutMs: timeoutMs,
  };
}

export interface NetconfPoll {
  switch: SwitchSnapshot | null;
  groups: GroupPoll[];
}

/** Throws a NetconfError when the device cannot be read at all (as an SNMP poll does). */
export async function pollOverNetconf(
  device: DeviceConfig,
  netconf: NetconfConfig,
  sessions: NetconfSessionSource = SESSION_PER_CALL,
): Promise<NetconfPoll> {
  return sessions.with(device.name, netconfTargetOf(device, netconf), async (session) => {
    const reply = await session.get(stateFilter(session.capabilities));
    const snapshot = decodeSwitchReply(reply, { nowMs: Date.now() });
    if (device.role === 'switch') return { switch: snapshot, groups: [] };
    return { switch: null, groups: serverGroups(device, snapshot.interfaces) };
  });
}

function serverGroups(device: DeviceConfig, interfaces: InterfaceState[]): GroupPoll[] {
  return (device.groups ?? []).map((group) =>
    group.source === 'if-mib'
      ? { name: group.name, ok: true, error: null, group: groupFromInterfaces(group, interfaces) }
      : {
          name: group.name,
          ok: false,
          error: `${device.name} is polled over NETCONF: group ${group.name} with source extend needs SNMP (use source: if-mib)`,
          group: null,
        },
  );
}
