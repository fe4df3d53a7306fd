/**
 * The nicwatch configuration that watches a simulated lab: every device at its agent's address,
 * every group with its legs cabled as the lab has them. Built as YAML text and read by the same
 * loader as a user's file, so the demo runs on a configuration that passed every check.
 */
import { stringify } from 'yaml';
import { parseConfig } from '../config/load';
import type { NicwatchConfig } from '../config/schema';
import type { RunningLab } from './lab';
import type { NetconfSwitchDevice } from './netconf-switch';
import type { LabSpec, LabSwitch } from './spec';

export interface LabConfigOptions {
  redisUrl: string;
  redisPrefix: string;
  apiListen: string;
  pollIntervalS: number;
  /** Where each running NETCONF switch answers, by name. */
  netconfSwitches?: Record<string, NetconfSwitchDevice>;
}

export function labConfig(
  spec: LabSpec,
  lab: RunningLab,
  options: LabConfigOptions,
): NicwatchConfig {
  const port = lab.devices[0]?.port ?? 161;
  const document = {
    redis: { url: options.redisUrl, prefix: options.redisPrefix },
    api: { listen: options.apiListen },
    traps: { listen: '127.0.0.1:0', communities: [lab.community] },
    correlation: { windowMs: 10000, staleAfterS: Math.max(15, options.pollIntervalS * 4) },
    snmpDefaults: { version: '2c', community: lab.community, port, timeoutMs: 1000, retries: 1 },
    pollIntervalS: options.pollIntervalS,
    devices: [
      ...spec.switches.map((sw) => switchDevice(sw, options.netconfSwitches ?? {})),
      ...spec.servers.map((server) => ({
        name: server.name,
        role: 'server',
        address: server.address,
        groups: server.groups.map((group) => ({
          name: group.name,
          kind: group.kind,
          source: 'extend',
          ...(group.primary ? { primary: group.primary } : {}),
          legs: group.legs.map((leg) => {
            const nic = server.nics.find((n) => n.name === leg);
            return { interface: leg, switch: nic?.switch ?? '', port: nic?.port ?? '' };
          }),
        })),
      })),
    ],
  };
  // The lab's own settings win over the environment's NICWATCH_REDIS_URL, already applied.
  return parseConfig(stringify(document), '<demo lab>', {});
}

function switchDevice(sw: LabSwitch, netconfSwitches: Record<string, NetconfSwitchDevice>) {
  if (sw.transport !== 'netconf') return { name: sw.name, role: 'switch', address: sw.address };
  const running = netconfSwitches[sw.name];
  if (!running)
    throw new Error(`${sw.name} speaks NETCONF but does not run: leave it out of the lab`);
  return { name: sw.name, role: 'switch', address: running.address, netconf: running.netconf };
}
