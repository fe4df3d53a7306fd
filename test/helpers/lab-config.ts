/**
 * The `devices:` block of nicwatch.yaml for a network-namespace lab, as an operator would write it
 * for that cabling: every switch at its management address, every server with one group per
 * extend whose legs are its NICs on the switch ports they are cabled to.
 */
import type { Lab, LabSpec } from './netns-lab';

export function labDevicesYaml(lab: Lab, spec: LabSpec): string {
  const lines = ['devices:'];
  for (const sw of spec.switches) {
    lines.push(`  - { name: ${sw.name}, role: switch, address: ${lab.switchAddress(sw.name)} }`);
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
