/**
 * A whole reply → SwitchSnapshot: the reply envelopes (<get>, <get-data>, bare <data>), the join
 * of STP ports and LAG members to ifIndexes, every shared reply sample (decodes, or a DecodeError
 * saying why), and replies that are not what a switch poll asked for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import { findInterface } from '../../src/health/topology';
import type { SwitchSnapshot } from '../../src/model';
import { decodeSwitchData, decodeSwitchReply, replyData } from '../../src/netconf/decode/switch';
import { parseNetconfXml, type XmlElement } from '../../src/netconf/xml';
import { REPO_ROOT } from '../helpers/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'netconf');
const SAMPLES = join(REPO_ROOT, '..', 'shared', 'samples', 'netconf');
const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const NOW_MS = 1_764_074_100_000;
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const dataOf = (xml: string): XmlElement => replyData(parseNetconfXml(xml));

/** One <data> holding the data of several fixture replies, as one <get> of all three returns. */
function mergedData(...names: string[]): XmlElement {
  const parts = names.map((name) => dataOf(fixture(name)));
  const [first] = parts as [XmlElement];
  return { ...first, children: parts.flatMap((part) => part.children) };
}

describe('openconfig switch: interfaces + spanning tree + LACP', () => {
  const snapshot = decodeSwitchData(
    mergedData('openconfig-interfaces-state.xml', 'openconfig-stp-rstp.xml', 'openconfig-lacp.xml'),
    { nowMs: NOW_MS },
  );

  it('STP ports are numbered by their interface ifIndex', () => {
    expect(snapshot.stpPorts).toEqual([
      { bridgePort: 501, ifIndex: 501, state: 'forwarding', edge: false },
      { bridgePort: 505, ifIndex: 505, state: 'forwarding', edge: true },
      { bridgePort: 506, ifIndex: 506, state: 'blocking', edge: false },
      { bridgePort: 600, ifIndex: 600, state: 'forwarding', edge: null },
      { bridgePort: 601, ifIndex: 601, state: 'disabled', edge: null },
    ]);
  });

  it('the bridge: root port 1 is et-0/0/0 (bridge port 501)', () => {
    expect(snapshot.stp).toEqual({
      bridgeId: '8000.020000000b00',
      designatedRoot: '1000.020000000a00',
      rootPort: 501,
      topologyChanges: 7,
      timeSinceTopologyChangeS: 300,
    });
  });

  it('LAG members by aggregate-id and LACP, out of sync or not', () => {
    expect(snapshot.lagOf).toEqual({ 502: 600, 503: 600, 504: 601 });
  });

  it('no LLDP from NETCONF', () => {
    expect(snapshot.lldp).toBeNull();
    expect(snapshot.interfaces).toHaveLength(11);
  });
});

function rpcError(severity: string, tag: string): string {
  return `<rpc-error><error-type>application</error-type><error-tag>${tag}</error-tag><error-severity>${severity}</error-severity></rpc-error>`;
}

describe('reply envelopes', () => {
  const interfaces = `<interfaces-state xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>p1</name><oper-status>up</oper-status></interface></interfaces-state>`;
  const want: SwitchSnapshot = {
    interfaces: [
      {
        ifIndex: 1,
        name: 'p1',
        descr: 'p1',
        alias: null,
        type: null,
        operUp: true,
        adminUp: null,
        speedMbps: null,
        lastChangeTicks: null,
      },
    ],
    stp: null,
    stpPorts: null,
    lldp: null,
    lagOf: {},
  };
  const cases: { name: string; xml: string }[] = [
    {
      name: '<get> reply',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1"><data>${interfaces}</data></rpc-reply>`,
    },
    {
      name: 'prefixed <nc:rpc-reply>',
      xml: `<nc:rpc-reply xmlns:nc="${BASE}" message-id="1"><nc:data>${interfaces}</nc:data></nc:rpc-reply>`,
    },
    {
      name: '<get-data> reply (RFC 8526)',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1"><data xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-nmda">${interfaces}</data></rpc-reply>`,
    },
    { name: 'bare <data>', xml: `<data xmlns="${BASE}">${interfaces}</data>` },
    {
      name: 'data with warnings (RFC 6241 §4.3: a warning is not a failure)',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1">${rpcError('warning', 'partial-operation')}${rpcError('warning', 'data-missing')}<data>${interfaces}</data></rpc-reply>`,
    },
  ];
  it.each(cases)('$name', ({ xml }) => {
    expect(decodeSwitchReply(xml, { nowMs: NOW_MS })).toEqual(want);
  });

  const errors: { name: string; xml: string; message: RegExp }[] = [
    {
      name: 'an rpc-error',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1"><rpc-error><error-type>application</error-type><error-tag>access-denied</error-tag><error-severity>error</error-severity><error-message xml:lang="en">no access</error-message></rpc-error></rpc-reply>`,
      message: /the reply is an rpc-error: access-denied — no access/,
    },
    {
      name: 'an error after a warning, with data',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1">${rpcError('warning', 'partial-operation')}${rpcError('error', 'operation-failed')}<data>${interfaces}</data></rpc-reply>`,
      message: /the reply is an rpc-error: operation-failed/,
    },
    {
      name: 'an rpc-error without error-severity, with data',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1"><rpc-error><error-tag>lock-denied</error-tag></rpc-error><data>${interfaces}</data></rpc-reply>`,
      message: /the reply is an rpc-error: lock-denied/,
    },
    {
      name: '<ok/> where data belongs',
      xml: `<rpc-reply xmlns="${BASE}" message-id="1"><ok/></rpc-reply>`,
      message: /expected one <data> in the reply, found 0/,
    },
    {
      name: 'an rpc-reply without the NETCONF namespace',
      xml: `<rpc-reply><data/></rpc-reply>`,
      message:
        /expected <rpc-reply> \(urn:ietf:params:xml:ns:netconf:base:1.0\) or <data>, found <rpc-reply> \(no namespace\)/,
    },
    {
      name: 'interfaces in a wrong namespace',
      xml: `<rpc-reply xmlns="${BASE}"><data><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interface"><interface><name>p1</name></interface></interfaces></data></rpc-reply>`,
      message:
        /no ietf-interfaces or openconfig-interfaces data: the reply holds <interfaces> \(urn:ietf:params:xml:ns:yang:ietf-interface\)/,
    },
    {
      name: 'empty data',
      xml: `<rpc-reply xmlns="${BASE}"><data/></rpc-reply>`,
      message: /no ietf-interfaces or openconfig-interfaces data: the reply holds nothing/,
    },
    {
      name: 'a hello instead of a reply',
      xml: `<hello xmlns="${BASE}"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>`,
      message: /found <hello>/,
    },
  ];
  it.each(errors)('DecodeError: $name', ({ xml, message }) => {
    const read = (): unknown => decodeSwitchReply(xml, { nowMs: NOW_MS });
    expect(read).toThrow(DecodeError);
    expect(read).toThrow(message);
  });
});

describe('a leg finds its port by name, never by another port’s description', () => {
  const IETF_IF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
  const OC_IF = 'http://openconfig.net/yang/interfaces';
  const cases = [
    {
      name: 'ietf-interfaces',
      data: `<interfaces xmlns="${IETF_IF}"><interface><name>swp1</name><description>swp2</description><oper-status>up</oper-status></interface><interface><name>swp9</name><oper-status>down</oper-status></interface></interfaces>`,
    },
    {
      name: 'openconfig-interfaces',
      data: `<interfaces xmlns="${OC_IF}"><interface><name>swp1</name><state><description>swp2</description><oper-status>UP</oper-status></state></interface><interface><name>swp9</name><state><oper-status>DOWN</oper-status></state></interface></interfaces>`,
    },
  ];
  it.each(cases)('$name: descr is the name, the description is the alias', ({ data }) => {
    const snapshot = decodeSwitchReply(`<data xmlns="${BASE}">${data}</data>`, { nowMs: NOW_MS });
    expect(snapshot.interfaces.map(({ name, descr, alias }) => ({ name, descr, alias }))).toEqual([
      { name: 'swp1', descr: 'swp1', alias: 'swp2' },
      { name: 'swp9', descr: 'swp9', alias: null },
    ]);
    expect(findInterface(snapshot, 'swp9')?.operUp).toBe(false);
    // a leg on swp2, which this switch does not have, is not taken for swp1
    expect(findInterface(snapshot, 'swp2')).toBeNull();
  });
});

describe('netconfd 2.13: the whole <get> of a real server', () => {
  it('ietf-interfaces beside its other modules; a cable cut leaves the near port not up', () => {
    const snapshot = decodeSwitchReply(fixture('netconfd-2.13-interfaces-state-cable-cut.xml'), {
      nowMs: NOW_MS,
    });
    const swp1 = snapshot.interfaces.find((i) => i.name === 'swp1');
    expect(swp1?.operUp, `got ${swp1?.operUp}, want false`).toBe(false);
    expect(snapshot.stp).toBeNull();
    expect(snapshot.stpPorts).toBeNull();
  });

  it('both modules: the one with operational state wins', () => {
    const data = mergedData(
      'netconfd-2.13-interfaces-state.xml',
      'openconfig-interfaces-state.xml',
    );
    expect(decodeSwitchData(data, { nowMs: NOW_MS }).interfaces[0]?.name).toBe('lo');
    const configOnly = dataOf(
      `<data xmlns="${BASE}"><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>x</name></interface></interfaces></data>`,
    );
    const openconfig = dataOf(fixture('openconfig-interfaces-state.xml'));
    const both = { ...configOnly, children: [...configOnly.children, ...openconfig.children] };
    expect(decodeSwitchData(both, { nowMs: NOW_MS }).interfaces[0]?.name).toBe('et-0/0/0');
  });
});

/** Reply samples (not YANG modules, hellos or JSON results). */
function replySamples(): string[] {
  if (!existsSync(SAMPLES)) return [];
  return readdirSync(SAMPLES).filter((file) => file.endsWith('.xml') && !file.includes('hello'));
}

const samples = replySamples();
if (samples.length === 0) console.warn(`netconf sample tests skipped: no replies in ${SAMPLES}`);

describe.skipIf(samples.length === 0)('every shared reply sample: decodes or says why not', () => {
  /** What each sample holds; a sample not listed must at least fail with a DecodeError. */
  const verdicts: Record<string, RegExp | 'decodes'> = {
    'ietf-nmda-example-get-data-interfaces-operational.xml': 'decodes',
    'scrapli-iosxe-ietf-interfaces-get-subtree.rpc-reply.xml': 'decodes',
    // native vendor models, not ietf or openconfig
    'junos-srx-12.1X46-get-interface-information.rpc-reply.xml':
      /found <rpc-reply> \(no namespace\)/,
    'junos-qfx-13.2X51-get-lldp-neighbors-information.rpc-reply.xml':
      /found <rpc-reply> \(no namespace\)/,
    'napalm-iosxr-6.3.2-pfi-im-cmd-oper-interfaces.rpc-reply.xml':
      /no ietf-interfaces or openconfig-interfaces data: the reply holds <interfaces> \(http:\/\/cisco.com\/ns\/yang\/Cisco-IOS-XR-pfi-im-cmd-oper\)/,
    'napalm-iosxr-ethernet-lldp-oper.rpc-reply.xml':
      /no ietf-interfaces or openconfig-interfaces data/,
  };
  it.each(samples)('%s', (file) => {
    const xml = readFileSync(join(SAMPLES, file), 'utf8');
    const verdict = verdicts[file];
    if (verdict === 'decodes') {
      expect(decodeSwitchReply(xml, { nowMs: NOW_MS }).interfaces.length).toBeGreaterThan(0);
      return;
    }
    let caught: unknown;
    try {
      decodeSwitchReply(xml, { nowMs: NOW_MS });
    } catch (err) {
      caught = err;
    }
    expect(caught, 'want a DecodeError').toBeInstanceOf(DecodeError);
    if (verdict) expect((caught as Error).message).toMatch(verdict);
  });
});
