/**
 * A simulated device's SNMP agent (net-snmp's Agent on its own loopback address): IF-MIB for
 * every device; BRIDGE-MIB and RSTP-MIB for a switch; NET-SNMP-EXTEND-MIB for a server, whose
 * extends print its groups as the real tools would. Values come from the LabWorld and are
 * refreshed whenever it changes, so a poll sees what a real agent would.
 */
import snmp from 'net-snmp';
import {
  DOT1D_BASE_BRIDGE_ADDRESS,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_PRIORITY,
  DOT1D_STP_ROOT_PORT,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
  SYS_DESCR,
  SYS_NAME,
} from '../snmp/oids';
import { STP_PORT_STATES } from '../model';
import type { LabWorld } from './world';

const RO = snmp.MaxAccess['read-only'];
const NA = snmp.MaxAccess['not-accessible'];
const T = snmp.ObjectType;

/** Loosely typed: @types/net-snmp leaves the agent and its MIB as `any`. */
interface Mib {
  registerProvider(provider: object): void;
  setScalarValue(name: string, value: unknown): void;
  addTableRow(table: string, row: unknown[]): void;
  setTableSingleCell(table: string, column: number, index: unknown[], value: unknown): void;
}
interface NetSnmpAgent {
  getMib(): Mib;
  getAuthorizer(): { addCommunity(community: string): void };
  close(callback?: () => void): void;
  listener: { sockets: Record<string, import('node:dgram').Socket> };
}

export interface LabAgent {
  device: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

/** `indexOnly`: the column is only the row's index (not-accessible in its MIB). */
type Column = [number: number, name: string, type: number, indexOnly?: boolean];

function table(
  mib: Mib,
  name: string,
  entryOid: string,
  columns: Column[],
  index: { columnName: string; foreign?: string }[] | { augments: string },
): void {
  mib.registerProvider({
    name,
    type: snmp.MibProviderType.Table,
    oid: entryOid,
    maxAccess: NA,
    tableColumns: columns.map(([number, columnName, type, indexOnly]) => ({
      number,
      name: columnName,
      type,
      maxAccess: indexOnly ? NA : RO,
    })),
    ...(index instanceof Array ? { tableIndex: index } : { tableAugments: index.augments }),
  });
}

function scalar(mib: Mib, name: string, oid: string, type: number, handler?: () => unknown): void {
  mib.registerProvider({
    name,
    type: snmp.MibProviderType.Scalar,
    oid,
    scalarType: type,
    maxAccess: RO,
    ...(handler
      ? {
          handler: (request: { done(): void }) => {
            mib.setScalarValue(name, handler());
            request.done();
          },
        }
      : {}),
  });
  if (handler) mib.setScalarValue(name, handler());
}

const ticks = (ms: number): number => Math.floor(ms / 10) >>> 0;

/** Starts the agent and resolves once its socket listens (EADDRINUSE rejects). */
export async function startLabAgent(
  world: LabWorld,
  device: { name: string; role: 'switch' | 'server'; address: string },
  port: number,
  community: string,
): Promise<LabAgent> {
  const agent = snmp.createAgent(
    { port, address: device.address, transport: 'udp4' },
    () => undefined,
  ) as NetSnmpAgent;
  agent.getAuthorizer().addCommunity(community);
  const mib = agent.getMib();
  scalar(mib, 'sysDescr', SYS_DESCR, T.OctetString);
  mib.setScalarValue(
    'sysDescr',
    device.role === 'switch'
      ? `nicwatch lab switch ${device.name}`
      : `Linux ${device.name} 6.1.0-26-amd64 x86_64`,
  );
  scalar(mib, 'sysUpTime', '1.3.6.1.2.1.1.3', T.TimeTicks, () => ticks(world.nowMs()));
  scalar(mib, 'sysName', SYS_NAME, T.OctetString);
  mib.setScalarValue('sysName', device.name);
  table(
    mib,
    'ifTable',
    '1.3.6.1.2.1.2.2.1',
    [
      [1, 'ifIndex', T.Integer],
      [2, 'ifDescr', T.OctetString],
      [3, 'ifType', T.Integer],
      [5, 'ifSpeed', T.Gauge],
      [7, 'ifAdminStatus', T.Integer],
      [8, 'ifOperStatus', T.Integer],
      [9, 'ifLastChange', T.TimeTicks],
    ],
    [{ columnName: 'ifIndex' }],
  );
  table(
    mib,
    'ifXTable',
    '1.3.6.1.2.1.31.1.1.1',
    [
      [1, 'ifName', T.OctetString],
      [15, 'ifHighSpeed', T.Gauge],
      [18, 'ifAlias', T.OctetString],
    ],
    { augments: 'ifTable' },
  );
  const refresh =
    device.role === 'switch'
      ? serveSwitch(mib, world, device.name)
      : serveServer(mib, world, device.name);
  refresh();
  const onChange = (): void => refresh();
  world.on('changed', onChange);

  await new Promise<void>((resolve, reject) => {
    const sockets = Object.values(agent.listener.sockets);
    let pending = sockets.length;
    for (const socket of sockets) {
      socket.once('error', reject);
      socket.once('listening', () => {
        socket.off('error', reject);
        if (--pending === 0) resolve();
      });
    }
  }).catch((err: unknown) => {
    world.off('changed', onChange);
    agent.close();
    throw err;
  });

  return {
    device: device.name,
    address: device.address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        world.off('changed', onChange);
        agent.close(() => resolve());
      }),
  };
}

function serveSwitch(mib: Mib, world: LabWorld, name: string): () => void {
  const ports = world.switchPorts(name);
  const bridge = world.bridge(name);
  const mac = Buffer.from(bridge.bridgeId.split('.')[1] ?? '', 'hex');
  scalar(mib, 'dot1dBaseBridgeAddress', DOT1D_BASE_BRIDGE_ADDRESS, T.OctetString);
  mib.setScalarValue('dot1dBaseBridgeAddress', mac);
  scalar(mib, 'dot1dStpProtocolSpecification', '1.3.6.1.2.1.17.2.1', T.Integer);
  mib.setScalarValue('dot1dStpProtocolSpecification', 3);
  // RSTP-MIB (RFC 4318) dot1dStpVersion: 2 = rstp, as a switch running RSTP reports it.
  scalar(mib, 'dot1dStpVersion', '1.3.6.1.2.1.17.2.16', T.Integer);
  mib.setScalarValue('dot1dStpVersion', 2);
  scalar(mib, 'dot1dStpPriority', DOT1D_STP_PRIORITY, T.Integer);
  mib.setScalarValue('dot1dStpPriority', parseInt(bridge.bridgeId.split('.')[0] ?? '8000', 16));
  scalar(
    mib,
    'dot1dStpTimeSinceTopologyChange',
    DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
    T.TimeTicks,
    () => ticks(world.nowMs() - world.bridge(name).lastTopologyChangeMs),
  );
  scalar(mib, 'dot1dStpTopChanges', DOT1D_STP_TOP_CHANGES, T.Counter);
  scalar(mib, 'dot1dStpDesignatedRoot', DOT1D_STP_DESIGNATED_ROOT, T.OctetString);
  scalar(mib, 'dot1dStpRootPort', DOT1D_STP_ROOT_PORT, T.Integer);
  table(
    mib,
    'dot1dBasePortTable',
    '1.3.6.1.2.1.17.1.4.1',
    [
      [1, 'dot1dBasePort', T.Integer],
      [2, 'dot1dBasePortIfIndex', T.Integer],
    ],
    [{ columnName: 'dot1dBasePort' }],
  );
  table(
    mib,
    'dot1dStpPortTable',
    '1.3.6.1.2.1.17.2.15.1',
    [
      [1, 'dot1dStpPort', T.Integer],
      [3, 'dot1dStpPortState', T.Integer],
      [4, 'dot1dStpPortEnable', T.Integer],
    ],
    [{ columnName: 'dot1dStpPort' }],
  );
  table(
    mib,
    'dot1dStpExtPortTable',
    '1.3.6.1.2.1.17.2.19.1',
    [
      [2, 'dot1dStpPortAdminEdgePort', T.Integer],
      [3, 'dot1dStpPortOperEdgePort', T.Integer],
    ],
    { augments: 'dot1dStpPortTable' },
  );
  for (const port of ports) {
    mib.addTableRow('ifTable', [port.ifIndex, port.name, 6, 10 ** 9, 1, 2, 0]);
    mib.addTableRow('ifXTable', [port.ifIndex, port.name, 1000, port.peer]);
    mib.addTableRow('dot1dBasePortTable', [port.ifIndex, port.ifIndex]);
    mib.addTableRow('dot1dStpPortTable', [port.ifIndex, 1, 1]);
    mib.addTableRow('dot1dStpExtPortTable', [port.ifIndex, 2, 2]);
  }
  return () => {
    const now = world.bridge(name);
    mib.setScalarValue('dot1dStpTopChanges', now.topologyChanges);
    mib.setScalarValue('dot1dStpDesignatedRoot', bridgeIdBytes(now.designatedRoot));
    mib.setScalarValue('dot1dStpRootPort', now.rootPort);
    for (const port of world.switchPorts(name)) {
      const truth = port.edge ? 1 : 2;
      mib.setTableSingleCell('ifTable', 8, [port.ifIndex], port.up ? 1 : 2);
      mib.setTableSingleCell('ifTable', 9, [port.ifIndex], ticks(port.lastChangeMs));
      mib.setTableSingleCell(
        'dot1dStpPortTable',
        3,
        [port.ifIndex],
        STP_PORT_STATES.indexOf(port.stpState) + 1,
      );
      mib.setTableSingleCell('dot1dStpExtPortTable', 2, [port.ifIndex], truth);
      mib.setTableSingleCell('dot1dStpExtPortTable', 3, [port.ifIndex], truth);
    }
  };
}

/** `1000.020000100001` → the 8-byte BridgeId real switches send. */
function bridgeIdBytes(bridgeId: string): Buffer {
  return Buffer.from(bridgeId.replace('.', ''), 'hex');
}

function serveServer(mib: Mib, world: LabWorld, name: string): () => void {
  table(
    mib,
    'nsExtendConfigTable',
    '1.3.6.1.4.1.8072.1.3.2.2.1',
    [
      [1, 'nsExtendToken', T.OctetString, true],
      [2, 'nsExtendCommand', T.OctetString],
    ],
    [{ columnName: 'nsExtendToken' }],
  );
  table(
    mib,
    'nsExtendOutput1Table',
    '1.3.6.1.4.1.8072.1.3.2.3.1',
    [
      [1, 'nsExtendOutput1Line', T.OctetString],
      [2, 'nsExtendOutputFull', T.OctetString],
      [3, 'nsExtendOutNumLines', T.Integer],
      [4, 'nsExtendResult', T.Integer],
    ],
    [{ columnName: 'nsExtendToken', foreign: 'nsExtendConfigTable' }],
  );
  for (const iface of world.serverInterfaces(name)) {
    const speed = iface.name === 'lo' ? 0 : 10 ** 9;
    mib.addTableRow('ifTable', [
      iface.ifIndex,
      iface.name,
      iface.name === 'lo' ? 24 : 6,
      speed,
      1,
      1,
      0,
    ]);
    mib.addTableRow('ifXTable', [iface.ifIndex, iface.name, speed / 10 ** 6, '']);
  }
  for (const [group, text] of world.groupTexts(name)) {
    mib.addTableRow('nsExtendConfigTable', [group, `/usr/local/bin/nicwatch-lab-state ${group}`]);
    mib.addTableRow('nsExtendOutput1Table', [group, firstLine(text), text, lineCount(text), 0]);
  }
  return () => {
    for (const iface of world.serverInterfaces(name)) {
      mib.setTableSingleCell('ifTable', 8, [iface.ifIndex], iface.up ? 1 : 2);
      mib.setTableSingleCell('ifTable', 9, [iface.ifIndex], ticks(iface.lastChangeMs));
    }
    for (const [group, text] of world.groupTexts(name)) {
      mib.setTableSingleCell('nsExtendOutput1Table', 1, [group], firstLine(text));
      mib.setTableSingleCell('nsExtendOutput1Table', 2, [group], text);
      mib.setTableSingleCell('nsExtendOutput1Table', 3, [group], lineCount(text));
    }
  };
}

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? '';
const lineCount = (text: string): number => text.trimEnd().split('\n').length;
