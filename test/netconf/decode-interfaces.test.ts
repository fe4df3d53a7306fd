/**
 * ietf-interfaces and openconfig-interfaces → InterfaceState: others' real replies read in place
 * from ../shared/samples/netconf (skipped when absent), real netconfd 2.13 captures, fixtures
 * written from the YANG modules, and hand-built replies for the cases between.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import type { InterfaceState } from '../../src/model';
import {
  decodeIetfInterfaces,
  type DecodedInterfaces,
} from '../../src/netconf/decode/ietf-interfaces';
import { decodeOpenconfigInterfaces } from '../../src/netconf/decode/openconfig-interfaces';
import { replyData } from '../../src/netconf/decode/switch';
import { parseNetconfXml, type XmlElement } from '../../src/netconf/xml';
import { REPO_ROOT } from '../helpers/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'netconf');
const SAMPLES = join(REPO_ROOT, '..', 'shared', 'samples', 'netconf');
const IETF_IF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const IANA = 'urn:ietf:params:xml:ns:yang:iana-if-type';

const dataOf = (xml: string): XmlElement => replyData(parseNetconfXml(xml));
const reply = (inner: string): XmlElement =>
  dataOf(
    `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>${inner}</data></rpc-reply>`,
  );

/** An InterfaceState with what these replies mostly leave out filled in; descr is the name. */
function row(
  fields: Partial<InterfaceState> & Pick<InterfaceState, 'ifIndex' | 'name'>,
): InterfaceState {
  return {
    descr: fields.name,
    alias: null,
    type: null,
    operUp: null,
    adminUp: null,
    speedMbps: null,
    lastChangeTicks: null,
    ...fields,
  };
}

const ETH = 6;
const LAG = 161;

interface FileCase {
  name: string;
  path: string;
  decode: (data: XmlElement) => DecodedInterfaces | null;
  want: InterfaceState[];
  wantAggregates?: Record<string, string>;
}

const sampleCases: FileCase[] = [
  {
    name: 'IETF NMDA example (<get-data> operational: oper-status, if-index, origin metadata)',
    path: join(SAMPLES, 'ietf-nmda-example-get-data-interfaces-operational.xml'),
    decode: decodeIetfInterfaces,
    want: [
      row({ ifIndex: 2, name: 'eth0', type: ETH, operUp: false, adminUp: false }),
      row({ ifIndex: 7, name: 'eth1', type: ETH, operUp: true, adminUp: true }),
      row({ ifIndex: 9, name: 'eth1.10', type: 135, operUp: true, adminUp: true }),
      // not configured (origin system): admin-status down, no `enabled`
      row({ ifIndex: 8, name: 'eth2', type: ETH, operUp: false, adminUp: false }),
      row({ ifIndex: 1, name: 'lo1', type: 24, operUp: true, adminUp: true }),
    ],
    // eth1.10 is stacked on eth1, but a VLAN is no aggregate
    wantAggregates: {},
  },
  {
    name: 'scrapli IOS-XE get-subtree: configuration only, no oper-status → operUp null',
    path: join(SAMPLES, 'scrapli-iosxe-ietf-interfaces-get-subtree.rpc-reply.xml'),
    decode: decodeIetfInterfaces,
    want: [row({ ifIndex: 1, name: 'GigabitEthernet1', type: ETH, adminUp: true })],
    wantAggregates: {},
  },
];

const fixtureCases: FileCase[] = [
  {
    name: 'netconfd 2.13 interfaces-state: no if-index, type or admin-status; unknown is not up',
    path: join(FIXTURES, 'netconfd-2.13-interfaces-state.xml'),
    decode: decodeIetfInterfaces,
    want: [
      row({ ifIndex: 1, name: 'lo', operUp: false }),
      row({ ifIndex: 2, name: 'swp2', operUp: true, speedMbps: 10_000 }),
      row({ ifIndex: 3, name: 'swp1', operUp: true, speedMbps: 10_000 }),
      row({ ifIndex: 4, name: 'br0', operUp: true, speedMbps: 10_000 }),
      row({ ifIndex: 5, name: 'vy', operUp: false }),
      // kernel LOWERLAYERDOWN (its peer is down), which netconfd reports as `unknown`
      row({ ifIndex: 6, name: 'vx', operUp: false, speedMbps: 10_000 }),
    ],
  },
  {
    name: 'netconfd 2.13 after a cable cut: the far port goes unknown, an absurd speed is null',
    path: join(FIXTURES, 'netconfd-2.13-interfaces-state-cable-cut.xml'),
    decode: decodeIetfInterfaces,
    want: [
      row({ ifIndex: 1, name: 'lo', operUp: false }),
      row({ ifIndex: 2, name: 'swp2', operUp: false }),
      row({ ifIndex: 3, name: 'swp1', operUp: false, speedMbps: 10_000 }),
      // speed 18446744073708551616 = 2^64 − 10^6: sysfs -1 × 10^6
      row({ ifIndex: 4, name: 'br0', operUp: false }),
      row({ ifIndex: 5, name: 'vy', operUp: false }),
      row({ ifIndex: 6, name: 'vx', operUp: false, speedMbps: 10_000 }),
    ],
  },
  {
    name: 'openconfig-interfaces state with ethernet and aggregate augments',
    path: join(FIXTURES, 'openconfig-interfaces-state.xml'),
    decode: decodeOpenconfigInterfaces,
    want: [
      row({
        ifIndex: 501,
        name: 'et-0/0/0',
        alias: 'uplink to core-1',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 100_000,
      }),
      // negotiated-port-speed wins over port-speed
      row({
        ifIndex: 502,
        name: 'et-0/0/1',
        alias: 'srv1 eth0 (ae0)',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 25_000,
      }),
      row({
        ifIndex: 503,
        name: 'et-0/0/2',
        alias: 'srv1 eth1 (ae0)',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 25_000,
      }),
      row({
        ifIndex: 504,
        name: 'et-0/0/3',
        alias: 'srv2 eth0 (ae1)',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 10_000,
      }),
      row({
        ifIndex: 505,
        name: 'et-0/0/4',
        alias: 'srv3 eth0',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 10_000,
      }),
      row({
        ifIndex: 506,
        name: 'et-0/0/5',
        alias: 'cross-link to access-2',
        type: ETH,
        operUp: true,
        adminUp: true,
        speedMbps: 100_000,
      }),
      // SPEED_UNKNOWN
      row({ ifIndex: 507, name: 'et-0/0/6', type: ETH, operUp: false, adminUp: false }),
      row({
        ifIndex: 508,
        name: 'et-0/0/7',
        alias: 'srv4 eth1, cable cut',
        type: ETH,
        operUp: false,
        adminUp: true,
      }),
      row({
        ifIndex: 600,
        name: 'ae0',
        alias: 'srv1 bond0',
        type: LAG,
        operUp: true,
        adminUp: true,
        speedMbps: 25_000,
      }),
      row({
        ifIndex: 601,
        name: 'ae1',
        alias: 'srv2 bond0',
        type: LAG,
        operUp: false,
        adminUp: true,
        speedMbps: 0,
      }),
      row({ ifIndex: 6, name: 'lo0', type: 24, operUp: true, adminUp: true }),
    ],
    wantAggregates: { 'et-0/0/1': 'ae0', 'et-0/0/2': 'ae0', 'et-0/0/3': 'ae1' },
  },
];

function checkFile({ path, decode, want, wantAggregates }: FileCase): void {
  const decoded = decode(dataOf(readFileSync(path, 'utf8')));
  expect(decoded, 'want interfaces, got null').not.toBeNull();
  expect(decoded?.interfaces).toEqual(want);
  if (wantAggregates)
    expect(Object.fromEntries(decoded?.aggregateOf ?? [])).toEqual(wantAggregates);
}

const samplesPresent = existsSync(SAMPLES);
if (!samplesPresent) console.warn(`netconf sample tests skipped: ${SAMPLES} is absent`);

describe.skipIf(!samplesPresent)('others’ replies, read in place', () => {
  it.each(sampleCases)('$name', (c) => {
    if (!existsSync(c.path)) {
      console.warn(`skipped: ${c.path} is absent`);
      return;
    }
    checkFile(c);
  });
});

describe('project fixtures', () => {
  it.each(fixtureCases)('$name', checkFile);
});

describe('ietf-interfaces shapes', () => {
  const cases: {
    name: string;
    inner: string;
    want: InterfaceState[];
    aggregates?: Record<string, string>;
  }[] = [
    {
      name: 'RFC 7223: state list with configuration beside it',
      inner: `
        <interfaces xmlns="${IETF_IF}" xmlns:ianaift="${IANA}">
          <interface><name>ge1</name><description>to srv1</description><type>ianaift:ethernetCsmacd</type><enabled>false</enabled></interface>
          <interface><name>ge9</name><description>pre-provisioned</description></interface>
        </interfaces>
        <interfaces-state xmlns="${IETF_IF}" xmlns:ianaift="${IANA}">
          <interface><name>ge1</name><oper-status>down</oper-status><if-index>3</if-index><speed>1000000000</speed></interface>
          <interface><name>ge2</name><type>ianaift:ethernetCsmacd</type><admin-status>testing</admin-status><oper-status>testing</oper-status><if-index>4</if-index></interface>
        </interfaces-state>`,
      want: [
        row({
          ifIndex: 3,
          name: 'ge1',
          alias: 'to srv1',
          type: ETH,
          operUp: false,
          adminUp: false,
          speedMbps: 1000,
        }),
        row({ ifIndex: 4, name: 'ge2', type: ETH, operUp: false, adminUp: false }),
      ],
    },
    {
      name: 'every oper-status of RFC 8343',
      inner: `<interfaces-state xmlns="${IETF_IF}">${[
        'up',
        'down',
        'testing',
        'unknown',
        'dormant',
        'not-present',
        'lower-layer-down',
      ]
        .map((s) => `<interface><name>${s}</name><oper-status>${s}</oper-status></interface>`)
        .join('')}</interfaces-state>`,
      want: [
        row({ ifIndex: 1, name: 'up', operUp: true }),
        ...['down', 'testing', 'unknown', 'dormant', 'not-present', 'lower-layer-down'].map(
          (name, i) => row({ ifIndex: i + 2, name, operUp: false }),
        ),
      ],
    },
    {
      name: 'some if-index given: the others are numbered above the highest',
      inner: `<interfaces-state xmlns="${IETF_IF}">
        <interface><name>a</name></interface>
        <interface><name>b</name><if-index>10</if-index></interface>
        <interface><name>c</name></interface></interfaces-state>`,
      want: [
        row({ ifIndex: 11, name: 'a' }),
        row({ ifIndex: 10, name: 'b' }),
        row({ ifIndex: 12, name: 'c' }),
      ],
    },
    {
      name: 'speeds: 100G exact, 2^64 − 1 and 2^64 − 10^6 unknown',
      inner: `<interfaces-state xmlns="${IETF_IF}">
        <interface><name>a</name><speed>100000000000</speed></interface>
        <interface><name>b</name><speed>18446744073709551615</speed></interface>
        <interface><name>c</name><speed>18446744073708551616</speed></interface>
        <interface><name>d</name><speed>64000</speed></interface></interfaces-state>`,
      want: [
        row({ ifIndex: 1, name: 'a', speedMbps: 100_000 }),
        row({ ifIndex: 2, name: 'b' }),
        row({ ifIndex: 3, name: 'c' }),
        row({ ifIndex: 4, name: 'd', speedMbps: 0.064 }),
      ],
    },
    {
      name: 'an identity of another module or not in the table is no type',
      inner: `<interfaces xmlns="${IETF_IF}" xmlns:v="http://example.com/vendor" xmlns:ianaift="${IANA}">
        <interface><name>a</name><type>v:ethernetCsmacd</type></interface>
        <interface><name>b</name><type>ianaift:sonet</type></interface></interfaces>`,
      want: [row({ ifIndex: 1, name: 'a' }), row({ ifIndex: 2, name: 'b' })],
    },
    {
      name: 'LAG membership from the interface stack',
      inner: `<interfaces xmlns="${IETF_IF}" xmlns:ianaift="${IANA}">
        <interface><name>po1</name><type>ianaift:ieee8023adLag</type><oper-status>up</oper-status><lower-layer-if>ge1</lower-layer-if></interface>
        <interface><name>ge1</name><type>ianaift:ethernetCsmacd</type><oper-status>up</oper-status><higher-layer-if>po1</higher-layer-if></interface>
        <interface><name>ge2</name><type>ianaift:ethernetCsmacd</type><oper-status>up</oper-status><higher-layer-if>po1</higher-layer-if><higher-layer-if>ge2.5</higher-layer-if></interface>
        <interface><name>ge2.5</name><type>ianaift:l2vlan</type><oper-status>up</oper-status><lower-layer-if>ge2</lower-layer-if></interface>
      </interfaces>`,
      want: [
        row({ ifIndex: 1, name: 'po1', type: LAG, operUp: true }),
        row({ ifIndex: 2, name: 'ge1', type: ETH, operUp: true }),
        row({ ifIndex: 3, name: 'ge2', type: ETH, operUp: true }),
        row({ ifIndex: 4, name: 'ge2.5', type: 135, operUp: true }),
      ],
      aggregates: { ge1: 'po1', ge2: 'po1' },
    },
  ];
  it.each(cases)('$name', ({ inner, want, aggregates }) => {
    const decoded = decodeIetfInterfaces(reply(inner));
    expect(decoded?.interfaces).toEqual(want);
    if (aggregates) expect(Object.fromEntries(decoded?.aggregateOf ?? [])).toEqual(aggregates);
  });

  const errors: { name: string; inner: string; message: RegExp }[] = [
    {
      name: 'an oper-status outside the enumeration',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name><oper-status>UP</oper-status></interface></interfaces-state>`,
      message:
        /ietf-interfaces: \/rpc-reply\/data\/interfaces-state\/interface\/oper-status: "UP" is not one of up, down/,
    },
    {
      name: 'an interface without a name',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><oper-status>up</oper-status></interface></interfaces-state>`,
      message: /an interface without a name/,
    },
    {
      name: 'one name twice',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name></interface><interface><name>a</name></interface></interfaces-state>`,
      message: /interface a is listed twice/,
    },
    {
      name: 'one if-index twice',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name><if-index>2</if-index></interface><interface><name>b</name><if-index>2</if-index></interface></interfaces-state>`,
      message: /ifIndex 2 is given to two interfaces/,
    },
    {
      name: 'if-index 0',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name><if-index>0</if-index></interface></interfaces-state>`,
      message: /if-index 0 is outside/,
    },
    {
      name: 'a speed that is no number',
      inner: `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name><speed>1G</speed></interface></interfaces-state>`,
      message: /speed: "1G" is not an unsigned integer/,
    },
  ];
  it.each(errors)('DecodeError: $name', ({ inner, message }) => {
    expect(() => decodeIetfInterfaces(reply(inner))).toThrow(DecodeError);
    expect(() => decodeIetfInterfaces(reply(inner))).toThrow(message);
  });

  it('a leaf in a foreign namespace is not ours', () => {
    const decoded = decodeIetfInterfaces(
      reply(
        `<interfaces-state xmlns="${IETF_IF}"><interface><name>a</name><v:oper-status xmlns:v="http://example.com/v">up</v:oper-status></interface></interfaces-state>`,
      ),
    );
    expect(decoded?.interfaces).toEqual([row({ ifIndex: 1, name: 'a' })]);
  });

  it('null for data without ietf-interfaces, including openconfig-interfaces', () => {
    expect(
      decodeIetfInterfaces(reply('<interfaces xmlns="http://openconfig.net/yang/interfaces"/>')),
    ).toBeNull();
    expect(decodeOpenconfigInterfaces(reply(`<interfaces xmlns="${IETF_IF}"/>`))).toBeNull();
  });
});

describe('openconfig-interfaces shapes', () => {
  const OC_IF = 'http://openconfig.net/yang/interfaces';
  it('reads config where state is silent, and ifindex 0 as none', () => {
    const decoded = decodeOpenconfigInterfaces(
      reply(`<interfaces xmlns="${OC_IF}" xmlns:ianaift="${IANA}">
        <interface><name>e1</name>
          <config><name>e1</name><type>ianaift:ethernetCsmacd</type><description>cfg</description><enabled>true</enabled></config>
          <state><ifindex>0</ifindex><oper-status>UNKNOWN</oper-status></state></interface>
        <interface><config><name>e2</name></config><state><ifindex>3</ifindex><oper-status>DORMANT</oper-status><admin-status>TESTING</admin-status></state></interface>
      </interfaces>`),
    );
    expect(decoded?.interfaces).toEqual([
      row({
        ifIndex: 4,
        name: 'e1',
        alias: 'cfg',
        type: ETH,
        operUp: null,
        adminUp: true,
      }),
      row({ ifIndex: 3, name: 'e2', operUp: false, adminUp: false }),
    ]);
  });

  it('a port in two aggregates is an error', () => {
    const read = (): unknown =>
      decodeOpenconfigInterfaces(
        reply(`<interfaces xmlns="${OC_IF}">
          <interface><name>e1</name><ethernet xmlns="http://openconfig.net/yang/interfaces/ethernet"><state>
            <aggregate-id xmlns="http://openconfig.net/yang/interfaces/aggregate">ae0</aggregate-id></state></ethernet></interface>
          <interface><name>ae1</name><aggregation xmlns="http://openconfig.net/yang/interfaces/aggregate"><state><member>e1</member></state></aggregation></interface>
        </interfaces>`),
      );
    expect(read).toThrow(/e1 is in aggregate ae1 here but in ae0/);
  });
});
