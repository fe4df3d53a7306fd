/**
 * src/netconf/client.ts against the real netconfd behind a real sshd (test/helpers/netconfd.ts),
 * and, for what netconfd cannot be made to do (never say hello, quote message-ids with ', answer
 * out of order, break the framing, drop the channel), against an SSH server of ssh2 in this
 * process whose `netconf` subsystem says what each test scripts.
 *
 * Figures from netconfd are logged: start-up, connect + hello, one `<get>` of /interfaces-state.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server as TcpServer, type Socket } from 'node:net';
import { Server as SshServer, utils, type Connection, type ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetconfError, type NetconfFailure } from '../../src/errors';
import {
  NetconfRpcError,
  connectNetconf,
  type NetconfSession,
  type NetconfTarget,
} from '../../src/netconf/client';
import { MessageReader, encodeMessage, type Framing } from '../../src/netconf/framing';
import { parseConfig } from '../../src/config/load';
import { pollOverNetconf } from '../../src/poll/netconf-poller';
import { NETCONFD_SKIP_REASON, loginOf, startNetconfd, type Netconfd } from '../helpers/netconfd';
import { freeTcpPort, waitFor } from '../helpers/wait';

if (NETCONFD_SKIP_REASON) {
  console.log(`client.test: tests against netconfd skipped: ${NETCONFD_SKIP_REASON}`);
}

const IETF_IF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const ALL_INTERFACES = `<interfaces-state xmlns="${IETF_IF}"/>`;
const BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const BASE_10 = 'urn:ietf:params:netconf:base:1.0';
const BASE_11 = 'urn:ietf:params:netconf:base:1.1';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const oneInterface = (name: string): string =>
  `<interfaces-state xmlns="${IETF_IF}"><interface><name>${name}</name></interface></interfaces-state>`;

/** Interface names of an interfaces-state reply, in order. */
const interfaceNames = (reply: string): string[] =>
  [...reply.matchAll(/<interface>\s*<name>([^<]+)<\/name>/g)].map((m) => m[1]!);

/** Runs `promise` and returns the NetconfError it rejects with, and how long that took. */
async function failure(promise: Promise<unknown>): Promise<{ error: NetconfError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    if (error instanceof NetconfError) return { error, ms: Date.now() - started };
    throw error;
  }
  throw new Error('resolved, want a NetconfError');
}

function expectFailure(error: NetconfError, want: NetconfFailure, pattern: RegExp): void {
  expect(error.failure, `failure ${error.failure} (${error.message}), want ${want}`).toBe(want);
  expect(error.message).toMatch(pattern);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

describe.skipIf(NETCONFD_SKIP_REASON !== '')('NETCONF client against netconfd', () => {
  let nc: Netconfd;
  let session: NetconfSession;
  const login = (extra: Partial<NetconfTarget> = {}): NetconfTarget =>
    loginOf(nc, { connectTimeoutMs: 5000, rpcTimeoutMs: 5000, ...extra });
  /** netconfd stopped (SIGSTOP) for the duration of `body`: it reads nothing, answers nothing. */
  const whileFrozen = async <T>(body: () => Promise<T>): Promise<T> => {
    const [pid] = nc.pids();
    process.kill(pid!, 'SIGSTOP');
    try {
      return await body();
    } finally {
      process.kill(pid!, 'SIGCONT');
    }
  };

  beforeAll(async () => {
    nc = await startNetconfd();
    const started = Date.now();
    session = await connectNetconf(login({ hostKeySha256: nc.hostKeySha256 }));
    const connectMs = Date.now() - started;
    const getMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      await session.get(ALL_INTERFACES);
      getMs.push(Date.now() - t);
    }
    console.log(
      `netconfd: start ${nc.timings.totalMs} ms (netconfd ${nc.timings.netconfdMs}, sshd ` +
        `${nc.timings.sshdMs}); connect + hello ${connectMs} ms; <get> interfaces-state median ` +
        `${median(getMs)} ms, max ${Math.max(...getMs)} ms`,
    );
  });

  afterAll(async () => {
    await session?.close();
    await nc?.stop();
  });

  it('exchanges hellos: base:1.1 on both sides gives chunked framing', () => {
    expect(session.framing).toBe('chunked');
    expect(session.capabilities).toContain(BASE_11);
    expect(session.capabilities).toContain(BASE_10);
    expect(session.sessionId, 'session-id of the hello').toMatch(/^\d+$/);
    expect(session.hostKeySha256).toBe(nc.hostKeySha256);
    expect(session.open).toBe(true);
  });

  it("gets /interfaces-state of netconfd's namespace, all or one by subtree filter", async () => {
    const kernel = (
      JSON.parse(
        spawnSync('ip', ['-n', nc.netns, '-j', 'link', 'show']).stdout.toString(),
      ) as Array<{
        ifname: string;
      }>
    ).map((link) => link.ifname);
    const all = await session.get(ALL_INTERFACES);
    expect(all).toMatch(/^<\?xml[^>]*>\s*<rpc-reply message-id="\d+"/);
    expect(interfaceNames(all).sort()).toEqual(kernel.sort());
    const swp1 = await session.get(oneInterface('swp1'));
    expect(interfaceNames(swp1)).toEqual(['swp1']);
    expect(swp1).toMatch(/<oper-status>up<\/oper-status>/);
    expect(swp1).toMatch(/<ip>198\.18\.0\.1<\/ip>/);
  });

  it('matches five pipelined gets to their replies by message-id', async () => {
    const names = ['swp2', 'lo', 'swp1', 'swp2', 'lo'];
    const replies = await Promise.all(names.map((name) => session.get(oneInterface(name))));
    expect(replies.map(interfaceNames)).toEqual(names.map((name) => [name]));
    const ids = replies.map((reply) => Number(/message-id="(\d+)"/.exec(reply)?.[1]));
    expect(new Set(ids).size, `message-ids ${ids.join(',')}`).toBe(5);
  });

  it('turns an unknown rpc into a NetconfRpcError with its tag, and the session goes on', async () => {
    const { error } = await failure(session.rpc(`<frobnicate xmlns="${BASE_NS}"/>`));
    expect(error).toBeInstanceOf(NetconfRpcError);
    expectFailure(error, 'rpc-error', /rpc-error unknown-element \(error\): definition not found/);
    expect(error.tag).toBe('unknown-element');
    expect((error as NetconfRpcError).errors).toEqual([
      {
        type: 'rpc',
        tag: 'unknown-element',
        severity: 'error',
        message: 'definition not found',
        path: '/nc:rpc/frobnicate',
      },
    ]);
    expect(interfaceNames(await session.get(oneInterface('lo')))).toEqual(['lo']);
  });

  it('times out one rpc of a stopped netconfd without ending the session; drops its late reply', async () => {
    const { error, ms } = await whileFrozen(() =>
      failure(session.get(oneInterface('swp1'), { timeoutMs: 300 })),
    );
    expectFailure(error, 'timeout', /no reply from 127\.0\.0\.1:\d+ to rpc \d+ within 300 ms/);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1000);
    // the late reply to the timed-out get arrives first and must not be taken for this one
    expect(interfaceNames(await session.get(oneInterface('lo')))).toEqual(['lo']);
    expect(session.open).toBe(true);
  });

  it('times out one of two rpcs in flight; the other still gets its reply', async () => {
    const slow = session.get(oneInterface('swp2'), { timeoutMs: 5000 });
    const { error } = await whileFrozen(() =>
      failure(session.get(oneInterface('swp1'), { timeoutMs: 200 })),
    );
    expect(error.failure).toBe('timeout');
    expect(interfaceNames(await slow)).toEqual(['swp2']);
  });

  it('rejects a wrong password as authentication at once, naming user and target only', async () => {
    const { error, ms } = await failure(connectNetconf(login({ password: 'not-the-password' })));
    expectFailure(
      error,
      'authentication',
      new RegExp(`127\\.0\\.0\\.1:${nc.port} rejected the SSH login of user "${nc.username}"`),
    );
    expect(error.message).not.toContain('not-the-password');
    expect(ms, 'wrong password answered after').toBeLessThan(2000);
  });

  it('logs in with a private key file; a missing file fails before connecting', async () => {
    const keyed = await connectNetconf(
      login({ password: undefined, privateKeyFile: nc.privateKeyFile }),
    );
    expect(interfaceNames(await keyed.get(oneInterface('lo')))).toEqual(['lo']);
    await keyed.close();
    const missing = `${nc.dir}/no-such-key`;
    const { error } = await failure(
      connectNetconf(login({ password: undefined, privateKeyFile: missing })),
    );
    expectFailure(
      error,
      'authentication',
      new RegExp(`private key file ${missing} .*no such file`),
    );
  });

  it('refuses a host key other than the pinned one', async () => {
    const pinned = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const { error } = await failure(connectNetconf(login({ hostKeySha256: pinned })));
    expectFailure(error, 'authentication', /host key of 127\.0\.0\.1:\d+ is SHA256:\S+, expected/);
    expect(error.message).toContain(nc.hostKeySha256);
  });

  it('close() rejects pending rpcs as closed, ends the session even unanswered, is idempotent', async () => {
    const closing = await connectNetconf(login());
    const { error, ms } = await whileFrozen(async () => {
      const pending = failure(closing.get(ALL_INTERFACES));
      const closed = closing.close();
      expect(closing.close()).toBe(closed);
      const result = await pending;
      await closed;
      return result;
    });
    expectFailure(error, 'closed', /closed: close\(\) was called/);
    expect(ms).toBeLessThan(500);
    expect(closing.open).toBe(false);
    expectFailure((await failure(closing.get())).error, 'closed', /session is closed/);
  });

  it('close() sends close-session: netconfd ends the session', async () => {
    const closing = await connectNetconf(login());
    const started = Date.now();
    await closing.close();
    const ms = Date.now() - started;
    expect(ms, 'close with an answering server').toBeLessThan(500);
    await waitFor(
      `"Session ${closing.sessionId} closed" in netconfd's log`,
      () => nc.logs().includes(`Session ${closing.sessionId} closed`),
      2000,
    );
  });
});

describe.skipIf(NETCONFD_SKIP_REASON !== '')(
  'NETCONF client against netconfd, special set-ups',
  () => {
    it('speaks end-of-message framing to a netconfd offering base:1.0 only', async () => {
      const nc = await startNetconfd({ protocols: ['netconf1.0'] });
      try {
        const session = await connectNetconf(loginOf(nc));
        expect(session.framing).toBe('eom');
        expect(session.capabilities).not.toContain(BASE_11);
        const names = ['lo', 'swp1', 'swp2'];
        const replies = await Promise.all(names.map((name) => session.get(oneInterface(name))));
        expect(replies.map(interfaceNames)).toEqual(names.map((name) => [name]));
        await session.close();
      } finally {
        await nc.stop();
      }
    });

    it('returns 64-bit counters as the exact text netconfd sends', async () => {
      const max = '18446744073709551615'; // 2^64 - 1
      const above53 = '9007199254740993'; // 2^53 + 1: the first integer a double cannot hold
      const header =
        'Inter-|   Receive                                                |  Transmit\n' +
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
      const nc = await startNetconfd({
        procNetDev: `${header}  swp1: ${max} ${above53} 0 0 0 0 0 0 4294967296 1 0 0 0 0 0 0\n`,
      });
      try {
        const session = await connectNetconf(loginOf(nc));
        const reply = await session.get(ALL_INTERFACES);
        await session.close();
        expect(interfaceNames(reply)).toEqual(['swp1']);
        expect(reply).toContain(`<in-octets>${max}</in-octets>`);
        expect(reply).toContain(`<in-unicast-pkts>${above53}</in-unicast-pkts>`);
        expect(reply).toContain('<out-octets>4294967296</out-octets>');
        expect(BigInt(/<in-octets>(\d+)</.exec(reply)![1]!)).toBe(2n ** 64n - 1n);
      } finally {
        await nc.stop();
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// An SSH server whose netconf subsystem follows a script

interface PeerIo {
  /** The framing after the hellos: chunked when the peer's hello offered base:1.1. */
  framing: Framing;
  /** Writes `xml` as one message in the current framing. */
  send(xml: string): void;
  /** Writes bytes as they are. */
  raw(data: string | Buffer): void;
  /** Closes the channel. */
  end(): void;
}

interface PeerScript {
  /** Capabilities of the peer's hello, or raw text instead of a hello. Default base:1.0 + 1.1. */
  hello?: string[] | { raw: string };
  /** Close the channel right after the hello (or the raw text). */
  thenClose?: boolean;
  /** Called for every rpc after the hellos, with its message-id. */
  onRpc?(io: PeerIo, id: string, rpc: string): void;
}

interface Peer {
  port: number;
  /** rpcs the peer received, in order. */
  received: string[];
  /** SSH connections the peer holds now. */
  connections(): number;
  stop(): Promise<void>;
}

const PEER_USER = { username: 'peer', password: 'peer-secret' };
const PEER_HOST_KEY = utils.generateKeyPairSync('ed25519').private;

const peerHello = (capabilities: string[]): string =>
  `<hello xmlns="${BASE_NS}"><capabilities>${capabilities
    .map((cap) => `<capability>${cap}</capability>`)
    .join('')}</capabilities><session-id>4711</session-id></hello>`;

const peerReply = (id: string, inner: string, quote = '"'): string =>
  `<rpc-reply message-id=${quote}${id}${quote} xmlns="${BASE_NS}">${inner}</rpc-reply>`;

async function startPeer(script: PeerScript): Promise<Peer> {
  const connections = new Set<Connection>();
  const received: string[] = [];
  const server = new SshServer({ hostKeys: [PEER_HOST_KEY] }, (conn) => {
    connections.add(conn);
    conn.on('error', () => undefined);
    conn.on('close', () => connections.delete(conn));
    conn.on('authentication', (ctx) => {
      const ok =
        ctx.method === 'password' &&
        ctx.username === PEER_USER.username &&
        ctx.password === PEER_USER.password;
      if (ok) ctx.accept();
      else ctx.reject(['password']);
    });
    conn.on('session', (acceptSession) => {
      acceptSession().on('subsystem', (accept, reject, info) => {
        if (info.name !== 'netconf') return reject();
        runScript(accept(), script, received);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    received,
    connections: () => connections.size,
    stop: async () => {
      for (const conn of connections) conn.end();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function runScript(channel: ServerChannel, script: PeerScript, received: string[]): void {
  const hello = script.hello ?? [BASE_10, BASE_11];
  const reader = new MessageReader('eom');
  const io: PeerIo = {
    framing: 'eom',
    send: (xml) => channel.write(encodeMessage(xml, io.framing)),
    raw: (data) => channel.write(data),
    end: () => channel.close(),
  };
  let helloDone = false;
  if (Array.isArray(hello)) io.send(peerHello(hello));
  else channel.write(hello.raw);
  if (script.thenClose) channel.close();
  channel.on('data', (data: Buffer) => {
    reader.push(data);
    for (let message = reader.next(); message !== undefined; message = reader.next()) {
      if (!helloDone) {
        helloDone = true;
        if (Array.isArray(hello) && hello.includes(BASE_11) && message.includes(BASE_11)) {
          io.framing = 'chunked';
          reader.framing = 'chunked';
        }
        continue;
      }
      received.push(message);
      const id = /message-id="([^"]+)"/.exec(message)?.[1] ?? '';
      script.onRpc?.(io, id, message);
    }
  });
}

describe('NETCONF client against a scripted SSH peer', () => {
  const peers: Peer[] = [];
  const open = async (
    script: PeerScript,
    extra: Partial<NetconfTarget> = {},
  ): Promise<{ peer: Peer; target: NetconfTarget }> => {
    const peer = await startPeer(script);
    peers.push(peer);
    const target = {
      host: '127.0.0.1',
      port: peer.port,
      ...PEER_USER,
      connectTimeoutMs: 2000,
      rpcTimeoutMs: 2000,
      ...extra,
    };
    return { peer, target };
  };
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.stop()));
  });

  it('a server that never says hello fails as protocol within the connect timeout', async () => {
    const { target } = await open({ hello: { raw: '' } }, { connectTimeoutMs: 600 });
    const { error, ms } = await failure(connectNetconf(target));
    expectFailure(error, 'protocol', /no NETCONF <hello> from 127\.0\.0\.1:\d+ within 600 ms/);
    expect(ms).toBeGreaterThanOrEqual(590);
    expect(ms).toBeLessThan(1500);
  });

  it('an account that prints a message instead of a hello fails as protocol, quoting it', async () => {
    const words = 'This account is currently not available.\n';
    const { target } = await open(
      { hello: { raw: words }, thenClose: true },
      { connectTimeoutMs: 2000 },
    );
    const { error, ms } = await failure(connectNetconf(target));
    expectFailure(
      error,
      'protocol',
      /closed the netconf channel before the NETCONF <hello>; it sent: "This account is currently not available\."/,
    );
    expect(ms, 'noticed the closed channel after').toBeLessThan(1000);
  });

  it('a hello without a base capability fails as protocol', async () => {
    const { target } = await open({ hello: ['urn:example:other'] });
    const { error } = await failure(connectNetconf(target));
    expectFailure(error, 'protocol', /offers neither urn:ietf:params:netconf:base:1\.0 nor/);
  });

  it("base:1.0 only: end-of-message framing, replies out of order, quoted with ', prefixed", async () => {
    const held: Array<{ id: string; rpc: string }> = [];
    const { peer, target } = await open({
      hello: [BASE_10],
      onRpc: (io, id, rpc) => {
        if (rpc.includes('<close-session/>')) return io.send(peerReply(id, '<ok/>'));
        held.push({ id, rpc });
        if (held.length < 3) return;
        // three replies in one write, last first, one byte at a time for the first of them
        const [a, b, c] = held.map(({ id: heldId, rpc: heldRpc }, i) => {
          const echo = /<echo>([^<]*)<\/echo>/.exec(heldRpc)?.[1] ?? '';
          const body = `<data><echo>${echo}</echo><in-octets>18446744073709551615</in-octets></data>`;
          const xml =
            i === 0
              ? `<nc:rpc-reply xmlns:nc="${BASE_NS}" message-id='${heldId}'>${body.replace(/<(\/?)/g, '<$1nc:')}</nc:rpc-reply>`
              : peerReply(heldId, body, "'");
          // as some servers write them: a newline after the previous `]]>]]>`, a declaration
          return encodeMessage(`\n${XML_DECLARATION}\n${xml}`, 'eom');
        });
        for (const byte of c!) io.raw(Buffer.from([byte]));
        io.raw(Buffer.concat([b!, a!]));
      },
    });
    const session = await connectNetconf(target);
    expect(session.framing).toBe('eom');
    expect(session.sessionId).toBe('4711');
    const echoes = ['eins — ☃', 'zwei 𝄞', 'drei ]]> ]]]>'];
    const replies = await Promise.all(echoes.map((echo) => session.rpc(`<echo>${echo}</echo>`)));
    replies.forEach((reply, i) => {
      expect(reply, `reply ${i}`).toContain(`echo>${echoes[i]}</`);
      expect(reply).toContain('18446744073709551615');
    });
    expect(peer.received[0]).toMatch(/^<rpc message-id="\d+" xmlns="urn:ietf/);
    await session.close();
  });

  it('a timeout rejects only its own rpc; the late reply is dropped', async () => {
    const sent: string[] = [];
    const { target } = await open({
      onRpc: (io, id, rpc) => {
        const delayMs = Number(/<delay>(\d+)<\/delay>/.exec(rpc)?.[1] ?? 0);
        setTimeout(() => {
          io.send(peerReply(id, `<data>${id}</data>`));
          sent.push(id);
        }, delayMs);
      },
    });
    const session = await connectNetconf(target);
    expect(session.framing).toBe('chunked');
    const late = failure(session.rpc('<delay>400</delay>', { timeoutMs: 150 }));
    const inTime = session.rpc('<delay>250</delay>', { timeoutMs: 2000 });
    const { error, ms } = await late;
    expectFailure(error, 'timeout', /within 150 ms/);
    expect(ms).toBeLessThan(400);
    const lateId = /rpc (\d+) within/.exec(error.message)![1];
    expect(await inTime).toMatch(/<data>\d+<\/data>/);
    // written before the next rpc's reply on the same channel, so the client reads it first
    await waitFor(`late reply ${lateId} sent`, () => sent.includes(lateId!), 2000);
    const next = await session.rpc('<delay>0</delay>');
    expect(next).not.toContain(`<data>${lateId}</data>`);
    await session.close();
  });

  it('close() with rpcs pending and a peer that answers nothing: closed, within a second or so', async () => {
    const { target } = await open({ onRpc: () => undefined });
    const session = await connectNetconf(target);
    const pending = [failure(session.get()), failure(session.get(ALL_INTERFACES))];
    const started = Date.now();
    await session.close();
    const closeMs = Date.now() - started;
    for (const { error } of await Promise.all(pending)) {
      expectFailure(error, 'closed', /close\(\) was called/);
    }
    expect(closeMs, 'close() waiting for an <ok/> that never comes').toBeLessThan(2500);
  });

  it('the peer dropping the channel rejects pending rpcs as closed', async () => {
    const { target } = await open({ onRpc: (io) => io.end() });
    const session = await connectNetconf(target);
    const { error } = await failure(session.get());
    expectFailure(error, 'closed', /closed/);
    expect(session.open).toBe(false);
    expectFailure((await failure(session.get())).error, 'closed', /session is closed/);
  });

  it('close() after the peer dropped the session returns at once', async () => {
    const { peer, target } = await open({ onRpc: (io) => io.end() });
    const session = await connectNetconf(target);
    await failure(session.get());
    expect(session.open).toBe(false);
    await waitFor('the SSH connection gone at the peer', () => peer.connections() === 0, 2000);
    const started = Date.now();
    await session.close();
    expect(Date.now() - started, 'close() of a session already ended').toBeLessThan(300);
  });

  it('a message above the size limit fails the rpc as protocol and ends the session', async () => {
    const filler = 'x'.repeat(21 * 1024 * 1024);
    const { target } = await open({
      hello: [BASE_10],
      onRpc: (io, id) => io.send(peerReply(id, `<data><big>${filler}</big></data>`)),
    });
    const session = await connectNetconf(target);
    const { error } = await failure(session.get());
    expectFailure(error, 'protocol', /exceeds the 20971520-byte limit/);
    expect(session.open).toBe(false);
  });

  it('a malformed chunk header from the peer fails pending rpcs as protocol and ends the session', async () => {
    const { target } = await open({ onRpc: (io) => io.raw('\n#12x\n') });
    const session = await connectNetconf(target);
    const { error } = await failure(session.get());
    expectFailure(error, 'protocol', /expected a chunk size digit or LF, got 'x'/);
    expect(session.open).toBe(false);
  });

  it('rpc-error with prefixes and xml:lang; a warning alone is no failure', async () => {
    const { target } = await open({
      onRpc: (io, id, rpc) => {
        const severity = rpc.includes('<warn/>') ? 'warning' : 'error';
        io.send(
          `\n${XML_DECLARATION}\n<nc:rpc-reply xmlns:nc="${BASE_NS}" message-id="${id}"><nc:rpc-error>` +
            '<nc:error-type>application</nc:error-type><nc:error-tag>data-missing</nc:error-tag>' +
            `<nc:error-severity>${severity}</nc:error-severity>` +
            '<nc:error-message xml:lang="en">no such port</nc:error-message>' +
            '</nc:rpc-error><nc:ok/></nc:rpc-reply>',
        );
      },
    });
    const session = await connectNetconf(target);
    const { error } = await failure(session.rpc('<fail/>'));
    expectFailure(error, 'rpc-error', /rpc-error data-missing \(error\): no such port/);
    expect(error.tag).toBe('data-missing');
    await expect(session.rpc('<warn/>')).resolves.toContain('<nc:ok/>');
    await session.close();
  });

  it("a poll of a device whose configured hostKey is not the peer's fails as authentication", async () => {
    const { target } = await open({});
    const other = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const config = parseConfig(
      [
        'devices:',
        '  - name: sw-pinned',
        '    role: switch',
        `    address: ${target.host}`,
        `    netconf: { port: ${target.port}, username: ${PEER_USER.username}, password: ${PEER_USER.password}, hostKey: "${other}", timeoutMs: 2000 }`,
      ].join('\n'),
      'test.yaml',
      {},
    );
    const [device] = config.devices;
    const { error } = await failure(pollOverNetconf(device!, device!.netconf!));
    expectFailure(
      error,
      'authentication',
      new RegExp(`host key of .* is SHA256:\\S+, expected ${other}`),
    );
  });

  it('a closed port is unreachable at once', async () => {
    const port = await freeTcpPort();
    const { error, ms } = await failure(connectNetconf({ host: '127.0.0.1', port, ...PEER_USER }));
    expectFailure(
      error,
      'unreachable',
      new RegExp(`127\\.0\\.0\\.1:${port} refused the connection`),
    );
    expect(ms).toBeLessThan(500);
  });

  it('a TCP server that never speaks SSH is unreachable within the connect timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: TcpServer = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { error, ms } = await failure(
        connectNetconf({ host: '127.0.0.1', port, ...PEER_USER, connectTimeoutMs: 500 }),
      );
      expectFailure(error, 'unreachable', /no SSH handshake with 127\.0\.0\.1:\d+ within 500 ms/);
      expect(ms).toBeLessThan(1500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
