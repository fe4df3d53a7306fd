/**
 * The SNMP trap receiver's socket: net-snmp's receiver on one UDP address, every datagram ending
 * in exactly one of onTraps (accepted), onRejected (community, user or authentication) or
 * onMalformed (does not decode), never in a crash. Decoding is decode.ts; queueing is the caller's.
 *
 * Where net-snmp 3.29 falls short, the gap is closed here with the least code:
 * - it turns port 0 into 162 and keeps its socket to itself: its `dgramModule` option hands us
 *   the socket, whose bind we point at the asked address and whose receive buffer we raise;
 * - an inform from an unknown user, or below the user's security level, is answered with a
 *   report and never reaches the callback: its `listener.send` is watched for reports;
 * - an inform whose acknowledgement does not encode would throw outside its own guard, an
 *   uncaught exception: its datagram handler runs inside ours;
 * - a v3 notification with an empty user name and no authentication passes its authorizer:
 *   rejected here unless such a user is configured.
 * net-snmp acknowledges an inform before its callback runs, so an acknowledged inform is one
 * this process received, not yet one that reached Redis. It checks no v3 time window either.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket, type SocketType } from 'node:dgram';
import * as snmp from 'net-snmp';
import { hostPortProblem, type DeviceConfig, type UsmUserConfig } from '../config/schema';
import { DecodeError, describeError } from '../errors';
import type { Logger } from '../log';
import type { TrapEvent } from '../model';
import { toNetSnmpUser } from '../snmp/session';
import { formatHostPort, normaliseAddress, toTrapEvent, type TrapNotification } from './decode';

export interface TrapReceiverOptions {
  /** UDP `host:port` (IPv6 in brackets); port 0 takes a free port, reported in `address`. */
  listen: string;
  /** v1/v2c communities accepted. */
  communities: string[];
  /**
   * SNMPv3 users accepted: for traps the keys are localised to the sender's engine id, taken
   * from each message; for informs to this receiver's own engine id, which the sender discovers.
   */
  users: UsmUserConfig[];
  /** Devices a trap is matched to (decode.ts `matchDevice`). */
  devices: DeviceConfig[];
  /** Called synchronously for every accepted datagram, with its one event. */
  onTraps: (events: TrapEvent[]) => void;
  /** Wrong community, unknown v3 user, failed authentication or decryption. */
  onRejected: (reason: string, from: string) => void;
  /** A datagram that does not decode as a notification. */
  onMalformed: (reason: string, from: string) => void;
  logger: Logger;
}

export interface TrapReceiver {
  /** The bound `host:port`, with the real port when 0 was asked. */
  readonly address: string;
  /** Stops listening; resolves once the socket is closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Best effort: bursts of traps overflow the default ~208 KiB socket buffer. */
export const RECV_BUFFER_BYTES = 4 << 20;

/** SNMP-USER-BASED-SM-MIB usmStats objects net-snmp puts in its reports (RFC 3414 §3.2). */
const USM_STATS: Record<string, string> = {
  '1.3.6.1.6.3.15.1.1.1.0': 'unsupported security level',
  '1.3.6.1.6.3.15.1.1.2.0': 'not in time window',
  '1.3.6.1.6.3.15.1.1.3.0': 'unknown user name',
  '1.3.6.1.6.3.15.1.1.4.0': 'unknown engine id',
  '1.3.6.1.6.3.15.1.1.5.0': 'wrong digest or security level',
  '1.3.6.1.6.3.15.1.1.6.0': 'decryption error',
};
/** usmStatsUnknownEngineIDs: the answer to an inform sender's engine-id discovery, not an error. */
const DISCOVERY_REPORT = '1.3.6.1.6.3.15.1.1.4.0';

type Outcome = 'accepted' | 'rejected' | 'malformed' | 'discovery';

/** The datagram being handled: net-snmp processes each one synchronously, start to end. */
interface Datagram {
  from: string;
  outcome: Outcome | null;
}

type ReceivedNotification = TrapNotification & { rinfo: RemoteInfo };
type SnmpError = Error & {
  rinfo?: RemoteInfo;
  code?: unknown;
  info?: { user?: { name?: string } };
};

/** What this module uses of net-snmp's untyped receiver. */
interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(community: string): void; addUser(user: snmp.User): void };
  close(callback: () => void): void;
  listener?: { send?: (message: ReplyMessage, rinfo: RemoteInfo, socket: Socket) => void };
}

interface ReplyMessage {
  pdu?: { type?: number; varbinds?: Array<{ oid?: string }> };
}

export async function startTrapReceiver(options: TrapReceiverOptions): Promise<TrapReceiver> {
  const listen = parseListen(options.listen);
  const { logger } = options;
  warnIfDesUnavailable(options.users, logger);
  const outcomes = createOutcomes(options);
  let starting: ((err: Error) => void) | null = null;
  const onSocketError = (err: Error): void => {
    if (starting) return starting(err);
    logger.error({ err, listen: options.listen }, 'trap receiver socket error');
  };
  const { receiver, socket } = openReceiver(
    listen,
    notificationHandler(options, outcomes, onSocketError),
  );
  const authorizer = receiver.getAuthorizer();
  for (const community of options.communities) authorizer.addCommunity(community);
  for (const user of options.users) authorizer.addUser(toNetSnmpUser(user));
  watchReplies(receiver, logger, {
    onReport: (oid, rinfo) => {
      if (oid === DISCOVERY_REPORT) return outcomes.discovery(rinfo);
      outcomes.reject(
        `SNMPv3 ${USM_STATS[oid] ?? `report ${oid}`} (answered with a report)`,
        rinfo,
      );
    },
    onSendFailure: (err, rinfo) =>
      outcomes.malformed(`its reply does not encode: ${describeError(err)}`, rinfo),
  });
  guardDatagrams(socket, outcomes.within);

  await new Promise<void>((resolve, rejectStart) => {
    starting = (err) => {
      starting = null;
      closeSocket(socket);
      rejectStart(bindError(err, options.listen));
    };
    socket.once('listening', () => {
      starting = null;
      resolve();
    });
  });

  raiseRecvBuffer(socket, logger);
  const local = socket.address();
  const address = formatHostPort(local.address, local.port);
  logger.debug({ address }, 'trap receiver listening');
  let closing: Promise<void> | null = null;
  return { address, close: () => (closing ??= closeReceiver(receiver, socket)) };
}

interface Outcomes {
  /** Runs net-snmp on one datagram; whatever it reports meanwhile belongs to that datagram. */
  within(run: () => void, rinfo: RemoteInfo): void;
  /** True while net-snmp handles a datagram (socket errors come outside of one). */
  busy(): boolean;
  /** True once the datagram being handled has its outcome. */
  settled(): boolean;
  accept(event: TrapEvent, rinfo: RemoteInfo): void;
  reject(reason: string, rinfo?: RemoteInfo): void;
  malformed(reason: string, rinfo?: RemoteInfo): void;
  discovery(rinfo: RemoteInfo): void;
}

/** Exactly one outcome per datagram: the first one reported wins. */
function createOutcomes(options: TrapReceiverOptions): Outcomes {
  const { logger } = options;
  let current: Datagram | null = null;
  const fromOf = (rinfo?: RemoteInfo): string => current?.from ?? describeSender(rinfo);
  const settle = (outcome: Outcome, from: string, report: () => void): void => {
    if (current) {
      if (current.outcome !== null) return;
      current.outcome = outcome;
    }
    try {
      report();
    } catch (err) {
      logger.error({ err, from }, `trap receiver: the ${outcome} callback threw`);
    }
  };
  const outcomes: Outcomes = {
    within: (run, rinfo) => {
      const datagram: Datagram = { from: describeSender(rinfo), outcome: null };
      current = datagram;
      try {
        run();
      } catch (err) {
        outcomes.malformed(`net-snmp failed on it: ${describeError(err)}`);
      } finally {
        current = null;
      }
      if (datagram.outcome === null) logger.warn({ from: datagram.from }, 'trap datagram ignored');
    },
    busy: () => current !== null,
    settled: () => current?.outcome != null,
    accept: (event, rinfo) => {
      const from = fromOf(rinfo);
      settle('accepted', from, () => options.onTraps([event]));
    },
    reject: (reason, rinfo) => {
      const from = fromOf(rinfo);
      logger.debug({ from, reason }, 'trap rejected');
      settle('rejected', from, () => options.onRejected(reason, from));
    },
    malformed: (reason, rinfo) => {
      const from = fromOf(rinfo);
      logger.debug({ from, reason }, 'malformed trap datagram');
      settle('malformed', from, () => options.onMalformed(reason, from));
    },
    discovery: (rinfo) => {
      const from = fromOf(rinfo);
      settle('discovery', from, () => logger.debug({ from }, 'SNMPv3 discovery answered'));
    },
  };
  return outcomes;
}

type ReceiverCallback = (error: SnmpError | null, notification: ReceivedNotification) => void;

/** net-snmp's receiver callback: a notification to decode, or an error to classify. */
function notificationHandler(
  options: TrapReceiverOptions,
  outcomes: Outcomes,
  onSocketError: (err: Error) => void,
): ReceiverCallback {
  const receiverId = randomBytes(4).toString('hex');
  const v3Users = new Set(options.users.map((user) => user.name));
  let acceptedCount = 0;
  const accept = ({ pdu, rinfo }: ReceivedNotification): void => {
    // An inform whose acknowledgement failed is already counted as malformed.
    if (outcomes.settled()) return;
    if (pdu.scoped && !v3Users.has(pdu.user ?? '')) {
      return outcomes.reject(`SNMPv3 user "${pdu.user ?? ''}" is not configured`, rinfo);
    }
    let event: TrapEvent;
    try {
      const trapId = `${receiverId}:${acceptedCount + 1}`;
      event = toTrapEvent({ pdu }, rinfo, options.devices, new Date(), trapId);
    } catch (err) {
      if (err instanceof DecodeError) return outcomes.malformed(err.message, rinfo);
      throw err;
    }
    acceptedCount += 1;
    outcomes.accept(event, rinfo);
  };
  const fail = (error: SnmpError): void => {
    const failure = classify(error);
    if (failure.outcome === 'rejected') outcomes.reject(failure.reason, error.rinfo);
    else outcomes.malformed(failure.reason, error.rinfo);
  };
  return (error, notification) => {
    try {
      // A socket error comes outside of any datagram, without a sender.
      if (error && !error.rinfo && !outcomes.busy()) onSocketError(error);
      else if (error) fail(error);
      else accept(notification);
    } catch (err) {
      // Thrown inside net-snmp's guard it would come back as a ProcessingError: end it here.
      options.logger.error({ err }, 'trap receiver: unexpected failure handling a datagram');
    }
  };
}

/** net-snmp's receiver on a socket of ours (its `dgramModule` option), not yet listening. */
function openReceiver(
  listen: Listen,
  callback: ReceiverCallback,
): { receiver: NetSnmpReceiver; socket: Socket } {
  let socket: Socket | null = null;
  const receiver = snmp.createReceiver(
    {
      port: listen.port || 162,
      address: listen.host,
      transport: listen.type,
      includeAuthentication: true,
      dgramModule: {
        createSocket: (type: SocketType): Socket => (socket = boundTo(createSocket(type), listen)),
      },
    },
    callback,
  ) as NetSnmpReceiver;
  const created = socket as Socket | null;
  if (!created) throw new Error('net-snmp did not create its socket through dgramModule');
  return { receiver, socket: created };
}

interface Listen {
  host: string;
  port: number;
  type: SocketType;
}

function parseListen(listen: string): Listen {
  const problem = hostPortProblem(listen);
  if (problem !== null) throw new Error(`trap receiver listen address: ${problem}`);
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const bracketed = host.startsWith('[');
  return {
    host: bracketed ? host.slice(1, -1) : host,
    port: Number(listen.slice(colon + 1)),
    type: bracketed ? 'udp6' : 'udp4',
  };
}

/** net-snmp binds every socket to `port || 162`: make this one bind where it was asked. */
function boundTo(socket: Socket, listen: Listen): Socket {
  const bind = socket.bind.bind(socket);
  return Object.assign(socket, { bind: () => bind(listen.port, listen.host) });
}

/** Runs net-snmp's datagram handlers through `handle`, which wraps each datagram. */
function guardDatagrams(
  socket: Socket,
  handle: (run: () => void, rinfo: RemoteInfo) => void,
): void {
  const handlers = socket.listeners('message') as Array<(msg: Buffer, rinfo: RemoteInfo) => void>;
  socket.removeAllListeners('message');
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) =>
    handle(() => handlers.forEach((handler) => handler(msg, rinfo)), rinfo),
  );
}

interface ReplyHooks {
  onReport(oid: string, rinfo: RemoteInfo): void;
  onSendFailure(err: unknown, rinfo: RemoteInfo): void;
}

/** Reports (and a reply that fails to encode) happen without a callback from net-snmp. */
function watchReplies(receiver: NetSnmpReceiver, logger: Logger, hooks: ReplyHooks): void {
  const listener = receiver.listener;
  const send = listener?.send;
  if (!listener || typeof send !== 'function') {
    logger.warn('net-snmp receiver has no listener.send: v3 informs it reports on go uncounted');
    return;
  }
  listener.send = (message, rinfo, socket) => {
    const pdu = message.pdu;
    if (pdu?.type === snmp.PduType.Report) hooks.onReport(pdu.varbinds?.[0]?.oid ?? '', rinfo);
    try {
      send.call(listener, message, rinfo, socket);
    } catch (err) {
      hooks.onSendFailure(err, rinfo);
    }
  };
}

/** net-snmp's error for a datagram → our outcome and a reason without secrets. */
function classify(error: SnmpError): { outcome: 'rejected' | 'malformed'; reason: string } {
  const rejected = (reason: string) => ({ outcome: 'rejected' as const, reason });
  const malformed = (reason: string) => ({ outcome: 'malformed' as const, reason });
  switch (error.name) {
    case 'ProcessingError': {
      const cause = (error as { error?: unknown }).error;
      return malformed(`does not decode: ${describeError(cause ?? error)}`);
    }
    case 'RequestFailedError':
      // "Local community not found for message with community X": the community may be a
      // mistyped secret, so it is left out.
      if (error.message.startsWith('Local community not found'))
        return rejected('unknown community');
      return rejected(error.message);
    case 'ResponseInvalidError':
      if (error.code === snmp.ResponseInvalidCode.EAuthFailure) {
        const user = error.info?.user?.name ?? '';
        return rejected(
          `SNMPv3 authentication failed for user "${user}" (wrong auth key or protocol)`,
        );
      }
      if (error.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
        return rejected(
          /unsupported/i.test(error.message)
            ? 'SNMPv3 DES privacy needs Node.js started with --openssl-legacy-provider'
            : 'SNMPv3 decryption failed (wrong privacy key or protocol)',
        );
      }
      return malformed(error.message);
    default:
      // RequestInvalidError: a request PDU, or a response, sent to a notification receiver.
      return malformed(`not a notification: ${error.message}`);
  }
}

function describeSender(rinfo: RemoteInfo | undefined): string {
  return rinfo ? formatHostPort(normaliseAddress(rinfo.address), rinfo.port) : 'unknown';
}

const BIND_HINTS: Record<string, string> = {
  EADDRINUSE: 'another process (snmptrapd?) already listens there',
  EACCES:
    'ports below 1024 need root or CAP_NET_BIND_SERVICE; or set traps.listen to a port ≥ 1024',
  EADDRNOTAVAIL: 'the address is not one of this host',
  ENOTFOUND: 'the host name does not resolve',
};

function bindError(err: Error, listen: string): Error {
  const code = String((err as { code?: unknown }).code ?? '');
  const hint = BIND_HINTS[code];
  const why = hint ? `${code}: ${hint}` : describeError(err);
  return new Error(`trap receiver cannot listen on udp ${listen} (${why})`, { cause: err });
}

function raiseRecvBuffer(socket: Socket, logger: Logger): void {
  try {
    socket.setRecvBufferSize(RECV_BUFFER_BYTES);
    // Linux reports twice what it grants, capped by net.core.rmem_max.
    const got = socket.getRecvBufferSize();
    if (got < RECV_BUFFER_BYTES) {
      logger.info(
        { recvBufferBytes: got },
        'trap socket receive buffer capped by net.core.rmem_max',
      );
    }
  } catch (err) {
    logger.warn({ err }, 'could not raise the trap socket receive buffer');
  }
}

function closeSocket(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // never bound, or already closed
  }
}

/** net-snmp calls back once per socket it closes; this receiver has one. */
function closeReceiver(receiver: NetSnmpReceiver, socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      receiver.close(() => resolve());
    } catch {
      closeSocket(socket);
      resolve();
    }
  });
}

function warnIfDesUnavailable(users: UsmUserConfig[], logger: Logger): void {
  const desUsers = users.filter((u) => u.level === 'authPriv' && u.privProtocol === 'des');
  if (desUsers.length === 0) return;
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
  } catch {
    logger.warn(
      { users: desUsers.map((u) => u.name) },
      'SNMPv3 DES privacy needs Node.js started with --openssl-legacy-provider (the nicwatch command does this): their traps will be rejected',
    );
  }
}
