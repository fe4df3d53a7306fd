/**
 * openconfig-lacp → aggregate members and their LACP state: the fixture written from the module,
 * any openconfig-lacp reply among the shared samples (read in place), and malformed members.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import { decodeOpenconfigLacp, OC_LACP_NS } from '../../src/netconf/decode/openconfig-lacp';
import { replyData } from '../../src/netconf/decode/switch';
import { parseNetconfXml, type XmlElement } from '../../src/netconf/xml';
import { REPO_ROOT } from '../helpers/cli';

const FIXTURES = join(__dirname, '..', 'fixtures', 'netconf');
const SAMPLES = join(REPO_ROOT, '..', 'shared', 'samples', 'netconf');

const dataOf = (xml: string): XmlElement => replyData(parseNetconfXml(xml));
const reply = (inner: string): XmlElement =>
  dataOf(
    `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>` +
      `<lacp xmlns="${OC_LACP_NS}"><interfaces>${inner}</interfaces></lacp></data></rpc-reply>`,
  );

describe('openconfig-lacp.xml', () => {
  it('members: in sync, out of sync, and a zero partner', () => {
    const decoded = decodeOpenconfigLacp(
      dataOf(readFileSync(join(FIXTURES, 'openconfig-lacp.xml'), 'utf8')),
    );
    expect(decoded).toEqual([
      {
        name: 'ae0',
        members: [
          {
            interface: 'et-0/0/1',
            synchronization: 'IN_SYNC',
            collecting: true,
            distributing: true,
            partnerId: '52:54:00:ab:cd:01',
            negotiated: true,
          },
          {
            interface: 'et-0/0/2',
            synchronization: 'OUT_SYNC',
            collecting: false,
            distributing: false,
            partnerId: '52:54:00:ab:cd:01',
            negotiated: false,
          },
        ],
      },
      {
        name: 'ae1',
        members: [
          {
            interface: 'et-0/0/3',
            synchronization: 'IN_SYNC',
            collecting: false,
            distributing: false,
            // all zeros: no LACP partner, whatever the synchronization flag says
            partnerId: '00:00:00:00:00:00',
            negotiated: false,
          },
        ],
      },
    ]);
  });
});

/** Reply samples that hold openconfig-lacp data (a hello merely naming the module does not). */
function lacpSamples(): string[] {
  if (!existsSync(SAMPLES)) return [];
  return readdirSync(SAMPLES)
    .filter((file) => file.endsWith('.xml'))
    .filter((file) => {
      const xml = readFileSync(join(SAMPLES, file), 'utf8');
      return /<([\w-]+:)?lacp[\s>]/.test(xml) && xml.includes(OC_LACP_NS);
    });
}

describe('shared samples with openconfig-lacp state', () => {
  const samples = lacpSamples();
  if (samples.length === 0) {
    console.warn(`no openconfig-lacp reply among ${SAMPLES}: sample test skipped`);
  }
  it.skipIf(samples.length === 0)('each decodes to named aggregates', () => {
    for (const file of samples) {
      const decoded = decodeOpenconfigLacp(dataOf(readFileSync(join(SAMPLES, file), 'utf8')));
      expect(decoded, `${file}: want aggregates, got null`).not.toBeNull();
      for (const aggregate of decoded ?? []) expect(aggregate.name, file).not.toBe('');
    }
  });
});

describe('members the module does not allow', () => {
  const cases: { name: string; inner: string; message: RegExp }[] = [
    {
      name: 'synchronization outside the enumeration',
      inner: `<interface><name>ae0</name><members><member><interface>e1</interface><state><synchronization>SYNC</synchronization></state></member></members></interface>`,
      message: /openconfig-lacp: .*synchronization: "SYNC" is not one of IN_SYNC, OUT_SYNC/,
    },
    {
      name: 'a partner-id that is no MAC',
      inner: `<interface><name>ae0</name><members><member><interface>e1</interface><state><partner-id>none</partner-id></state></member></members></interface>`,
      message: /partner-id "none" is not a MAC address/,
    },
    {
      name: 'a member without its interface',
      inner: `<interface><name>ae0</name><members><member><state><synchronization>IN_SYNC</synchronization></state></member></members></interface>`,
      message: /an entry without its interface/,
    },
  ];
  it.each(cases)('DecodeError: $name', ({ inner, message }) => {
    expect(() => decodeOpenconfigLacp(reply(inner))).toThrow(DecodeError);
    expect(() => decodeOpenconfigLacp(reply(inner))).toThrow(message);
  });

  it('a member with no state: nothing known', () => {
    expect(
      decodeOpenconfigLacp(
        reply(
          `<interface><config><name>ae0</name></config><members><member><interface>e1</interface></member></members></interface>`,
        ),
      ),
    ).toEqual([
      {
        name: 'ae0',
        members: [
          {
            interface: 'e1',
            synchronization: null,
            collecting: null,
            distributing: null,
            partnerId: null,
            negotiated: null,
          },
        ],
      },
    ]);
  });
});
