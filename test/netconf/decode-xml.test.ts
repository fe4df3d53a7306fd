/**
 * src/netconf/xml.ts: namespace resolution, entity decoding and typed leaves, and what hostile or
 * broken replies get: a DecodeError with a clear message, quickly, never a crash or a hang.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import { decodeSwitchReply } from '../../src/netconf/decode/switch';
import {
  childElements,
  leafReader,
  MAX_XML_CHARS,
  parseNetconfXml,
  UINT64_MAX,
  type XmlElement,
} from '../../src/netconf/xml';

const FIXTURES = join(__dirname, '..', 'fixtures', 'netconf');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const OC_IF = 'http://openconfig.net/yang/interfaces';
const IETF_IF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const NOW_MS = 1_764_074_100_000;

/** The first descendant with this local name, depth first. */
function find(element: XmlElement, name: string): XmlElement | undefined {
  if (element.name === name) return element;
  for (const child of element.children) {
    const found = find(child, name);
    if (found) return found;
  }
  return undefined;
}

describe('parseNetconfXml: namespaces', () => {
  const cases: { name: string; xml: string; want: { name: string; ns: string | null } }[] = [
    {
      name: 'default namespace',
      xml: `<interfaces xmlns="${OC_IF}"><interface/></interfaces>`,
      want: { name: 'interface', ns: OC_IF },
    },
    {
      name: 'prefixed element',
      xml: `<oc-if:interfaces xmlns:oc-if="${OC_IF}"><oc-if:interface/></oc-if:interfaces>`,
      want: { name: 'interface', ns: OC_IF },
    },
    {
      name: 'an unprefixed child of a prefixed element is in the default namespace',
      xml: `<oc-if:interfaces xmlns:oc-if="${OC_IF}" xmlns="${IETF_IF}"><interface/></oc-if:interfaces>`,
      want: { name: 'interface', ns: IETF_IF },
    },
    {
      name: 'xmlns="" undeclares the default namespace',
      xml: `<interfaces xmlns="${OC_IF}"><interface xmlns=""/></interfaces>`,
      want: { name: 'interface', ns: null },
    },
  ];
  it.each(cases)('$name', ({ xml, want }) => {
    const [child] = parseNetconfXml(xml).children;
    expect({ name: child?.name, ns: child?.ns }, `got ${child?.ns}, want ${want.ns}`).toEqual(want);
  });

  it('keeps attributes other than namespace declarations', () => {
    const root = parseNetconfXml(`<rpc-reply xmlns="${BASE}" message-id="101"/>`);
    expect([...root.attributes]).toEqual([['message-id', '101']]);
    expect(root.ns).toBe(BASE);
  });

  it('resolves identity prefixes in the scope of the leaf', () => {
    const root = parseNetconfXml(
      `<state xmlns="${OC_IF}"><type xmlns:t="urn:ietf:params:xml:ns:yang:iana-if-type">t:l2vlan</type><kind>plain</kind></state>`,
    );
    const leaves = leafReader('test');
    expect(leaves.identity(root, 'type')).toEqual({
      name: 'l2vlan',
      ns: 'urn:ietf:params:xml:ns:yang:iana-if-type',
    });
    // RFC 7950 §9.10.3: no prefix → the default namespace in effect
    expect(leaves.identity(root, 'kind')).toEqual({ name: 'plain', ns: OC_IF });
  });

  it('names list entries by position in element paths', () => {
    const root = parseNetconfXml(`<a xmlns="${OC_IF}"><i><n>x</n></i><i><n>y</n></i><o/></a>`);
    expect(root.children.map((child) => child.path)).toEqual(['/a/i[1]', '/a/i[2]', '/a/o']);
  });
});

describe('parseNetconfXml: text', () => {
  const cases: { name: string; xml: string; want: string }[] = [
    { name: 'predefined entities', xml: '<a>&lt;&gt;&amp;&quot;&apos;</a>', want: `<>&"'` },
    { name: 'character references', xml: '<a>&#65;&#x42;&#x1F600;</a>', want: 'AB😀' },
    { name: 'an escaped reference stays literal', xml: '<a>&amp;#65;</a>', want: '&#65;' },
    {
      name: 'CDATA is not entity-decoded',
      xml: '<a><![CDATA[x &amp; <y>]]></a>',
      want: 'x &amp; <y>',
    },
    { name: 'comments are dropped', xml: '<a>x<!-- counters now shown here -->y</a>', want: 'xy' },
    { name: 'whitespace is kept', xml: '<a>  two words \n</a>', want: '  two words \n' },
    { name: 'UTF-8 text', xml: '<a>Grüße, 交换机</a>', want: 'Grüße, 交换机' },
  ];
  it.each(cases)('$name', ({ xml, want }) => {
    expect(parseNetconfXml(xml).text).toBe(want);
  });
});

describe('typed leaves', () => {
  const state = parseNetconfXml(
    `<state xmlns="${OC_IF}"><max>18446744073709551615</max><over>18446744073709551616</over>` +
      `<neg>-1</neg><flag>true</flag><bad>yes</bad><e>UP</e><twice>1</twice><twice>2</twice>` +
      `<nested><x/></nested></state>`,
  );
  const leaves = leafReader('test');

  it('reads 2^64 − 1 exactly as a bigint', () => {
    expect(leaves.unsigned(state, 'max', UINT64_MAX)).toBe(18446744073709551615n);
  });

  it('reads a 2^64 − 1 counter of a fixture back exactly', () => {
    const root = parseNetconfXml(fixture('openconfig-interfaces-state.xml'));
    const counters = find(root, 'counters') as XmlElement;
    expect(leaves.unsigned(counters, 'in-octets', UINT64_MAX)).toBe(2n ** 64n - 1n);
    expect(leaves.unsigned(counters, 'out-octets', UINT64_MAX)).toBe(2n ** 63n);
  });

  const errors: { name: string; read: () => unknown; message: RegExp }[] = [
    {
      name: 'above the type maximum',
      read: () => leaves.unsigned(state, 'over', UINT64_MAX),
      message: /\/state\/over: 18446744073709551616 is above its maximum 18446744073709551615/,
    },
    {
      name: 'negative',
      read: () => leaves.unsigned(state, 'neg', UINT64_MAX),
      message: /"-1" is not an unsigned integer/,
    },
    {
      name: 'not a boolean',
      read: () => leaves.boolean(state, 'bad'),
      message: /"yes" is not a boolean/,
    },
    {
      name: 'not in the enumeration',
      read: () => leaves.enumeration(state, 'e', ['DOWN', 'TESTING']),
      message: /"UP" is not one of DOWN, TESTING/,
    },
    {
      name: 'a leaf given twice',
      read: () => leaves.string(state, 'twice'),
      message: /<twice> appears 2 times/,
    },
    {
      name: 'elements where a value belongs',
      read: () => leaves.string(state, 'nested'),
      message: /expected a value/,
    },
  ];
  it.each(errors)('DecodeError: $name', ({ read, message }) => {
    expect(read).toThrow(DecodeError);
    expect(read).toThrow(message);
  });

  it('absent leaves are null, absent lists empty', () => {
    expect(leaves.string(state, 'none')).toBeNull();
    expect(leaves.unsigned(state, 'none', 1n)).toBeNull();
    expect(leaves.list(state, 'none')).toEqual([]);
    expect(childElements(state, 'max', 'urn:other')).toEqual([]);
  });
});

const LAUGHS = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [<!ENTITY lol "lol">',
  ...Array.from({ length: 8 }, (_, i) => {
    const inner = i === 0 ? 'lol' : `lol${i}`;
    return `<!ENTITY lol${i + 1} "${`&${inner};`.repeat(10)}">`;
  }),
  ']>',
  `<rpc-reply xmlns="${BASE}"><data>&lol8;</data></rpc-reply>`,
].join('');

describe('hostile and broken replies: DecodeError, never a crash or a hang', () => {
  const netconfd = fixture('netconfd-2.13-interfaces-state.xml');
  const cases: { name: string; xml: string; message: RegExp }[] = [
    { name: 'billion laughs', xml: LAUGHS, message: /<!DOCTYPE> declaration is not allowed/ },
    {
      name: 'external entity (XXE)',
      xml: `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rpc-reply xmlns="${BASE}">&x;</rpc-reply>`,
      message: /<!DOCTYPE> declaration is not allowed in NETCONF \(RFC 6241 §3.2\)/,
    },
    {
      name: 'a DOCTYPE without entities',
      xml: `<?xml version="1.0"?>\n<!DOCTYPE rpc-reply>\n<rpc-reply xmlns="${BASE}"/>`,
      message: /line 2: a <!DOCTYPE>/,
    },
    {
      name: 'truncated after a complete line',
      xml: netconfd.slice(0, netconfd.indexOf('\n', 1500) + 1),
      message:
        /line 42: not well-formed XML: it ends with <rpc-reply\/data\/interfaces-state\/interface\/statistics> still open \(truncated\?\)/,
    },
    { name: 'empty', xml: '', message: /not well-formed XML: Start tag expected/ },
    { name: 'not XML', xml: 'SSH-2.0-OpenSSH_9.2p1', message: /not well-formed XML|root element/ },
    { name: 'two roots', xml: '<a/><b/>', message: /expected one root element, found 2/ },
    { name: 'mismatched tags', xml: '<a><b></a></b>', message: /not well-formed XML/ },
    {
      name: 'undeclared prefix',
      xml: '<x:a/>',
      message: /\/a: namespace prefix "x" is not declared/,
    },
    { name: 'undeclared entity', xml: '<a>&nbsp;</a>', message: /undeclared entity &nbsp;/ },
    { name: 'a bare ampersand', xml: '<a>R&D</a>', message: /bare "&"|not well-formed/ },
    { name: 'a reference to no character', xml: '<a>&#0;</a>', message: /&#0; is not a character/ },
    {
      name: 'nesting deeper than 100',
      xml: '<a>'.repeat(200) + '</a>'.repeat(200),
      message: /nested/i,
    },
    {
      name: 'prototype-polluting element name',
      xml: '<__proto__><polluted>1</polluted></__proto__>',
      message: /__proto__/,
    },
  ];
  it.each(cases)('$name', ({ xml, message }) => {
    const started = Date.now();
    let caught: unknown;
    try {
      parseNetconfXml(xml, 'NETCONF reply');
    } catch (err) {
      caught = err;
    }
    expect(caught, 'want a DecodeError').toBeInstanceOf(DecodeError);
    expect((caught as Error).message).toMatch(/^NETCONF reply: /);
    expect((caught as Error).message).toMatch(message);
    expect(Date.now() - started, 'took too long').toBeLessThan(2_000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a reply over the size limit without reading it', () => {
    const huge = `<a>${' '.repeat(MAX_XML_CHARS)}</a>`;
    expect(() => parseNetconfXml(huge)).toThrow(`is more than ${MAX_XML_CHARS}`);
  });

  it('every truncation of a real reply is a DecodeError', () => {
    const failures: string[] = [];
    for (let end = 0; end < netconfd.length - 1; end += 37) {
      try {
        decodeSwitchReply(netconfd.slice(0, end), { nowMs: NOW_MS });
        failures.push(`${end}: decoded`);
      } catch (err) {
        if (!(err instanceof DecodeError)) failures.push(`${end}: ${String(err)}`);
      }
    }
    expect(failures, 'got something other than a DecodeError').toEqual([]);
  });
});
