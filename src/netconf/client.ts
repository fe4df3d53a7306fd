/**
 * The only module that speaks NETCONF (RFC 6241) over SSH (RFC 6242): ssh2's Client, the `netconf`
 * subsystem, the hello exchange, both framings, a message-id map for pipelined rpcs and a timeout
 * per rpc. Every failure is a NetconfError that names the target and says what to check. Replies
 * are returned as the whole `<rpc-reply>` text, so 64-bit counters stay exact for the decoders.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { DecodeError, NetconfError, type NetconfFailure } from '../errors';
import { FramingError, MessageReader, encodeMessage, type Framing } from './framing';
import {
  BASE_11,
  CLIENT_HELLO,
  parseRpcErrors,
  parseServerHello,
  replyMessageId,
  rpcMessage,
  type RpcErrorInfo,
  type ServerHello,
} from './messages';
import { MAX_XML_CHARS } from './xml';

export type { RpcErrorInfo } from './messages';

export interface NetconfTarget {
  host: string;
  /** @defaultValue 830 */
  port?: number;
  username: string;
  password?: string;
  /** A private key file (OpenSSH or PEM); read at connect time. */
  privateKeyFile?: string;
  passphrase?: string;
  /** TCP connect, SSH handshake, login and the server's `<hello>` together. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** Bound of one rpc unless the call gives its own. @defaultValue 10000 */
  rpcTimeoutMs?: number;
  /**
   * The server's host key as OpenSSH prints its fingerprint (`SHA256:…`, from `ssh-keygen -lf`).
   * When set, any other key fails the connection; when not, any key is accepted and
   * `hostKeySha256` of the session tells which one it was (pinning on first use is future work).
   */
  hostKeySha256?: string;
  /**
   * SSH keepalives this often while the session is open; three unanswered end the session, so
   * one kept between polls learns of a peer that went away. None when not set.
   */
  keepaliveIntervalMs?: number;
}

export interface RpcOptions {
  /** @defaultValue the target's rpcTimeoutMs */
  timeoutMs?: number;
}

/** A reply holding `<rpc-error>` of severity error: `tag` is the first one's error-tag. */
export class NetconfRpcError extends NetconfError {
  constructor(
    target: string,
    message: string,
    readonly errors: RpcErrorInfo[],
  ) {
    super('rpc-error', target, message, { tag: errors[0]?.tag ?? 'unknown' });
  }
}

export interface NetconfSession {
  /** `host:port`, as error messages name it. */
  readonly target: string;
  readonly sessionId: string | null;
  /** Capabilities the server's hello announced. */
  readonly capabilities: readonly string[];
  /** `chunked` when both hellos announced base:1.1. */
  readonly framing: Framing;
  /** The server's host key, `SHA256:…` as OpenSSH prints it. */
  readonly hostKeySha256: string;
  /** False once the session ended, by `close()` or from the other side. */
  readonly open: boolean;
  /** Sends `<rpc>` around `body`; resolves with the whole `<rpc-reply>` text. */
  rpc(body: string, options?: RpcOptions): Promise<string>;
  /** `<get>`, with a subtree filter when given (e.g. `<interfaces-state xmlns="…"/>`). */
  get(subtreeFilterXml?: string, options?: RpcOptions): Promise<string>;
  /** `<close-session/>`, a short wait for its `<ok/>`, then the SSH connection ends. Idempotent. */
  close(): Promise<void>;
}

/**
 * netconfd (yuma123 2.13) leaves an rpc that arrives in the same read as the client's hello
 * unanswered until more bytes come. Written as one SSH packet they stalled every time; as two
 * packets, never (60 tries, idle and on a loaded CPU). The pause is the margin for a subsystem
 * that reads late and would get both at once.
 */
const HELLO_TO_RPC_GAP_MS = 50;
/** How long close() waits for the `<ok/>` of `<close-session/>`. */
const CLOSE_WAIT_MS = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * A message larger than this is refused as it arrives. Replies are nearly all ASCII, so the
 * margin over the characters xml.ts parses at most lets through only what it may still read.
 */
const MAX_MESSAGE_BYTES = MAX_XML_CHARS + 4 * 1024 * 1024;

export function describeNetconfTarget(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Opens the SSH connection and the netconf subsystem and exchanges hellos. */
export async function connectNetconf(target: NetconfTarget): Promise<NetconfSession> {
  const port = target.port ?? 830;
  const name = describeNetconfTarget(target.host, port);
  const privateKey = target.privateKeyFile ? await readKey(target.privateKeyFile, name) : undefined;
  const session = new Session(target, name);
  await session.connect({ host: target.host, port, privateKey });
  return session;
}

async function readKey(file: string, target: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    throw new NetconfError(
      'authentication',
      target,
      `private key file ${file} for ${target}: ${reason}`,
      { cause: err },
    );
  }
}

interface Pending {
  resolve(reply: string): void;
  reject(err: NetconfError): void;
  timer: NodeJS.Timeout;
}

type Stage = 'connecting' | 'login' | 'hello' | 'open' | 'closed';

class Session implements NetconfSession {
  sessionId: string | null = null;
  capabilities: string[] = [];
  framing: Framing = 'eom';
  hostKeySha256 = '';
  private stage: Stage = 'connecting';
  private readonly client = new Client();
  /** Settles when the SSH connection has closed, however it ended; at once when it already has. */
  private readonly connectionClosed = new Promise<void>((resolve) =>
    this.client.once('close', () => resolve()),
  );
  private channel: ClientChannel | null = null;
  private readonly reader = new MessageReader('eom', MAX_MESSAGE_BYTES);
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private closing: Promise<void> | null = null;
  /** Text received before the hello, to show what the server said instead. */
  private preHello = '';
  /** Ends the session on a failure: rejects connect() while it runs, else every pending rpc. */
  private abort: (err: NetconfError) => void = (err) => this.fail(err);

  constructor(
    private readonly options: NetconfTarget,
    readonly target: string,
  ) {}

  private get ended(): boolean {
    return this.stage === 'closed';
  }

  get open(): boolean {
    return this.stage === 'open' && !this.closing;
  }

  connect(options: { host: string; port: number; privateKey: Buffer | undefined }): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.abort(this.connectTimeout(timeoutMs)), timeoutMs);
      this.abort = (err) => {
        clearTimeout(timer);
        this.fail(err);
        reject(err);
      };
      const onHello = (): void => {
        clearTimeout(timer);
        this.abort = (err) => this.fail(err);
        setTimeout(resolve, HELLO_TO_RPC_GAP_MS);
      };
      this.client.on('handshake', () => (this.stage = 'login'));
      this.client.on('ready', () => this.openSubsystem(onHello));
      this.client.on('error', (err) => this.onClientError(err));
      this.client.on('close', () => this.onEnded('the SSH connection closed'));
      this.client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) =>
        finish(prompts.map(() => this.options.password ?? '')),
      );
      try {
        this.client.connect(this.connectConfig(options, timeoutMs));
      } catch (err) {
        // ssh2 throws at once on a key it cannot parse (or a wrong passphrase)
        this.abort(
          new NetconfError(
            'authentication',
            this.target,
            `private key for ${this.describeLogin()}: ${(err as Error).message}`,
            { cause: err },
          ),
        );
      }
    });
  }

  private connectConfig(
    options: { host: string; port: number; privateKey: Buffer | undefined },
    timeoutMs: number,
  ): ConnectConfig {
    return {
      host: options.host,
      port: options.port,
      username: this.options.username,
      password: this.options.password,
      privateKey: options.privateKey,
      passphrase: this.options.passphrase,
      // switches often take passwords only through keyboard-interactive
      tryKeyboard: this.options.password !== undefined,
      // our own timer decides; this only stops ssh2 from waiting for ever
      readyTimeout: timeoutMs + 1000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 0,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => this.verifyHostKey(key),
    };
  }

  private verifyHostKey(key: Buffer): boolean {
    this.hostKeySha256 = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
    const pinned = this.options.hostKeySha256;
    if (pinned === undefined || normaliseFingerprint(pinned) === this.hostKeySha256) return true;
    this.abort(
      new NetconfError(
        'authentication',
        this.target,
        `host key of ${this.target} is ${this.hostKeySha256}, expected ${normaliseFingerprint(pinned)}`,
      ),
    );
    return false;
  }

  private openSubsystem(onHello: () => void): void {
    this.stage = 'hello';
    this.client.subsys('netconf', (err, channel) => {
      if (err) {
        this.abort(
          new NetconfError(
            'protocol',
            this.target,
            `${this.target} did not start the netconf subsystem: ${err.message}`,
            { cause: err },
          ),
        );
        return;
      }
      this.channel = channel;
      channel.on('data', (data: Buffer) => this.onData(data, onHello));
      channel.stderr.on('data', () => undefined);
      // the connection's own 'error' and 'close' say what happened
      channel.on('error', () => undefined);
      channel.on('close', () => this.onEnded('the server closed the netconf channel'));
    });
  }

  private onData(data: Buffer, onHello: () => void): void {
    if (this.stage === 'closed') return;
    this.reader.push(data);
    try {
      for (let message = this.reader.next(); message !== undefined; message = this.reader.next()) {
        // servers often put a newline after `]]>]]>`: before an XML declaration it is an error
        const text = message.trimStart();
        if (this.stage === 'hello') this.onServerHello(text, onHello);
        else this.onReply(text);
        if (this.ended) return;
      }
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      this.abort(
        new NetconfError('protocol', this.target, `${this.target}: ${err.message}`, {
          cause: err,
        }),
      );
      return;
    }
    if (this.stage === 'hello' && this.preHello.length < 200) {
      this.preHello += data.toString('utf8');
    }
  }

  private onServerHello(message: string, onHello: () => void): void {
    let hello: ServerHello;
    try {
      hello = parseServerHello(message);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.abort(new NetconfError('protocol', this.target, `${this.target}: ${err.message}`));
      return;
    }
    this.capabilities = hello.capabilities;
    this.sessionId = hello.sessionId;
    this.channel?.write(encodeMessage(CLIENT_HELLO, 'eom'));
    this.framing = hello.capabilities.includes(BASE_11) ? 'chunked' : 'eom';
    this.reader.framing = this.framing;
    this.stage = 'open';
    onHello();
  }

  private onReply(message: string): void {
    const id = replyMessageId(message);
    // notifications, and replies to rpcs that timed out, have no taker
    const pending = id === null ? undefined : this.pending.get(id);
    if (id === null || !pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    try {
      const failed = parseRpcErrors(message).filter((error) => error.severity !== 'warning');
      if (failed.length === 0) pending.resolve(message);
      else pending.reject(this.rpcError(id, failed));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      pending.reject(
        new NetconfError('protocol', this.target, `${this.target}, rpc ${id}: ${err.message}`),
      );
    }
  }

  private rpcError(id: string, errors: RpcErrorInfo[]): NetconfRpcError {
    const [first] = errors;
    const detail = [first?.message, first?.path && `at ${first.path}`].filter(Boolean).join(' ');
    const more = errors.length > 1 ? ` and ${errors.length - 1} more` : '';
    return new NetconfRpcError(
      this.target,
      `${this.target} answered rpc ${id} with rpc-error ${first?.tag} (${first?.severity})` +
        `${detail ? `: ${detail}` : ''}${more}`,
      errors,
    );
  }

  rpc(body: string, options: RpcOptions = {}): Promise<string> {
    if (!this.open) return Promise.reject(this.closedError('the session is closed'));
    return this.send(body, options.timeoutMs ?? this.options.rpcTimeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  private send(body: string, timeoutMs: number): Promise<string> {
    const channel = this.channel;
    if (this.stage !== 'open' || !channel) {
      return Promise.reject(this.closedError('the session is closed'));
    }
    this.nextId += 1;
    const id = String(this.nextId);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new NetconfError(
            'timeout',
            this.target,
            `no reply from ${this.target} to rpc ${id} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      channel.write(encodeMessage(rpcMessage(id, body), this.framing));
    });
  }

  get(subtreeFilterXml?: string, options?: RpcOptions): Promise<string> {
    const body =
      subtreeFilterXml === undefined
        ? '<get/>'
        : `<get><filter type="subtree">${subtreeFilterXml}</filter></get>`;
    return this.rpc(body, options);
  }

  close(): Promise<void> {
    this.closing ??= this.closeGracefully();
    return this.closing;
  }

  private async closeGracefully(): Promise<void> {
    this.rejectPending(() => this.closedError('close() was called'));
    if (this.stage === 'open' && this.channel) {
      await this.send('<close-session/>', CLOSE_WAIT_MS).catch(() => undefined);
    }
    this.teardown(this.closedError('close() was called'));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([this.connectionClosed, waited]);
    clearTimeout(timer);
    this.client.destroy();
  }

  private onClientError(err: Error & { level?: string; code?: string }): void {
    const failure = this.classify(err);
    if (this.stage === 'open') {
      this.fail(this.closedError(`SSH error: ${err.message}`));
      return;
    }
    this.abort(new NetconfError(failure.failure, this.target, failure.message, { cause: err }));
  }

  private classify(err: Error & { level?: string; code?: string }): {
    failure: NetconfFailure;
    message: string;
  } {
    const t = this.target;
    if (err.level === 'client-authentication') {
      return {
        failure: 'authentication',
        message: `${t} rejected the SSH login of ${this.describeLogin()}`,
      };
    }
    switch (err.code) {
      case 'ECONNREFUSED':
        return {
          failure: 'unreachable',
          message: `${t} refused the connection (no SSH server on that port)`,
        };
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return { failure: 'unreachable', message: `cannot resolve ${this.options.host}` };
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return { failure: 'unreachable', message: `no route to ${t}` };
      case 'ETIMEDOUT':
        return { failure: 'unreachable', message: `no answer from ${t} (TCP connect timed out)` };
      case 'ECONNRESET':
        return { failure: 'unreachable', message: `${t} reset the connection` };
    }
    if (err.level === 'client-timeout' || this.stage === 'connecting') {
      return { failure: 'unreachable', message: `no SSH session with ${t}: ${err.message}` };
    }
    return { failure: 'protocol', message: `SSH with ${t} failed: ${err.message}` };
  }

  private connectTimeout(timeoutMs: number): NetconfError {
    const t = this.target;
    switch (this.stage) {
      case 'connecting':
        return new NetconfError(
          'unreachable',
          t,
          `no SSH handshake with ${t} within ${timeoutMs} ms`,
        );
      case 'login':
        return new NetconfError(
          'authentication',
          t,
          `${t} did not complete the SSH login of ${this.describeLogin()} within ${timeoutMs} ms`,
        );
      default:
        return new NetconfError(
          'protocol',
          t,
          `no NETCONF <hello> from ${t} within ${timeoutMs} ms${this.describePreHello()}`,
        );
    }
  }

  private onEnded(what: string): void {
    if (this.stage === 'closed') return;
    if (this.stage !== 'open') {
      const t = this.target;
      const failure: NetconfFailure = this.stage === 'hello' ? 'protocol' : 'unreachable';
      this.abort(
        new NetconfError(
          failure,
          t,
          `${t}: ${what} before the NETCONF <hello>${this.describePreHello()}`,
        ),
      );
      return;
    }
    this.fail(this.closedError(what));
  }

  /** Ends the session after a failure, rejecting every pending rpc with `err`. */
  private fail(err: NetconfError): void {
    this.teardown(err);
    this.client.destroy();
  }

  private teardown(err: NetconfError): void {
    if (this.stage === 'closed') return;
    this.stage = 'closed';
    this.rejectPending(() => err);
    this.client.end();
  }

  private rejectPending(error: () => NetconfError): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error());
    }
  }

  private closedError(why: string): NetconfError {
    return new NetconfError(
      'closed',
      this.target,
      `NETCONF session with ${this.target} closed: ${why}`,
    );
  }

  /** The user and the method, never the secret. */
  private describeLogin(): string {
    const method = this.options.privateKeyFile ? `key ${this.options.privateKeyFile}` : 'password';
    return `user "${this.options.username}" (${method})`;
  }

  private describePreHello(): string {
    const text = this.preHello.replace(/\s+/g, ' ').trim().slice(0, 120);
    return text ? `; it sent: "${text}"` : '';
  }
}

/** `SHA256:abc…` from `SHA256:abc…=`, `abc…` or `sha256:abc…`. */
function normaliseFingerprint(fingerprint: string): string {
  return `SHA256:${fingerprint.replace(/^sha256:/i, '').replace(/=+$/, '')}`;
}
