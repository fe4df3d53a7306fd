import { describe, it, expect } from 'vitest';
import type { DeviceConfig } from '../../src/config/schema';
import { DecodeError } from '../../src/errors';
import type { EventType } from '../../src/model';
import {
  LINK_DOWN,
  LINK_UP,
  PDU_INFORM,
  PDU_TRAP_V1,
  PDU_TRAP_V2,
  SNMP_TRAP_ADDRESS,
  SNMP_TRAP_OID,
  STP_NEW_ROOT,
  STP_TOPOLOGY_CHANGE,
  matchDevice,
  toTrapEvent,
  type NotificationPdu,
  type RawVarbind,
  type TrapSource,
} from '../../src/traps/decode';

const INTEGER = 2;
const OCTET_STRING = 4;
const OID = 6;
const IP_ADDRESS = 64;
const TIME_TICKS = 67;
const COUNTER64 = 70;

const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
const IF_ADMIN_STATUS = '1.3.6.1.2.1.2.2.1.7';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
const COLD_START = '1.3.6.1.6.3.1.1.5.1';

const DEVICES = [
  { name: 'sw-a', role: 'switch', address: '127.0.0.11' },
  { name: 'sw-b', role: 'switch', address: '127.0.0.12' },
  { name: 'srv1', role: 'server', address: '127.0.0.21' },
  { name: 'sw-v6', role: 'switch', address: '2001:db8::a' },
] as DeviceConfig[];

const RECEIVED_AT = new Date('2026-11-25T10:00:00.000Z');
const TRAP_ID = 'feedf00d:7';

const int = (oid: string, value: number): RawVarbind => ({ oid, type: INTEGER, value });
const str = (oid: string, value: string): RawVarbind => ({
  oid,
  type: OCTET_STRING,
  value: Buffer.from(value),
});
const v2 = (trapOid: string, ...varbinds: RawVarbind[]): NotificationPdu => ({
  type: PDU_TRAP_V2,
  varbinds: [
    { oid: '1.3.6.1.2.1.1.3.0', type: TIME_TICKS, value: 4711 },
    { oid: SNMP_TRAP_OID, type: OID, value: trapOid },
    ...varbinds,
  ],
});
const v1 = (
  fields: Pick<NotificationPdu, 'enterprise' | 'agentAddr' | 'generic' | 'specific'>,
  ...varbinds: RawVarbind[]
): NotificationPdu => ({ type: PDU_TRAP_V1, ...fields, varbinds });
const from = (address: string, port = 40162): TrapSource => ({ address, port });

interface Case {
  name: string;
  pdu: NotificationPdu;
  rinfo: TrapSource;
  device: string;
  type: EventType;
  interface?: string;
  /** Fields of `details` to compare (besides the ones every case checks). */
  details: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    name: 'v1 linkDown (generic 2): device by agent-addr, ifDescr as the interface',
    pdu: v1(
      { enterprise: '1.3.6.1.4.1.9.1.516', agentAddr: '127.0.0.11', generic: 2, specific: 0 },
      int(`${IF_INDEX}.5`, 5),
      str(`${IF_DESCR}.5`, 'GigabitEthernet0/5'),
      int('1.3.6.1.2.1.2.2.1.3.5', 6),
      str('1.3.6.1.4.1.9.2.2.1.1.20.5', 'administratively down'),
    ),
    rinfo: from('192.0.2.200'),
    device: 'sw-a',
    type: 'link-down',
    interface: 'GigabitEthernet0/5',
    details: {
      trapOid: LINK_DOWN,
      version: '1',
      pduType: 'trap',
      from: '192.0.2.200:40162',
      enterprise: '1.3.6.1.4.1.9.1.516',
      agentAddr: '127.0.0.11',
      genericTrap: 2,
      specificTrap: 0,
      ifIndex: 5,
    },
  },
  {
    name: 'v2c linkUp with ifName (preferred over ifDescr), admin and oper status',
    pdu: v2(
      LINK_UP,
      int(`${IF_INDEX}.7`, 7),
      int(`${IF_ADMIN_STATUS}.7`, 1),
      int(`${IF_OPER_STATUS}.7`, 1),
      str(`${IF_NAME}.7`, 'swp7'),
      str(`${IF_DESCR}.7`, 'Ethernet port swp7'),
    ),
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'link-up',
    interface: 'swp7',
    details: {
      trapOid: LINK_UP,
      version: '2c',
      ifIndex: 7,
      ifAdminStatus: 'up',
      ifOperStatus: 'up',
    },
  },
  {
    name: 'v2c linkDown with ifDescr only',
    pdu: v2(
      LINK_DOWN,
      int(`${IF_INDEX}.3`, 3),
      int(`${IF_ADMIN_STATUS}.3`, 1),
      int(`${IF_OPER_STATUS}.3`, 2),
      str(`${IF_DESCR}.3`, 'eth2'),
    ),
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'link-down',
    interface: 'eth2',
    details: { ifIndex: 3, ifAdminStatus: 'up', ifOperStatus: 'down' },
  },
  {
    name: 'v2c linkDown with ifIndex only: no interface, the correlator resolves it',
    pdu: v2(LINK_DOWN, int(`${IF_INDEX}.12`, 12)),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'link-down',
    details: { ifIndex: 12 },
  },
  {
    name: 'v2c linkDown with only ifAdminStatus/ifOperStatus: ifIndex from their index',
    pdu: v2(LINK_DOWN, int(`${IF_ADMIN_STATUS}.9`, 2), int(`${IF_OPER_STATUS}.9`, 7)),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'link-down',
    details: { ifIndex: 9, ifAdminStatus: 'down', ifOperStatus: 'lowerLayerDown' },
  },
  {
    name: 'linkDown whose ifOperStatus says up: the trap OID decides the event',
    pdu: v2(LINK_DOWN, int(`${IF_INDEX}.4`, 4), int(`${IF_OPER_STATUS}.4`, 1)),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'link-down',
    details: { ifIndex: 4, ifOperStatus: 'up' },
  },
  {
    name: 'snmpTrapAddress.0 overrides the UDP source',
    pdu: v2(LINK_DOWN, int(`${IF_INDEX}.1`, 1), {
      oid: SNMP_TRAP_ADDRESS,
      type: IP_ADDRESS,
      value: '127.0.0.21',
    }),
    rinfo: from('127.0.0.11'),
    device: 'srv1',
    type: 'link-down',
    details: { from: '127.0.0.11:40162', ifIndex: 1 },
  },
  {
    name: 'v1 agent-addr 0.0.0.0 is skipped: device by UDP source',
    pdu: v1({ enterprise: '1.3.6.1.4.1.8072', agentAddr: '0.0.0.0', generic: 3, specific: 0 }),
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'link-up',
    details: { trapOid: LINK_UP },
  },
  {
    name: 'unknown sender → unknown:<address>',
    pdu: v2(COLD_START),
    rinfo: from('192.0.2.7', 1024),
    device: 'unknown:192.0.2.7',
    type: 'trap',
    details: { trapOid: COLD_START, from: '192.0.2.7:1024' },
  },
  {
    name: 'IPv4-mapped IPv6 source matches the IPv4 device',
    pdu: v2(COLD_START),
    rinfo: from('::ffff:127.0.0.21'),
    device: 'srv1',
    type: 'trap',
    details: { from: '127.0.0.21:40162' },
  },
  {
    name: 'IPv6 source in another spelling matches the device',
    pdu: v2(COLD_START),
    rinfo: from('2001:DB8:0:0:0:0:0:A'),
    device: 'sw-v6',
    type: 'trap',
    details: { from: '[2001:db8::a]:40162' },
  },
  {
    name: 'BRIDGE-MIB newRoot',
    pdu: v2(STP_NEW_ROOT),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'stp-new-root',
    details: { trapOid: STP_NEW_ROOT },
  },
  {
    name: 'BRIDGE-MIB topologyChange',
    pdu: v2(STP_TOPOLOGY_CHANGE),
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'stp-topology-change',
    details: { trapOid: STP_TOPOLOGY_CHANGE },
  },
  {
    name: 'v2c coldStart → trap',
    pdu: v2(COLD_START),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'trap',
    details: { trapOid: COLD_START, version: '2c' },
  },
  {
    name: 'v1 coldStart (generic 0) → trap with the SNMPv2 OID (RFC 3584)',
    pdu: v1({
      enterprise: '1.3.6.1.4.1.4.1.2.21',
      agentAddr: '127.0.0.11',
      generic: 0,
      specific: 0,
    }),
    rinfo: from('127.0.0.11'),
    device: 'sw-a',
    type: 'trap',
    details: { trapOid: COLD_START, version: '1' },
  },
  {
    name: 'v1 enterprise-specific → trap with enterprise.0.specific',
    pdu: v1(
      { enterprise: '1.3.6.1.4.1.11.2.14.12.1', agentAddr: '127.0.0.12', generic: 6, specific: 17 },
      str('1.3.6.1.4.1.11.2.14.12.1.1.0', 'fan failure'),
    ),
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'trap',
    details: { trapOid: '1.3.6.1.4.1.11.2.14.12.1.0.17', genericTrap: 6, specificTrap: 17 },
  },
  {
    name: 'v3 inform: version 3, pdu type inform, user',
    pdu: { ...v2(STP_TOPOLOGY_CHANGE), type: PDU_INFORM, scoped: true, user: 'nwtrap' },
    rinfo: from('127.0.0.12'),
    device: 'sw-b',
    type: 'stp-topology-change',
    details: { version: '3', pduType: 'inform', user: 'nwtrap' },
  },
];

describe('toTrapEvent', () => {
  it.each(CASES)('$name', (c) => {
    const got = toTrapEvent({ pdu: c.pdu }, c.rinfo, DEVICES, RECEIVED_AT, TRAP_ID);
    expect(got.source, `got source ${got.source}, want trap`).toBe('trap');
    expect(got.at, `got at ${got.at}, want the receive time`).toBe(RECEIVED_AT.toISOString());
    expect(got.device, `got device ${got.device}, want ${c.device}`).toBe(c.device);
    expect(got.type, `got type ${got.type}, want ${c.type}`).toBe(c.type);
    expect(got.interface, `got interface ${got.interface}, want ${c.interface}`).toBe(c.interface);
    expect('interface' in got, 'an absent interface is left out, not undefined').toBe(
      c.interface !== undefined,
    );
    expect(got.details.trapId, `got trapId ${String(got.details.trapId)}`).toBe(TRAP_ID);
    for (const key of ['trapOid', 'version', 'from', 'varbinds']) {
      expect(got.details, `details lack ${key}: ${JSON.stringify(got.details)}`).toHaveProperty(
        key,
      );
    }
    const picked = Object.fromEntries(Object.keys(c.details).map((k) => [k, got.details[k]]));
    expect(picked, `got details ${JSON.stringify(got.details)}`).toEqual(c.details);
    expect(got.details.varbinds, 'every varbind kept').toHaveLength(c.pdu.varbinds.length);
  });

  it('keeps no community in the event', () => {
    const pdu = { ...v2(COLD_START), community: 's3cret' } as NotificationPdu;
    const got = JSON.stringify(toTrapEvent({ pdu }, from('127.0.0.11'), DEVICES, RECEIVED_AT, 'x'));
    expect(got, `got ${got}, want no community`).not.toContain('s3cret');
  });
});

describe('varbinds as text', () => {
  const cases: Array<{ name: string; vb: RawVarbind; want: { type: string; value: string } }> = [
    { name: 'Integer', vb: int('1.3.6.1.2.1.2.2.1.1.5', 5), want: { type: 'Integer', value: '5' } },
    {
      name: 'printable OctetString as text',
      vb: str('1.3.6.1.2.1.31.1.1.1.18.5', 'uplink to core'),
      want: { type: 'OctetString', value: 'uplink to core' },
    },
    {
      name: 'DisplayString with a trailing NUL',
      vb: { oid: '1.3.6.1.2.1.2.2.1.2.5', type: OCTET_STRING, value: Buffer.from('eth0\0') },
      want: { type: 'OctetString', value: 'eth0' },
    },
    {
      name: 'binary OctetString (a MAC) as hex',
      vb: {
        oid: '1.3.6.1.2.1.2.2.1.6.5',
        type: OCTET_STRING,
        value: Buffer.from('001b21c0ffee', 'hex'),
      },
      want: { type: 'OctetString', value: '001b21c0ffee' },
    },
    {
      name: 'Counter64 as decimal',
      vb: {
        oid: '1.3.6.1.2.1.31.1.1.1.6.5',
        type: COUNTER64,
        value: Buffer.from('00ffffffffffffffff', 'hex'),
      },
      want: { type: 'Counter64', value: '18446744073709551615' },
    },
    {
      name: 'IpAddress',
      vb: { oid: SNMP_TRAP_ADDRESS, type: IP_ADDRESS, value: '198.18.11.2' },
      want: { type: 'IpAddress', value: '198.18.11.2' },
    },
    {
      name: 'Null',
      vb: { oid: '1.3.6.1.4.1.1.0', type: 5, value: null },
      want: { type: 'Null', value: '' },
    },
  ];
  it.each(cases)('$name', ({ vb, want }) => {
    const event = toTrapEvent({ pdu: v2(COLD_START, vb) }, from('192.0.2.1'), [], RECEIVED_AT, 'x');
    const got = (event.details.varbinds as unknown[])[2];
    expect(got, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toEqual({
      oid: vb.oid,
      ...want,
    });
  });
});

describe('matchDevice', () => {
  const cases: Array<{ name: string; addresses: Array<string | undefined>; want: string }> = [
    {
      name: 'snmpTrapAddress first',
      addresses: ['127.0.0.21', '127.0.0.11', '127.0.0.12'],
      want: 'srv1',
    },
    { name: 'agent-addr next', addresses: [undefined, '127.0.0.11', '127.0.0.12'], want: 'sw-a' },
    { name: 'UDP source last', addresses: [undefined, undefined, '127.0.0.12'], want: 'sw-b' },
    {
      name: 'an unconfigured earlier address falls through to a configured later one',
      addresses: ['192.0.2.9', undefined, '127.0.0.12'],
      want: 'sw-b',
    },
    { name: '0.0.0.0 skipped', addresses: ['0.0.0.0', '0.0.0.0', '127.0.0.11'], want: 'sw-a' },
    {
      name: 'none configured: unknown:<first address>',
      addresses: ['192.0.2.9', undefined, '192.0.2.10'],
      want: 'unknown:192.0.2.9',
    },
    { name: 'bracketed IPv6', addresses: ['[2001:db8:0::a]'], want: 'sw-v6' },
  ];
  it.each(cases)('$name', ({ addresses, want }) => {
    const got = matchDevice(addresses, DEVICES);
    expect(got, `got ${got}, want ${want}`).toBe(want);
  });
});

describe('notifications that name no trap', () => {
  const cases: Array<{ name: string; pdu: NotificationPdu }> = [
    {
      name: 'v2c trap without snmpTrapOID.0',
      pdu: { type: PDU_TRAP_V2, varbinds: [int(`${IF_INDEX}.1`, 1)] },
    },
    {
      name: 'v2c trap whose snmpTrapOID.0 is not an OID',
      pdu: { type: PDU_TRAP_V2, varbinds: [str(SNMP_TRAP_OID, 'linkDown')] },
    },
    {
      name: 'v1 trap with generic-trap 9',
      pdu: v1({ enterprise: '1.3.6.1.4.1.1', agentAddr: '127.0.0.11', generic: 9, specific: 0 }),
    },
  ];
  it.each(cases)('$name → DecodeError', ({ pdu }) => {
    const run = () => toTrapEvent({ pdu }, from('127.0.0.11'), DEVICES, RECEIVED_AT, 'x');
    expect(run, 'want a DecodeError').toThrow(DecodeError);
  });
});
