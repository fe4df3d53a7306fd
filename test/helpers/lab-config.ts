/**
 * The `devices:` block of nicwatch.yaml for a network-namespace lab, as an operator would write it
 * for that cabling: every switch at its management address, every server with one group per
 * extend whose legs are its NICs on the switch ports they are cabled to.
 */
import type { Lab, LabSpec } from './netns-lab';

/**
 * A lab switch read over NETCONF instead of SNMP (e.g. netconfd in its namespace behind an sshd
 * on the host, test/helpers/netconfd.ts): its entry gets this address and a `netconf:` block.
 */
export interface NetconfSwitchYaml {
  /** Where the NETCONF server's SSH listens, e.g. 127.0.0.1. */
  address: string;
  port: number;
  username: string;
  /** Written as given, so `${NAME}` makes the loader read it from the environment. */
  password: string;
  timeoutMs?: number;
}

export function labDevicesYaml(
  lab: Lab,
  spec: LabSpec,
  netconf: Record<string, NetconfSwitchYaml> = {},
): string {
  const lines = ['devices:'];
  for (const sw of spec.switches) {
    const nc = netconf[sw.name];
    lines.push(
      nc
        ? `  - { name: ${sw.name}, role: switch, address: ${nc.address}, netconf: ${netconfYaml(nc)} }`
        : `  - { name: ${sw.name}, role: switch, address: ${lab.switchAddress(sw.name)} }`,
    );
  }
  for (const server of spec.servers ?? []) {
    lines.push(
      `  - name: ${server.name}`,
      '    role: server',
      `    address: ${lab.serverAddress(server.name)}`,
      '    groups:',
    );
    for (const group of Object.keys(server.extends ?? {})) {
      lines.push(`      - name: ${group}`, '        legs:');
      for (const nic of server.nics) {
        lines.push(
          `          - { interface: ${nic.name}, switch: ${nic.switch}, port: ${nic.port} }`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The flow mapping of a `netconf:` block; strings JSON-quoted, which YAML reads alike. */
export function netconfYaml(nc: Omit<NetconfSwitchYaml, 'address'>): string {
  const fields = [
    `port: ${nc.port}`,
    `username: ${JSON.stringify(nc.username)}`,
    `password: ${JSON.stringify(nc.password)}`,
    ...(nc.timeoutMs === undefined ? [] : [`timeoutMs: ${nc.timeoutMs}`]),
  ];
  return `{ ${fields.join(', ')} }`;
}

export interface LabConfigYaml {
  redis: { url: string; prefix: string };
  pollIntervalS: number;
  /** `host:port` of the trap receiver; none when the lab test runs no traps role. */
  trapListen?: string;
  /** The `correlation:` mapping's fields, e.g. `{ windowMs: 4000 }`. */
  correlation?: Record<string, number>;
  netconf?: Record<string, NetconfSwitchYaml>;
}

/** A whole nicwatch.yaml for a lab: Redis, API on a free port, short SNMP timeouts, the devices. */
export function labConfigYaml(lab: Lab, spec: LabSpec, options: LabConfigYaml): string {
  const lines = [
    `redis: { url: "${options.redis.url}", prefix: "${options.redis.prefix}" }`,
    'api: { listen: "127.0.0.1:0" }',
  ];
  if (options.trapListen)
    lines.push(`traps: { listen: "${options.trapListen}", communities: [public] }`);
  if (options.correlation) {
    const fields = Object.entries(options.correlation).map(([key, value]) => `${key}: ${value}`);
    lines.push(`correlation: { ${fields.join(', ')} }`);
  }
  lines.push(
    'snmpDefaults: { timeoutMs: 500, retries: 0 }',
    `pollIntervalS: ${options.pollIntervalS}`,
  );
  return `${lines.join('\n')}\n${labDevicesYaml(lab, spec, options.netconf)}`;
}
