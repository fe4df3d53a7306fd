/**
 * openconfig-spanning-tree → bridge and port STP state, role and edge: the fixture written from
 * the module, and hand-built replies for RSTP, MSTP and the older time-since-topology-change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import {
  decodeOpenconfigStp,
  type OpenconfigStp,
  type OpenconfigStpPort,
} from '../../src/netconf/decode/openconfig-stp';
import { replyData } from '../../src/netconf/decode/switch';
import { parseNetconfXml, type XmlElement } from '../../src/netconf/xml';

const FIXTURES = join(__dirname, '..', 'fixtures', 'netconf');
const OC_STP = 'http://openconfig.net/yang/spanning-tree';
const TYPES = 'http://openconfig.net/yang/spanning-tree/types';
/** 300 s after the fixture's last-topology-change (1764073800 s since the epoch). */
const NOW_MS = 1_764_074_100_000;

const dataOf = (xml: string): XmlElement => replyData(parseNetconfXml(xml));
const reply = (stp: string): XmlElement =>
  dataOf(
    `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>` +
      `<stp xmlns="${OC_STP}" xmlns:t="${TYPES}">${stp}</stp></data></rpc-reply>`,
  );
const port = (fields: Partial<OpenconfigStpPort> & { name: string }): OpenconfigStpPort => ({
  portNum: null,
  state: null,
  role: null,
  edge: null,
  ...fields,
});
const tree = (ports: string): string => `<interfaces>${ports}</interfaces>`;
const stpPort = (name: string, num: number, role: string, state: string, extra = ''): string =>
  `<interface><name>${name}</name><state><name>${name}</name><port-num>${num}</port-num>` +
  `<role>t:${role}</role><port-state>t:${state}</port-state>${extra}</state></interface>`;

describe('openconfig-stp-rstp.xml', () => {
  const decoded = decodeOpenconfigStp(
    dataOf(readFileSync(join(FIXTURES, 'openconfig-stp-rstp.xml'), 'utf8')),
    { nowMs: NOW_MS },
  );

  it('bridge: ids as pppp.aabbccddeeff, root port number, changes and their age', () => {
    expect(decoded?.protocol).toBe('RSTP');
    expect(decoded?.bridge).toEqual({
      bridgeId: '8000.020000000b00',
      designatedRoot: '1000.020000000a00',
      rootPortNum: 1,
      topologyChanges: 7,
      timeSinceTopologyChangeS: 300,
    });
  });

  it('ports: state, role and edge (one blocking, one edge)', () => {
    expect(decoded?.ports).toEqual([
      port({ name: 'et-0/0/0', portNum: 1, state: 'forwarding', role: 'root', edge: false }),
      // EDGE_AUTO: what the port decided is not in the module
      port({ name: 'ae0', portNum: 2, state: 'forwarding', role: 'designated', edge: null }),
      port({ name: 'ae1', portNum: 3, state: 'disabled', role: 'designated', edge: null }),
      port({ name: 'et-0/0/4', portNum: 4, state: 'forwarding', role: 'designated', edge: true }),
      port({ name: 'et-0/0/5', portNum: 5, state: 'blocking', role: 'alternate', edge: false }),
    ]);
  });
});

describe('hand-built spanning trees', () => {
  const cases: { name: string; stp: string; want: Partial<OpenconfigStp> | null }[] = [
    {
      name: 'MSTP: the CIST is instance 0',
      stp: `<global><state><enabled-protocol>t:MSTP</enabled-protocol></state></global>
        <mstp><mst-instances>
          <mst-instance><mst-id>0</mst-id><state><bridge-priority>32768</bridge-priority><bridge-address>02:00:00:00:00:01</bridge-address>
            <designated-root-priority>0</designated-root-priority><designated-root-address>02:00:00:00:00:aa</designated-root-address><root-port>0</root-port></state>
            ${tree(stpPort('ge1', 1, 'DESIGNATED', 'FORWARDING'))}</mst-instance>
          <mst-instance><mst-id>5</mst-id><state><bridge-priority>4096</bridge-priority></state>
            ${tree(stpPort('ge1', 1, 'ALTERNATE', 'BLOCKING'))}</mst-instance>
        </mst-instances></mstp>`,
      want: {
        protocol: 'MSTP',
        bridge: {
          bridgeId: '8000.020000000001',
          designatedRoot: '0000.0200000000aa',
          rootPortNum: 0,
          topologyChanges: null,
          timeSinceTopologyChangeS: null,
        },
        ports: [port({ name: 'ge1', portNum: 1, state: 'forwarding', role: 'designated' })],
      },
    },
    {
      name: 'MSTP with several MSTIs and no CIST: unknown',
      stp: `<mstp><mst-instances>
          <mst-instance><mst-id>1</mst-id>${tree(stpPort('ge1', 1, 'ROOT', 'FORWARDING'))}</mst-instance>
          <mst-instance><mst-id>2</mst-id>${tree(stpPort('ge1', 1, 'ALTERNATE', 'BLOCKING'))}</mst-instance>
        </mst-instances></mstp>`,
      want: null,
    },
    {
      name: 'RSTP without enabled-protocol; DISCARDING is blocking; a boolean edge-port is the oper state',
      stp: `<rstp><state><topology-changes>18446744073709551615</topology-changes>
          <time-since-topology-change>12345</time-since-topology-change></state>
        ${tree(
          stpPort('ge1', 1, 'BACKUP', 'DISCARDING') +
            stpPort('ge2', 2, 'DESIGNATED', 'LEARNING', '<edge-port>true</edge-port>') +
            stpPort('ge3', 3, 'DISABLED', 'BROKEN'),
        )}</rstp>
        <interfaces><interface><name>ge2</name><config><name>ge2</name><edge-port>t:EDGE_DISABLE</edge-port></config></interface>
          <interface><name>ge9</name><config><name>ge9</name><edge-port>t:EDGE_ENABLE</edge-port></config></interface></interfaces>`,
      want: {
        protocol: 'RSTP',
        bridge: {
          bridgeId: null,
          designatedRoot: null,
          rootPortNum: null,
          // 2^64 − 1 is more than a number holds exactly: unknown, not rounded
          topologyChanges: null,
          // before module 0.3.0: hundredths of a second
          timeSinceTopologyChangeS: 123,
        },
        ports: [
          port({ name: 'ge1', portNum: 1, state: 'blocking', role: 'backup' }),
          port({ name: 'ge2', portNum: 2, state: 'learning', role: 'designated', edge: true }),
          port({ name: 'ge3', portNum: 3, state: 'broken', role: 'disabled' }),
          // configured for STP but in no tree's port list
          port({ name: 'ge9', edge: true }),
        ],
      },
    },
    {
      name: 'Rapid-PVST only: not read',
      stp: `<global><state><enabled-protocol>t:RAPID_PVST</enabled-protocol></state></global>
        <rapid-pvst><vlan><vlan-id>10</vlan-id>${tree(stpPort('ge1', 1, 'ROOT', 'FORWARDING'))}</vlan></rapid-pvst>`,
      want: null,
    },
  ];
  it.each(cases)('$name', ({ stp, want }) => {
    const decoded = decodeOpenconfigStp(reply(stp), { nowMs: NOW_MS });
    if (want === null) expect(decoded).toBeNull();
    else expect(decoded).toMatchObject(want);
  });

  it('a last-topology-change in the future (clock skew) is 0 s ago; 0 means none', () => {
    const at = (ns: string): number | null =>
      decodeOpenconfigStp(
        reply(`<rstp><state><last-topology-change>${ns}</last-topology-change></state></rstp>`),
        {
          nowMs: NOW_MS,
        },
      )?.bridge.timeSinceTopologyChangeS ?? null;
    expect(at('1764074200000000000')).toBe(0);
    expect(at('0')).toBeNull();
  });

  const errors: { name: string; stp: string; message: RegExp }[] = [
    {
      name: 'an unknown port state',
      stp: `<rstp>${tree(stpPort('ge1', 1, 'ROOT', 'SLEEPING'))}</rstp>`,
      message:
        /openconfig-spanning-tree: .*\/interface: port-state SLEEPING is not an STP port state/,
    },
    {
      name: 'an unknown role',
      stp: `<rstp>${tree(stpPort('ge1', 1, 'BOSS', 'FORWARDING'))}</rstp>`,
      message: /role BOSS is not an STP port role/,
    },
    {
      name: 'a bridge address that is no MAC',
      stp: `<rstp><state><bridge-priority>32768</bridge-priority><bridge-address>0200.0000.0001</bridge-address></state></rstp>`,
      message: /bridge-address "0200.0000.0001" is not a MAC address/,
    },
    {
      name: 'both RSTP and MSTP with data and nothing saying which runs',
      stp: `<rstp>${tree(stpPort('ge1', 1, 'ROOT', 'FORWARDING'))}</rstp>
        <mstp><mst-instances><mst-instance><mst-id>0</mst-id></mst-instance></mst-instances></mstp>`,
      message: /both rstp and mstp hold data/,
    },
    {
      name: 'an unknown edge-port mode',
      stp: `<interfaces><interface><name>ge1</name><config><edge-port>t:EDGE_MAYBE</edge-port></config></interface></interfaces>
        <rstp>${tree(stpPort('ge1', 1, 'ROOT', 'FORWARDING'))}</rstp>`,
      message: /edge-port EDGE_MAYBE is not/,
    },
  ];
  it.each(errors)('DecodeError: $name', ({ stp, message }) => {
    const read = (): unknown => decodeOpenconfigStp(reply(stp), { nowMs: NOW_MS });
    expect(read).toThrow(DecodeError);
    expect(read).toThrow(message);
  });

  it('null without openconfig-spanning-tree', () => {
    expect(
      decodeOpenconfigStp(
        dataOf(
          '<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><stp xmlns="http://example.com/stp"/></data>',
        ),
        { nowMs: NOW_MS },
      ),
    ).toBeNull();
  });
});
