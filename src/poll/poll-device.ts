/**
 * One poll of one device, over NETCONF when the device configures `netconf:`, else over SNMP:
 * build the target from the configuration, ask, decode. Never throws: a device that does not
 * answer is a result with `ok: false` and the reason.
 */
import { resolveSnmp } from '../config/load';
import type { DeviceConfig, NicwatchConfig } from '../config/schema';
import { describeError } from '../errors';
import type { GroupPoll, SwitchSnapshot, Transport } from '../model';
import { SYS_UP_TIME } from '../snmp/oids';
import { openSnmpClient, type SnmpClient, type SnmpTarget } from '../snmp/session';
import { pollOverNetconf } from './netconf-poller';
import type { NetconfSessionSource } from './netconf-sessions';
import { pollServerGroups } from './server-poller';
import { pollSwitch, readInterfaces } from './switch-poller';

export interface PollResult {
  transport: Transport;
  ok: boolean;
  error: string | null;
  durationMs: number;
  switch: SwitchSnapshot | null;
  groups: GroupPoll[];
}

export type OpenClient = (target: SnmpTarget) => SnmpClient;

export function snmpTargetOf(
  device: DeviceConfig,
  config: Pick<NicwatchConfig, 'snmpDefaults'>,
): SnmpTarget | null {
  const snmp = resolveSnmp(device, config);
  if (!snmp) return null;
  return {
    host: device.address,
    port: snmp.port,
    version: snmp.version,
    community: snmp.community,
    user: snmp.user,
    timeoutMs: snmp.timeoutMs,
    retries: snmp.retries,
  };
}

export async function pollDevice(
  device: DeviceConfig,
  config: Pick<NicwatchConfig, 'snmpDefaults'>,
  openClient: OpenClient = openSnmpClient,
  netconfSessions?: NetconfSessionSource,
): Promise<PollResult> {
  const started = performance.now();
  const transport: Transport = device.netconf ? 'netconf' : 'snmp';
  const result = (partial: Omit<PollResult, 'durationMs' | 'transport'>): PollResult => ({
    transport,
    ...partial,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
  const failed = (error: string) => result({ ok: false, error, switch: null, groups: [] });
  if (device.netconf) {
    try {
      const polled = await pollOverNetconf(device, device.netconf, netconfSessions);
      return result({ ok: true, error: null, ...polled });
    } catch (err) {
      return failed(describeError(err));
    }
  }
  const target = snmpTargetOf(device, config);
  if (!target) return failed(`${device.name} has no SNMP settings`);
  const client = openClient(target);
  try {
    if (device.role === 'switch') {
      return result({ ok: true, error: null, switch: await pollSwitch(client), groups: [] });
    }
    await client.get([SYS_UP_TIME]);
    const groups = await pollServerGroups(client, device, () => readInterfaces(client));
    return result({ ok: true, error: null, switch: null, groups });
  } catch (err) {
    return failed(describeError(err));
  } finally {
    client.close();
  }
}
