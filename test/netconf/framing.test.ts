/**
 * src/netconf/framing.ts: RFC 6242 end-of-message and chunked framing, fed in reads of every
 * size and split at every byte position.
 */
import { describe, expect, it } from 'vitest';
import {
  FramingError,
  MessageReader,
  encodeChunked,
  encodeEom,
  type Framing,
} from '../../src/netconf/framing';

/** Two-, three- and four-byte UTF-8 characters, and text that looks like the delimiters. */
const REPLY =
  '<rpc-reply message-id="7" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>' +
  '<description>Büro-Uplink — Ω ☃ 𝄞 ]]> ]]]>]] ]]>]]</description>' +
  '<in-octets>18446744073709551615</in-octets></data></rpc-reply>';

/** Legal XML (an attribute value may hold `]]>`) that only chunked framing can carry. */
const CHUNKED_ONLY =
  '<rpc-reply message-id="8" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">' +
  '<data><x a="]]>]]>" b="&#10;##&#10;">\n##\n\n#12\n 𝄞</x></data></rpc-reply>';

/** Pushes `reads` one by one, collecting every message as soon as it is complete. */
function readAll(framing: Framing, reads: Buffer[]): string[] {
  const reader = new MessageReader(framing);
  const messages: string[] = [];
  for (const read of reads) {
    reader.push(read);
    for (let message = reader.next(); message !== undefined; message = reader.next()) {
      messages.push(message);
    }
  }
  expect(reader.holdsPartialMessage, 'bytes left after the last message').toBe(false);
  return messages;
}

function splitAt(data: Buffer, ...positions: number[]): Buffer[] {
  const cuts = [0, ...positions, data.length];
  return cuts.slice(1).map((end, i) => data.subarray(cuts[i], end));
}

/** The message cut into several chunks, one boundary inside the 4-byte character. */
function multiChunk(xml: string): Buffer {
  const data = Buffer.from(xml, 'utf8');
  const clef = data.indexOf(Buffer.from('𝄞', 'utf8'));
  const cuts = [0, 1, 40, clef + 2, data.length];
  const chunks = cuts.slice(1).map((end, i) => {
    const part = data.subarray(cuts[i], end);
    return Buffer.concat([Buffer.from(`\n#${part.length}\n`), part]);
  });
  return Buffer.concat([...chunks, Buffer.from('\n##\n')]);
}

describe('framing', () => {
  const cases: Array<{ name: string; framing: Framing; xml: string; wire: Buffer }> = [
    { name: 'end-of-message', framing: 'eom', xml: REPLY, wire: encodeEom(REPLY) },
    { name: 'chunked, one chunk', framing: 'chunked', xml: REPLY, wire: encodeChunked(REPLY) },
    {
      name: 'chunked, delimiters inside the data',
      framing: 'chunked',
      xml: CHUNKED_ONLY,
      wire: encodeChunked(CHUNKED_ONLY),
    },
    {
      name: 'chunked, several chunks, one cutting a character',
      framing: 'chunked',
      xml: CHUNKED_ONLY,
      wire: multiChunk(CHUNKED_ONLY),
    },
  ];

  for (const { name, framing, xml, wire } of cases) {
    it(`${name}: every single split position`, () => {
      for (let at = 0; at <= wire.length; at++) {
        const got = readAll(framing, splitAt(wire, at));
        expect(got, `split at byte ${at}`).toEqual([xml]);
      }
    });

    it(`${name}: every pair of split positions`, () => {
      for (let a = 1; a < wire.length; a += 3) {
        for (let b = a; b < wire.length; b += 5) {
          expect(readAll(framing, splitAt(wire, a, b)), `split at ${a} and ${b}`).toEqual([xml]);
        }
      }
    });

    it(`${name}: one byte per read`, () => {
      const bytes = [...wire].map((byte) => Buffer.from([byte]));
      expect(readAll(framing, bytes)).toEqual([xml]);
    });

    it(`${name}: two messages in one read, then split across the boundary`, () => {
      const two = Buffer.concat([wire, wire]);
      expect(readAll(framing, [two])).toEqual([xml, xml]);
      for (const at of [wire.length - 3, wire.length, wire.length + 2]) {
        expect(readAll(framing, splitAt(two, at)), `split at ${at}`).toEqual([xml, xml]);
      }
    });
  }

  it('switches from end-of-message to chunked between the hello and the next message', () => {
    const hello = '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>';
    const wire = Buffer.concat([encodeEom(hello), encodeChunked(REPLY)]);
    for (let at = 0; at <= wire.length; at++) {
      const reader = new MessageReader('eom');
      const got: string[] = [];
      for (const read of splitAt(wire, at)) {
        reader.push(read);
        for (let message = reader.next(); message !== undefined; message = reader.next()) {
          got.push(message);
          if (message === hello) reader.framing = 'chunked';
        }
      }
      expect(got, `split at byte ${at}`).toEqual([hello, REPLY]);
    }
  });

  it('waits for the end of a message without returning part of it', () => {
    for (const [framing, wire] of [
      ['eom', encodeEom(REPLY)],
      ['chunked', encodeChunked(REPLY)],
    ] as const) {
      const reader = new MessageReader(framing);
      reader.push(wire.subarray(0, wire.length - 1));
      expect(reader.next(), `${framing}: got a message before its last byte`).toBeUndefined();
      expect(reader.holdsPartialMessage).toBe(true);
      reader.push(wire.subarray(wire.length - 1));
      expect(reader.next()).toBe(REPLY);
      expect(reader.next()).toBeUndefined();
    }
  });

  const badChunks: Array<{ name: string; wire: string; want: RegExp }> = [
    { name: 'no LF before #', wire: '#5\nhello\n##\n', want: /expected LF before a chunk header/ },
    { name: 'no # after LF', wire: '\n5\nhello\n##\n', want: /expected '#'/ },
    { name: 'size zero', wire: '\n#0\n\n##\n', want: /chunk size \(digit 1-9\), got '0'/ },
    { name: 'leading zero', wire: '\n#05\nhello\n##\n', want: /digit 1-9\), got '0'/ },
    { name: 'letters in the size', wire: '\n#5a\nhello\n##\n', want: /size digit or LF, got 'a'/ },
    { name: 'space after the size', wire: '\n#5 \nhello\n##\n', want: /got ' '/ },
    { name: 'CRLF after the size', wire: '\n#5\r\nhello\n##\n', want: /got 0x0d/ },
    { name: 'eleven digits', wire: '\n#12345678901\n', want: /chunk size ≤ 4294967295/ },
    { name: 'above 2^32 - 1', wire: '\n#4294967296\n', want: /above 4294967295/ },
    { name: 'end-of-chunks alone', wire: '\n##\n', want: /a chunk before end-of-chunks/ },
    { name: 'data longer than its size', wire: '\n#3\nhello\n##\n', want: /got 'l'/ },
    { name: 'end-of-chunks without LF', wire: '\n#5\nhello\n##x', want: /LF ending/ },
    { name: 'end-of-message framing', wire: '<rpc-reply/>]]>]]>', want: /got '<'/ },
  ];

  for (const { name, wire, want } of badChunks) {
    it(`rejects a malformed chunked message: ${name}`, () => {
      const reader = new MessageReader('chunked');
      reader.push(Buffer.from(wire));
      expect(() => reader.next()).toThrow(FramingError);
      const again = new MessageReader('chunked');
      again.push(Buffer.from(wire));
      expect(() => again.next()).toThrow(want);
    });
  }

  it('stops a message above the size limit instead of buffering it', () => {
    const eom = new MessageReader('eom', 1000);
    eom.push(Buffer.alloc(1001, 0x61));
    expect(() => eom.next()).toThrow(/exceeds the 1000-byte limit/);
    const chunked = new MessageReader('chunked', 1000);
    chunked.push(Buffer.from('\n#600\n'));
    chunked.push(Buffer.alloc(600, 0x61));
    chunked.push(Buffer.from('\n#401\n'));
    expect(() => chunked.next()).toThrow(/exceeds the 1000-byte limit/);
  });

  it('encodes chunked as RFC 6242 §4.2 shows it, sizes in bytes', () => {
    expect(encodeChunked('<a>é</a>').toString()).toBe('\n#9\n<a>é</a>\n##\n');
    expect(encodeEom('<a/>').toString()).toBe('<a/>]]>]]>');
    expect(() => encodeChunked('')).toThrow(FramingError);
  });
});
