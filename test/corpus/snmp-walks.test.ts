/**
 * Others' switch captures, read in place from ../shared/samples/snmp-walks (never copied into the
 * project): every file decodes with the IF-MIB, BRIDGE-MIB/RSTP-MIB, LLDP-MIB and LAG decoders, and
 * the facts below, read off each file and its .source.txt by hand, come out.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LldpNeighbour, StpBridge, StpPortState } from '../../src/model';
import { decodeStpBridge, decodeStpPorts } from '../../src/snmp/bridge-mib';
import { decodeInterfaces, decodeLagMembership } from '../../src/snmp/if-mib';
import { decodeLldpNeighbours } from '../../src/snmp/lldp-mib';
import {
  DOT1D_BRIDGE,
  DOT3AD_AGG_PORT_TABLE,
  IF_STACK_TABLE,
  IF_TABLE,
  IF_X_TABLE,
  LLDP_LOC_PORT_TABLE,
  LLDP_REM_TABLE,
} from '../../src/snmp/oids';
import { loadWalkFile, subtree } from '../helpers/snmpwalk-file';

const WALKS = join(__dirname, '..', '..', '..', 'shared', 'samples', 'snmp-walks');
const present = existsSync(WALKS);
if (!present) console.warn(`snmp-walks corpus test skipped: ${WALKS} is absent`);

interface Facts {
  interfaces: number;
  /** One interface, as ifTable/ifXTable say. */
  port: { ifIndex: number; name: string; operUp: boolean | null; speedMbps: number | null };
  /** ieee8023adLag(161) interfaces. */
  lags?: number;
  stp: StpBridge | null;
  /** dot1dStpPortState counts; {} where the capture has no dot1dStpPortTable. */
  states: Partial<Record<StpPortState, number>>;
  /** Every port's dot1dStpPortOperEdgePort: null without RSTP-MIB rows. */
  edge: boolean | null;
  /** LLDP neighbours by the local ifIndex they map to. */
  lldp: Record<number, number>;
  /** The last neighbour in local port order. */
  lastNeighbour?: LldpNeighbour;
}

const EXPECTED: Record<string, Facts> = {
  'librenms-snmpsim-avaya-vsp.trimmed.snmprec': {
    interfaces: 42,
    port: { ifIndex: 64, name: 'Slot 1, Port 1', operUp: false, speedMbps: 0 },
    stp: null,
    states: {},
    edge: null,
    lldp: {},
  },
  'librenms-snmpsim-dlink-dgs3100.trimmed.snmprec': {
    interfaces: 88,
    // a down 1G port: ifSpeed 1000000000 but ifHighSpeed 0, and ifHighSpeed wins
    port: { ifIndex: 1, name: '1:1', operUp: false, speedMbps: 0 },
    stp: {
      bridgeId: '8000.1caff7e4bc78',
      designatedRoot: '8000.1caff7e4bc78',
      rootPort: 0,
      topologyChanges: 0,
      timeSinceTopologyChangeS: 1_092_228.7,
    },
    states: { disabled: 332 },
    edge: false,
    lldp: {},
  },
  'librenms-snmpsim-edgecore-es3528m.trimmed.snmprec': {
    interfaces: 33,
    // ifOperStatus lowerLayerDown(7)
    port: { ifIndex: 1, name: 'Port1', operUp: false, speedMbps: 100 },
    stp: {
      bridgeId: '8000.7072cf9960ac',
      designatedRoot: '8000.7072cf9960ac',
      rootPort: 0,
      topologyChanges: 0,
      // sent as an Integer, not TimeTicks: read as hundredths all the same
      timeSinceTopologyChangeS: 9_594_914.87,
    },
    states: { forwarding: 2, broken: 26 },
    edge: null,
    lldp: {},
  },
  'librenms-snmpsim-entrasys-matrix-n5.trimmed.snmpwalk': {
    // every ifDescr/ifType line appears twice in the file, with the same value
    interfaces: 137,
    port: { ifIndex: 12001, name: 'ge.1.1', operUp: true, speedMbps: 1000 },
    lags: 48,
    stp: null,
    states: {},
    edge: null,
    lldp: {},
  },
  'librenms-snmpsim-hp-2530.trimmed.snmprec': {
    interfaces: 42,
    port: { ifIndex: 28, name: '28', operUp: true, speedMbps: 1000 },
    stp: {
      bridgeId: '8000.1c98ec6ed1c0',
      designatedRoot: '0000.308d9994db80',
      rootPort: 28,
      topologyChanges: 2,
      timeSinceTopologyChangeS: 230_433.76,
    },
    states: { forwarding: 1, disabled: 27 },
    edge: null,
    lldp: {},
  },
  'librenms-snmpsim-nxos-n9000.trimmed.snmprec': {
    interfaces: 125,
    // empty ifDescr: the name is ifName
    port: { ifIndex: 83886080, name: 'mgmt0', operUp: true, speedMbps: 1000 },
    stp: null,
    states: {},
    edge: null,
    lldp: {},
  },
  'librenms-snmpsim-procurve-2510g.trimmed.snmprec': {
    interfaces: 27,
    port: { ifIndex: 4, name: '4', operUp: true, speedMbps: 1000 },
    stp: {
      bridgeId: '6000.80c16eba8980',
      designatedRoot: '6000.80c16eba8980',
      rootPort: 0,
      topologyChanges: 539,
      timeSinceTopologyChangeS: 21_384.15,
    },
    states: { forwarding: 5, disabled: 19 },
    edge: null,
    // 47 radios heard on port 4 (empty lldpRemSysName), one Calix E7 on port 8; lldpLocPortId is
    // local(7) "4" / "8", naming ifName = ifDescr = ifIndex
    lldp: { 4: 47, 8: 1 },
    lastNeighbour: {
      localIfIndex: 8,
      localPortNum: 8,
      chassisId: 'E7-2:SN81107310538',
      portId: '1/g8',
      portDescr: 'VLAN Transport to HP port 8',
      sysName: 'rolfe-e7',
    },
  },
  'librenms-snmpsim-synology-rs2212.trimmed.snmprec': {
    interfaces: 5,
    // the trailing `"` is in the capture (its .source.txt says so)
    port: { ifIndex: 5, name: 'bond0"', operUp: true, speedMbps: 1000 },
    stp: null,
    states: {},
    edge: null,
    lldp: {},
  },
  'snmpsim-linux-2.6.37.trimmed.snmpwalk': {
    interfaces: 2,
    port: { ifIndex: 2, name: 'eth0', operUp: true, speedMbps: 100 },
    stp: null,
    states: {},
    edge: null,
    lldp: {},
  },
  'zbx-snmpsim-dlink-des3200-18.trimmed.snmprec': {
    interfaces: 23,
    port: { ifIndex: 2, name: '2', operUp: true, speedMbps: 100 },
    stp: {
      bridgeId: '4000.9cd643fce2c0',
      designatedRoot: '4000.9cd643fce2c0',
      rootPort: 0,
      topologyChanges: 91,
      timeSinceTopologyChangeS: 2518,
    },
    states: { forwarding: 15, disabled: 3 },
    edge: null,
    lldp: {},
  },
};

function decodeAll(file: string) {
  const rows = loadWalkFile(join(WALKS, file));
  const interfaces = decodeInterfaces({
    ifTable: subtree(rows, IF_TABLE),
    ifXTable: subtree(rows, IF_X_TABLE),
  });
  const lagOf = decodeLagMembership(
    subtree(rows, IF_STACK_TABLE),
    interfaces,
    subtree(rows, DOT3AD_AGG_PORT_TABLE),
  );
  const bridge = subtree(rows, DOT1D_BRIDGE);
  const stp = decodeStpBridge(bridge);
  const ports = decodeStpPorts({ basePortIfIndex: bridge, stpPortState: bridge, operEdge: bridge });
  const basePorts = new Map(
    ports.flatMap((p) => (p.ifIndex === null ? [] : [[p.bridgePort, p.ifIndex] as const])),
  );
  const lldp = decodeLldpNeighbours(
    { remTable: subtree(rows, LLDP_REM_TABLE), locPortTable: subtree(rows, LLDP_LOC_PORT_TABLE) },
    interfaces,
    basePorts,
  );
  return { interfaces, lagOf, stp, ports, lldp };
}

describe.skipIf(!present)('shared snmp-walks corpus', () => {
  const files = present ? readdirSync(WALKS).filter((f) => /\.(snmprec|snmpwalk)$/.test(f)) : [];

  it('has facts for every capture', () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...files].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s decodes, with the facts read off the file', (file) => {
    const got = decodeAll(file);
    const want = EXPECTED[file];
    if (!want) throw new Error(`no facts for ${file}`);

    expect(got.interfaces.length, 'interfaces').toBe(want.interfaces);
    const port = got.interfaces.find((i) => i.ifIndex === want.port.ifIndex);
    expect(
      port && {
        ifIndex: port.ifIndex,
        name: port.name,
        operUp: port.operUp,
        speedMbps: port.speedMbps,
      },
    ).toEqual(want.port);
    const lags = got.interfaces.filter((i) => i.type === 161).length;
    expect(lags, 'ieee8023adLag interfaces').toBe(want.lags ?? 0);
    // no capture has a LAG with members (Entrasys's 48 lag.0.N are empty)
    expect(got.lagOf).toEqual({});

    expect(got.stp, 'dot1dStp scalars').toEqual(want.stp);
    const states: Partial<Record<StpPortState, number>> = {};
    for (const p of got.ports) if (p.state) states[p.state] = (states[p.state] ?? 0) + 1;
    expect(states, 'dot1dStpPortState counts').toEqual(want.states);
    expect(new Set(got.ports.map((p) => p.edge)), 'edge').toEqual(
      got.ports.length === 0 ? new Set() : new Set([want.edge]),
    );

    const lldp: Record<number, number> = {};
    for (const n of got.lldp) lldp[n.localIfIndex ?? -1] = (lldp[n.localIfIndex ?? -1] ?? 0) + 1;
    expect(lldp, 'LLDP neighbours by local ifIndex').toEqual(want.lldp);
    if (want.lastNeighbour) expect(got.lldp[got.lldp.length - 1]).toEqual(want.lastNeighbour);
  });
});
