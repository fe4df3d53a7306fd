/**
 * SNMP notification datagrams built by hand, for sending at rates Net-SNMP's snmptrap (one
 * process per trap) cannot reach: v2c traps BER-encoded here (RFC 3416 SNMPv2-Trap-PDU, RFC 1905
 * message), seeded random datagrams, and a paced UDP sender. Also the kernel's drop count for a
 * UDP socket, so a test can tell what the receiver lost from what never reached it.
 */
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SYS_UP_TIME = '1.3.6.1.2.1.1.3.0';
const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
export const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
export const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
const IF_ADMIN_STATUS = '1.3.6.1.2.1.2.2.1.7';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';

export type VarbindValue =
  | { type: 'integer'; value: number }
  | { type: 'oid'; value: string }
  | { type: 'string'; value: string }
  | { type: 'timeticks'; value: number };

export interface Varbind {
  oid: string;
  value: VarbindValue;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

/** Two's-complement, minimal length (X.690 §8.3). */
function integer(tag: number, n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest !== 0 && rest !== -1);
  const first = bytes[0] ?? 0;
  if (n >= 0 && first & 0x80) bytes.unshift(0);
  if (n < 0 && !(first & 0x80)) bytes.unshift(0xff);
  return tlv(tag, Buffer.from(bytes));
}

/** Unsigned (TimeTicks, Counter32): a leading zero keeps the top bit from reading as a sign. */
function unsigned(tag: number, n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

function oid(text: string): Buffer {
  const [a = 0, b = 0, ...rest] = text.split('.').map(Number);
  const bytes: number[] = [a * 40 + b];
  for (const arc of rest) {
    const groups: number[] = [];
    let n = arc;
    do {
      groups.unshift(n & 0x7f);
      n = Math.floor(n / 128);
    } while (n > 0);
    groups.forEach((g, i) => bytes.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return tlv(0x06, Buffer.from(bytes));
}

function value(v: VarbindValue): Buffer {
  switch (v.type) {
    case 'integer':
      return integer(0x02, v.value);
    case 'oid':
      return oid(v.value);
    case 'string':
      return tlv(0x04, Buffer.from(v.value));
    case 'timeticks':
      return unsigned(0x43, v.value);
  }
}

const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));

/** A v2c SNMPv2-Trap-PDU: sysUpTime.0 and snmpTrapOID.0, then the given varbinds. */
export function encodeV2cTrap(options: {
  community: string;
  requestId: number;
  uptime: number;
  trapOid: string;
  varbinds: Varbind[];
}): Buffer {
  const varbinds = [
    { oid: SYS_UP_TIME, value: { type: 'timeticks', value: options.uptime } } as Varbind,
    { oid: SNMP_TRAP_OID, value: { type: 'oid', value: options.trapOid } } as Varbind,
    ...options.varbinds,
  ].map((vb) => sequence(oid(vb.oid), value(vb.value)));
  const pdu = tlv(
    0xa7,
    Buffer.concat([
      integer(0x02, options.requestId),
      integer(0x02, 0),
      integer(0x02, 0),
      sequence(...varbinds),
    ]),
  );
  return sequence(integer(0x02, 1), tlv(0x04, Buffer.from(options.community)), pdu);
}

/** linkDown/linkUp with ifIndex, ifAdminStatus up and ifOperStatus, as a switch sends them. */
export function encodeLinkTrap(options: {
  ifIndex: number;
  down: boolean;
  requestId: number;
  community?: string;
  ifName?: string;
}): Buffer {
  const i = options.ifIndex;
  const int = (n: number): VarbindValue => ({ type: 'integer', value: n });
  return encodeV2cTrap({
    community: options.community ?? 'public',
    requestId: options.requestId,
    uptime: 4711,
    trapOid: options.down ? LINK_DOWN : LINK_UP,
    varbinds: [
      { oid: `${IF_INDEX}.${i}`, value: int(i) },
      { oid: `${IF_ADMIN_STATUS}.${i}`, value: int(1) },
      { oid: `${IF_OPER_STATUS}.${i}`, value: int(options.down ? 2 : 1) },
      ...(options.ifName
        ? [{ oid: `1.3.6.1.2.1.31.1.1.1.1.${i}`, value: { type: 'string', value: options.ifName } }]
        : []),
    ] as Varbind[],
  });
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
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

/**
 * A third pure noise, the rest starting like SNMP (a SEQUENCE, a version, the community or a v3
 * header) so that the decoder gets past its first bytes.
 */
export function randomDatagram(random: () => number): Buffer {
  const body = Buffer.from(Array.from({ length: below(random, 300) }, () => below(random, 256)));
  if (below(random, 3) === 0) return body;
  const version = [0, 1, 3][below(random, 3)] as number;
  const head =
    version === 3
      ? Buffer.from([0x02, 0x01, 3, 0x30, body.length > 2 ? 0x10 : 0x00])
      : Buffer.concat([
          Buffer.from([0x02, 0x01, version, 0x04, 0x06]),
          Buffer.from('public'),
          Buffer.from([0xa4 + below(random, 4)]),
        ]);
  return tlv(0x30, Buffer.concat([head, body]));
}

export interface UdpSender {
  /** Sends one datagram; resolves once the kernel took it. */
  send(datagram: Buffer): Promise<void>;
  /**
   * Sends `count` datagrams made by `make(i)` at about `perSecond`, in slices every `tickMs`;
   * `onSent(n)` runs after each slice. Returns how many were sent (fewer when `stop()` says so).
   */
  sendPaced(
    count: number,
    perSecond: number,
    make: (i: number) => Buffer,
    hooks?: { onSent?: (n: number) => void | Promise<void>; stop?: () => boolean; tickMs?: number },
  ): Promise<number>;
  close(): void;
}

/** A UDP socket bound to `from` (the address a configured device has) sending to `to`. */
export async function openUdpSender(from: string, to: { host: string; port: number }) {
  const socket: Socket = createSocket('udp4');
  // Replies (reports, inform acknowledgements) are not looked at.
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  const send = (datagram: Buffer): Promise<void> =>
    new Promise((resolve, reject) =>
      socket.send(datagram, to.port, to.host, (err) => (err ? reject(err) : resolve())),
    );
  const sender: UdpSender = {
    send,
    async sendPaced(count, perSecond, make, hooks = {}) {
      const tickMs = hooks.tickMs ?? 10;
      const started = Date.now();
      let sent = 0;
      while (sent < count && !hooks.stop?.()) {
        // Catch up with the schedule rather than drift: what should be out by now goes out now.
        const due = Math.min(
          count,
          Math.floor(((Date.now() - started + tickMs) * perSecond) / 1000),
        );
        const slice: Promise<void>[] = [];
        for (; sent < due; sent += 1) slice.push(send(make(sent)));
        await Promise.all(slice);
        await hooks.onSent?.(sent);
        await sleep(tickMs);
      }
      return sent;
    },
    close: () => socket.close(),
  };
  return sender;
}

/** The kernel's count of datagrams dropped at the UDP socket bound to `port` (/proc/net/udp). */
export function udpSocketDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 13 || !fields[1]?.endsWith(`:${hexPort}`)) continue;
      drops += Number(fields[fields.length - 1]);
    }
  }
  return drops;
}

export function haveSnmptrap(): boolean {
  return spawnSync('sh', ['-c', 'command -v snmptrap'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs Net-SNMP's snmptrap with `args` (everything after the program name), without MIBs and
 * with its persistent state in `stateDir`; throws with its stderr when it fails.
 */
export function snmptrap(args: string[], stateDir: string): void {
  const run = spawnSync('snmptrap', ['-M', '/dev/null', ...args], {
    encoding: 'utf8',
    env: { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: stateDir, SNMPCONFPATH: stateDir },
    timeout: 10_000,
  });
  if (run.status !== 0)
    throw new Error(`snmptrap ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
}
