/**
 * Bad input at a running receiver: the malformed captures in ../shared/samples/protos (read in
 * place), 10,000 seeded random datagrams and mutated valid traps. Every datagram must end in
 * exactly one outcome (accepted, rejected, malformed; or an SNMPv3 discovery answered), nothing
 * may be logged as a failure, and a valid trap sent afterwards is still accepted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import pino from 'pino';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { DeviceConfig } from '../../src/config/schema';
import type { TrapEvent } from '../../src/model';
import { startTrapReceiver, type TrapReceiver } from '../../src/traps/receiver';
import { REPO_ROOT } from '../helpers/cli';
import { readPcapUdp } from '../helpers/pcap';

const PROTOS = join(REPO_ROOT, '..', 'shared', 'samples', 'protos');
const haveSamples = existsSync(PROTOS);
if (!haveSamples) console.log(`fuzz.test: ${PROTOS} is absent: capture replays skipped`);

const SEED = 0x5eed1e55;
const RANDOM_DATAGRAMS = 10_000;
const MUTATIONS = 3_000;
/** Datagrams in flight at once: well inside the socket's receive buffer. */
const BATCH = 100;

/** Valid notifications as Net-SNMP 5.9 sent them (snmptrap/snmpinform), the mutation seeds. */
const VALID = {
  v1LinkDown:
    '305002010004067075626c6963a443060a2b06010401bf0803020a40047f00000b020102020100430212673025300f060a2b0601020102020101050201053012060a2b060102010202010205040473777035',
  v2cLinkDown:
    '30818c02010104067075626c6963a77f0204416d4ab60201000201003071300e06082b06010201010300430212673017060a2b06010603010104010006092b0601060301010503300f060a2b060102010202010105020105300f060a2b060102010202010705020101300f060a2b0601020102020108050201023013060b2b060102011f0101010105040473777035',
  v2cInformTopologyChange:
    '304302010104067075626c6963a6360204175c8dbe0201000201003028300e06082b06010201010300430212673016060a2b06010603010104010006082b06010201110002',
  // -v3 -e 0x8000000001020304 -u nwtrap -l authPriv -a SHA -A authkey123 -x AES -X privkey123
  v3AesLinkUp:
    '3081af020103301102041754414d020300ffe30401030201030434303204088000000001020304020101020306a75604066e7774726170040cc05673efb0270052f3b7706f04084cf1235ceafddba504614132abe5d00d44708cb1f845eb87a5d871ce51c47363142055c382568dfaa23673a0404068423146edbcd17447bd5fa049f0ec2d523b61ac5f11cd2f34d9fbc53feb360852a60bf5427ae1a3f15b79643512426f87287b794402c8abec95a818c5',
};
const VALID_DATAGRAMS = Object.values(VALID).map((hex) => Buffer.from(hex, 'hex'));

interface Counts {
  accepted: number;
  rejected: number;
  malformed: number;
  discovery: number;
  /** Datagrams the receiver logged as having no outcome: must stay 0. */
  ignored: number;
}

const zero = (): Counts => ({ accepted: 0, rejected: 0, malformed: 0, discovery: 0, ignored: 0 });
const total = (c: Counts): number =>
  c.accepted + c.rejected + c.malformed + c.discovery + c.ignored;
const minus = (a: Counts, b: Counts): Counts => ({
  accepted: a.accepted - b.accepted,
  rejected: a.rejected - b.rejected,
  malformed: a.malformed - b.malformed,
  discovery: a.discovery - b.discovery,
  ignored: a.ignored - b.ignored,
});

describe('trap receiver under malformed and random input', () => {
  let receiver: TrapReceiver;
  let sender: Socket;
  let host = '';
  let port = 0;
  const counts = zero();
  const events: TrapEvent[] = [];
  const failures: string[] = [];

  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.msg === 'SNMPv3 discovery answered') counts.discovery += 1;
        if (entry.msg === 'trap datagram ignored') counts.ignored += 1;
        if (entry.level >= 40) failures.push(line);
      },
    },
  );

  beforeAll(async () => {
    receiver = await startTrapReceiver({
      listen: '127.0.0.1:0',
      communities: ['public'],
      users: [
        {
          name: 'nwtrap',
          level: 'authPriv',
          authProtocol: 'sha',
          authKey: 'authkey123',
          privProtocol: 'aes',
          privKey: 'privkey123',
        },
      ],
      devices: [{ name: 'sw-a', role: 'switch', address: '127.0.0.11' }] as DeviceConfig[],
      onTraps: (got) => {
        counts.accepted += got.length;
        events.push(...got);
      },
      onRejected: () => (counts.rejected += 1),
      onMalformed: () => (counts.malformed += 1),
      logger,
    });
    const colon = receiver.address.lastIndexOf(':');
    host = receiver.address.slice(0, colon);
    port = Number(receiver.address.slice(colon + 1));
    sender = createSocket('udp4');
    // Replies (inform acknowledgements, reports) come back here; they are not looked at.
    sender.on('message', () => undefined);
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    sender?.close();
    await receiver?.close();
  });

  /** Sends every datagram, a batch at a time, waiting for each batch's outcomes. */
  async function replay(datagrams: Buffer[]): Promise<Counts> {
    const before = { ...counts };
    for (let i = 0; i < datagrams.length; i += BATCH) {
      const batch = datagrams.slice(i, i + BATCH);
      const target = total(counts) + batch.length;
      await Promise.all(batch.map((datagram) => sendDatagram(datagram)));
      await until(
        () => total(counts) >= target,
        5000,
        () => {
          const got = total(minus(counts, before));
          return `got ${got} outcomes for ${i + batch.length} datagrams sent`;
        },
      );
    }
    return minus(counts, before);
  }

  function sendDatagram(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      sender.send(datagram, port, host, (err) => (err ? reject(err) : resolve())),
    );
  }

  function expectAllCounted(got: Counts, sent: number, what: string): void {
    const sum = got.accepted + got.rejected + got.malformed + got.discovery;
    expect(got.ignored, `${what}: got ${got.ignored} datagrams without outcome, want 0`).toBe(0);
    expect(sum, `${what}: got ${JSON.stringify(got)} for ${sent} sent`).toBe(sent);
  }

  it
    .skipIf(!haveSamples)
    .each(haveSamples ? readdirSync(PROTOS).filter((name) => name.endsWith('.pcap')) : [])(
    'survives every datagram of %s',
    async (name) => {
      const datagrams = readPcapUdp(readFileSync(join(PROTOS, name))).map((d) => d.payload);
      expect(datagrams.length, `got no UDP datagrams in ${name}`).toBeGreaterThan(0);
      const got = await replay(datagrams);
      expectAllCounted(got, datagrams.length, name);
      if (name.startsWith('protos-c06-snmpv1-trap')) {
        // Packets 1-6 are well-formed v1 traps (coldStart .. egpNeighborLoss), 7-12 mangled.
        expect(got.accepted, `got ${JSON.stringify(got)}, want the 6 good traps accepted`).toBe(6);
        expect(got.malformed, `got ${JSON.stringify(got)}, want the 6 mangled ones`).toBe(6);
      } else {
        expect(got.accepted, `got ${JSON.stringify(got)}, want nothing accepted`).toBe(0);
      }
    },
  );

  it.skipIf(!haveSamples)('survives the Zeek fuzzer corpus (zip read in place)', async () => {
    const zip = readFileSync(join(PROTOS, 'zeek-fuzz-snmp-corpus.zip'));
    const entries = readZip(zip);
    const skipped = entries.filter((e) => e.data === null).map((e) => e.name);
    if (skipped.length > 0)
      console.log(`fuzz.test: zip entries not stored/deflated, skipped: ${skipped.join(' ')}`);
    const datagrams = entries.flatMap((e) => (e.data ? zeekChunks(e.data) : []));
    expect(datagrams.length, 'got no datagrams out of the corpus').toBeGreaterThan(0);
    const got = await replay(datagrams);
    expectAllCounted(got, datagrams.length, 'zeek corpus');
  });

  it(`survives ${RANDOM_DATAGRAMS} random datagrams (seed 0x${SEED.toString(16)})`, async () => {
    const random = prng(SEED);
    const datagrams = Array.from({ length: RANDOM_DATAGRAMS }, () => randomDatagram(random));
    const got = await replay(datagrams);
    expectAllCounted(got, datagrams.length, 'random');
    expect(got.malformed, `got ${JSON.stringify(got)}, want mostly malformed`).toBeGreaterThan(
      RANDOM_DATAGRAMS * 0.9,
    );
  });

  it(`survives ${MUTATIONS} mutated valid traps (bit flips, truncations, junk)`, async () => {
    const random = prng(SEED + 1);
    const datagrams = Array.from({ length: MUTATIONS }, (_, i) =>
      mutate(VALID_DATAGRAMS[i % VALID_DATAGRAMS.length] as Buffer, random),
    );
    const got = await replay(datagrams);
    expectAllCounted(got, datagrams.length, 'mutations');
    expect(got.rejected, `got ${JSON.stringify(got)}, want some rejected`).toBeGreaterThan(0);
    expect(got.malformed, `got ${JSON.stringify(got)}, want some malformed`).toBeGreaterThan(0);
  });

  it('still accepts every valid trap afterwards, and logged no failure', async () => {
    const before = events.length;
    const got = await replay(VALID_DATAGRAMS);
    expect(got, `got ${JSON.stringify(got)}`).toEqual({
      ...zero(),
      accepted: VALID_DATAGRAMS.length,
    });
    const types = events.slice(before).map((e) => e.type);
    expect(types, `got ${types.join(' ')}`).toEqual([
      'link-down',
      'link-down',
      'stp-topology-change',
      'link-up',
    ]);
    expect(failures, `got log lines:\n${failures.slice(0, 5).join('\n')}`).toEqual([]);
  });
});

async function until(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (random: () => number, n: number): number => Math.floor(random() * n);

function randomBytes(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => below(random, 256)));
}

/**
 * A third pure noise; the rest start like SNMP (a SEQUENCE of the right length, a version, a
 * community or v3 header) so the parser gets past its first byte.
 */
function randomDatagram(random: () => number): Buffer {
  const body = randomBytes(random, below(random, 300));
  const kind = below(random, 3);
  if (kind === 0) return body;
  const version = [0, 1, 3][below(random, 3)] as number;
  const head =
    version === 3
      ? Buffer.from([0x02, 0x01, 3, 0x30, body.length > 2 ? 0x10 : 0x00])
      : Buffer.from([
          0x02,
          0x01,
          version,
          0x04,
          0x06,
          ...Buffer.from('public'),
          0xa4 + below(random, 4),
        ]);
  const content = Buffer.concat([head, body]);
  const length =
    content.length < 0x80
      ? Buffer.from([content.length])
      : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
  return Buffer.concat([Buffer.from([0x30]), length, content]);
}

function mutate(valid: Buffer, random: () => number): Buffer {
  const datagram = Buffer.from(valid);
  switch (below(random, 4)) {
    case 0:
    case 1: {
      const flips = 1 + below(random, 4);
      for (let i = 0; i < flips; i += 1) {
        const at = below(random, datagram.length);
        datagram[at] = (datagram[at] as number) ^ (1 << below(random, 8));
      }
      return datagram;
    }
    case 2:
      return datagram.subarray(0, below(random, datagram.length));
    default:
      return Buffer.concat([datagram, randomBytes(random, 1 + below(random, 32))]);
  }
}

interface ZipEntry {
  name: string;
  /** null when the entry is neither stored nor deflated. */
  data: Buffer | null;
}

/** The entries of a zip file by its central directory (stored and deflated only). */
function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('zip: no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('zip: bad central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
    entries.push({ name, data });
  }
  return entries;
}

/**
 * Zeek's packet-fuzzer inputs: chunks that each start with the magic `\x01PKT` and one byte
 * (1 from the originator, 2 from the responder), then the UDP payload up to the next magic.
 */
function zeekChunks(input: Buffer): Buffer[] {
  const magic = Buffer.from('\x01PKT', 'latin1');
  const chunks: Buffer[] = [];
  let at = input.indexOf(magic);
  while (at >= 0) {
    const next = input.indexOf(magic, at + magic.length);
    const payload = input.subarray(at + magic.length + 1, next < 0 ? input.length : next);
    if (payload.length > 0) chunks.push(Buffer.from(payload));
    at = next;
  }
  return chunks;
}
