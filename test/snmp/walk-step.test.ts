/**
 * How a walk treats each varbind an agent returns (walkStep, pure), and what a walk against an
 * agent that repeats or goes back on its OIDs gives: a prompt SnmpError 'decode' in the words
 * of Net-SNMP's snmpwalk ("OID not increasing"), not rows cut short in silence or a timeout.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as snmp from 'net-snmp';
import { afterEach, describe, expect, it } from 'vitest';
import { SnmpError } from '../../src/errors';
import { openSnmpClient, walkStep, type WalkStep } from '../../src/snmp/session';

const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
const arcs = (oid: string): number[] => oid.split('.').map(Number);

describe('walkStep', () => {
  const cases: { name: string; previous: string; varbind: snmp.Varbind; want: WalkStep }[] = [
    {
      name: 'first row below the OID asked',
      previous: IF_DESCR,
      varbind: {
        oid: `${IF_DESCR}.1`,
        type: snmp.ObjectType.OctetString,
        value: Buffer.from('lo'),
      },
      want: 'take',
    },
    {
      name: 'next row',
      previous: `${IF_DESCR}.1`,
      varbind: { oid: `${IF_DESCR}.2`, type: snmp.ObjectType.OctetString, value: Buffer.from('e') },
      want: 'take',
    },
    {
      name: 'arcs compared as numbers, not text (.10 after .9)',
      previous: `${IF_DESCR}.9`,
      varbind: { oid: `${IF_DESCR}.10`, type: snmp.ObjectType.Integer, value: 1 },
      want: 'take',
    },
    {
      name: 'a longer OID below the previous one',
      previous: `${IF_DESCR}.1`,
      varbind: { oid: `${IF_DESCR}.1.0`, type: snmp.ObjectType.Integer, value: 1 },
      want: 'take',
    },
    {
      name: 'noSuchObject at the OID asked (net-snmp agent past its last object)',
      previous: IF_DESCR,
      varbind: { oid: IF_DESCR, type: snmp.ObjectType.NoSuchObject, value: null },
      want: 'end',
    },
    {
      name: 'noSuchInstance',
      previous: `${IF_DESCR}.3`,
      varbind: { oid: `${IF_DESCR}.4`, type: snmp.ObjectType.NoSuchInstance, value: null },
      want: 'end',
    },
    {
      name: 'endOfMibView',
      previous: `${IF_DESCR}.3`,
      varbind: { oid: `${IF_DESCR}.3`, type: snmp.ObjectType.EndOfMibView, value: null },
      want: 'end',
    },
    {
      name: 'the same OID again',
      previous: `${IF_DESCR}.2`,
      varbind: { oid: `${IF_DESCR}.2`, type: snmp.ObjectType.Integer, value: 1 },
      want: 'not-increasing',
    },
    {
      name: 'an OID before the previous one',
      previous: `${IF_DESCR}.2`,
      varbind: { oid: `${IF_DESCR}.1`, type: snmp.ObjectType.Integer, value: 1 },
      want: 'not-increasing',
    },
    {
      name: 'the OID asked itself, as the first row',
      previous: IF_DESCR,
      varbind: { oid: IF_DESCR, type: snmp.ObjectType.Integer, value: 1 },
      want: 'not-increasing',
    },
    {
      name: 'a prefix of the previous OID',
      previous: `${IF_DESCR}.1.0`,
      varbind: { oid: `${IF_DESCR}.1`, type: snmp.ObjectType.Integer, value: 1 },
      want: 'not-increasing',
    },
  ];

  it.each(cases)('$name', ({ previous, varbind, want }) => {
    const got = walkStep(arcs(previous), varbind);
    expect(got, `${varbind.oid} after ${previous}: got ${got}, want ${want}`).toBe(want);
  });
});

// ---------------------------------------------------------------------------------------------
// A faulty v2c agent: answers every request with the OIDs it is given, whatever was asked.

/** One BER TLV read at `at`: its tag, where its content starts and where it ends. */
function readTlv(buf: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = buf[at] ?? 0;
  const first = buf[at + 1] ?? 0;
  if (first < 0x80) return { tag, start: at + 2, end: at + 2 + first };
  const count = first & 0x7f;
  const size = buf.readUIntBE(at + 2, count);
  return { tag, start: at + 2 + count, end: at + 2 + count + size };
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const size = n < 0x80 ? Buffer.from([n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), size, content]);
}

function encodeOid(text: string): Buffer {
  const [a = 0, b = 0, ...rest] = arcs(text);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let n = arc; ; n = Math.floor(n / 128)) {
      groups.unshift(n & 0x7f);
      if (n < 128) break;
    }
    groups.forEach((g, i) => bytes.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A GetResponse to `request` (a v2c message) carrying `oids`, each with the value "x". */
function respond(request: Buffer, oids: string[]): Buffer {
  const message = readTlv(request, 0);
  const version = readTlv(request, message.start);
  const community = readTlv(request, version.end);
  const pdu = readTlv(request, community.end);
  const requestId = readTlv(request, pdu.start);
  const varbinds = oids.map((oid) =>
    tlv(0x30, Buffer.concat([encodeOid(oid), tlv(0x04, Buffer.from('x'))])),
  );
  const body = Buffer.concat([
    request.subarray(pdu.start, requestId.end),
    Buffer.from([0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
    tlv(0x30, Buffer.concat(varbinds)),
  ]);
  const head = request.subarray(message.start, community.end);
  return tlv(0x30, Buffer.concat([head, tlv(0xa2, body)]));
}

describe('walk against an agent whose OIDs do not increase', () => {
  let agent: Socket | undefined;

  afterEach(() => {
    agent?.close();
    agent = undefined;
  });

  async function startAgent(answer: (requestNumber: number) => string[]): Promise<number> {
    const socket = createSocket('udp4');
    agent = socket;
    let requests = 0;
    socket.on('message', (msg, peer) => {
      requests += 1;
      socket.send(respond(msg, answer(requests)), peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return (socket.address() as AddressInfo).port;
  }

  async function walk(port: number): Promise<unknown> {
    const client = openSnmpClient({
      host: '127.0.0.1',
      port,
      version: '2c',
      community: 'public',
      timeoutMs: 2000,
      retries: 0,
    });
    try {
      return await client.walk(IF_DESCR).catch((err: unknown) => err);
    } finally {
      client.close();
    }
  }

  it('an OID going back within one answer: SnmpError decode naming both OIDs', async () => {
    const port = await startAgent(() => [`${IF_DESCR}.1`, `${IF_DESCR}.3`, `${IF_DESCR}.2`]);
    const started = Date.now();
    const got = await walk(port);
    expect(got, `got ${String(got)}, want an SnmpError`).toBeInstanceOf(SnmpError);
    const err = got as SnmpError;
    expect(err.failure).toBe('decode');
    expect(err.target).toBe(`127.0.0.1:${port}`);
    expect(err.message).toBe(
      `127.0.0.1:${port}: OID not increasing: ${IF_DESCR}.2 after ${IF_DESCR}.3`,
    );
    expect(Date.now() - started, 'failed at once, not at the 2 s timeout').toBeLessThan(1500);
  });

  it('the same OID answered again and again: fails on the second request', async () => {
    const port = await startAgent(() => [`${IF_DESCR}.1`]);
    const got = await walk(port);
    expect(got).toBeInstanceOf(SnmpError);
    expect((got as SnmpError).message).toBe(
      `127.0.0.1:${port}: OID not increasing: ${IF_DESCR}.1 after ${IF_DESCR}.1`,
    );
  });

  it('rows that increase, then one past the subtree: every row, no error', async () => {
    const port = await startAgent((n) =>
      n === 1 ? [`${IF_DESCR}.1`, `${IF_DESCR}.2`] : ['1.3.6.1.2.1.2.2.1.3.1'],
    );
    const got = await walk(port);
    expect(got).toEqual([
      { oid: `${IF_DESCR}.1`, value: Buffer.from('x') },
      { oid: `${IF_DESCR}.2`, value: Buffer.from('x') },
    ]);
  });
});
