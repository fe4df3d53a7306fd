/**
 * bench/traps-sender: the trap source of bench/traps, a process of its own so that encoding and
 * sending never share an event loop with the receiver or with the bench's own bookkeeping.
 *
 * Pre-encodes (hand-built BER, RFC 3416 SNMPv2-Trap-PDU in an RFC 1901 v2c message) a linkDown and
 * a linkUp for each ifIndex 1..PDUS, with the varbinds a switch sends (sysUpTime.0, snmpTrapOID.0,
 * ifIndex, ifAdminStatus, ifOperStatus), then sends COUNT of them from 127.0.0.1 to
 * 127.0.0.1:PORT at RATE per second: every ifIndex down in turn, then every one up, and again.
 * Pacing is by the clock: every millisecond or so it sends what is due by then (a burst of about
 * RATE/1000), so a late timer makes a bigger burst, never a lower rate; it idles between bursts.
 *
 * Run: node --import tsx bench/traps-sender.ts PORT RATE COUNT [PDUS]
 * Prints one JSON line when every datagram has left: {sent, errors, seconds, rate, cpuS} (cpuS:
 * this process's CPU seconds, start-up included).
 */
import { createSocket } from 'node:dgram';

const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const SYS_UP_TIME_0 = '1.3.6.1.2.1.1.3.0';
const SNMP_TRAP_OID_0 = '1.3.6.1.6.3.1.1.4.1.0';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
const IF_ADMIN_STATUS = '1.3.6.1.2.1.2.2.1.7';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';

const TAG = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  timeTicks: 0x43,
  trapV2: 0xa7,
};

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** Two's complement, fewest bytes (X.690 §8.3). */
function integer(value: number, tag = TAG.integer): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest !== 0 && rest !== -1);
  const top = bytes[0] ?? 0;
  if (value >= 0 && top & 0x80) bytes.unshift(0);
  if (value < 0 && !(top & 0x80)) bytes.unshift(0xff);
  return tlv(tag, Buffer.from(bytes));
}

/** X.690 §8.19: the first two arcs in one, then base 128. */
function oid(text: string): Buffer {
  const arcs = text.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

const varbind = (name: string, value: Buffer): Buffer => tlv(TAG.sequence, oid(name), value);

/** One v2c linkDown or linkUp message for `ifIndex`. */
export function encodeLinkTrap(
  ifIndex: number,
  down: boolean,
  requestId: number,
  community = 'public',
): Buffer {
  const varbinds = tlv(
    TAG.sequence,
    varbind(SYS_UP_TIME_0, integer(123_456 + ifIndex, TAG.timeTicks)),
    varbind(SNMP_TRAP_OID_0, oid(down ? LINK_DOWN : LINK_UP)),
    varbind(`${IF_INDEX}.${ifIndex}`, integer(ifIndex)),
    varbind(`${IF_ADMIN_STATUS}.${ifIndex}`, integer(1)),
    varbind(`${IF_OPER_STATUS}.${ifIndex}`, integer(down ? 2 : 1)),
  );
  const pdu = tlv(TAG.trapV2, integer(requestId), integer(0), integer(0), varbinds);
  return tlv(
    TAG.sequence,
    integer(1), // version-2c
    tlv(TAG.octetString, Buffer.from(community)),
    pdu,
  );
}

/** Every ifIndex down, then every one up: the order the sender cycles through. */
export function linkTrapCycle(pdus: number): Buffer[] {
  const down = Array.from({ length: pdus }, (_, i) => encodeLinkTrap(i + 1, true, 1000 + i));
  const up = Array.from({ length: pdus }, (_, i) => encodeLinkTrap(i + 1, false, 2000 + i));
  return [...down, ...up];
}

function main(): void {
  const [port, rate, count, pdus = 8] = process.argv.slice(2).map(Number);
  if (!port || !rate || !count) {
    process.stderr.write('usage: traps-sender.ts PORT RATE COUNT [PDUS]\n');
    process.exit(2);
  }
  const messages = linkTrapCycle(pdus);
  const socket = createSocket('udp4');
  let sent = 0;
  let done = 0;
  let errors = 0;
  let started = 0;
  let lastSend = 0;
  const finish = (): void => {
    const seconds = (lastSend - started) / 1000;
    const cpu = process.cpuUsage();
    const result = {
      sent,
      errors,
      seconds: Math.round(seconds * 1000) / 1000,
      rate: Math.round(sent / Math.max(seconds, 1 / rate)),
      cpuS: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    socket.close();
  };
  const onSent = (err: Error | null): void => {
    if (err) errors += 1;
    done += 1;
    if (done === count) finish();
  };
  const tick = (): void => {
    const now = performance.now();
    // the first datagram goes at once, then one every 1/rate s
    const due = Math.min(count, Math.floor(((now - started) * rate) / 1000) + 1);
    while (sent < due) {
      socket.send(messages[sent % messages.length] as Buffer, onSent);
      sent += 1;
    }
    lastSend = now;
    if (sent < count) setTimeout(tick, 1);
  };
  socket.bind(0, '127.0.0.1', () => {
    socket.connect(port, '127.0.0.1', () => {
      started = performance.now();
      tick();
    });
  });
}

if (require.main === module) main();
