/**
 * `source: if-mib`: a group inferred from its legs' IF-MIB ifOperStatus alone (kind `members`),
 * for servers whose agent has no extend. Every up leg is taken to carry traffic. Pure.
 */
import type { GroupConfig } from '../config/schema';
import { newLeg, newMonitoring, type InterfaceState, type RedundancyGroup } from '../model';

export function groupFromInterfaces(
  config: GroupConfig,
  interfaces: readonly InterfaceState[],
): RedundancyGroup {
  const legs = config.legs.flatMap((configured) => {
    const iface =
      interfaces.find((i) => i.name === configured.interface) ??
      interfaces.find((i) => i.descr === configured.interface);
    if (!iface) return [];
    const leg = newLeg(configured.interface);
    leg.up = iface.operUp === true;
    leg.active = leg.up;
    leg.state = iface.operUp === null ? 'unknown' : leg.up ? 'up' : 'down';
    leg.speedMbps = iface.speedMbps;
    return [leg];
  });
  return {
    kind: 'members',
    name: config.name,
    mode: 'members',
    policy: 'load-share',
    activeLeg: null,
    legs,
    monitoring: { ...newMonitoring(), detection: 'link' },
    primary: null,
    primaryReselect: null,
    failOverMac: null,
    lacp: null,
    driverVersion: null,
  };
}
