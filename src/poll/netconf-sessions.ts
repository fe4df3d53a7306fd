/**
 * Where a NETCONF poll gets its session. A one-shot caller (`check`, a test) opens one per poll;
 * the poller role keeps one per device between polls, so a switch sees one login instead of one
 * per poll (each of which its log and its AAA server would record) and a poll skips the SSH
 * set-up. A kept session is replaced when the device's settings change or the server closed it
 * (a poll that finds it closed opens a new one at once), dropped when a poll through it fails
 * on the transport (timeout, closed, broken framing), kept through an `<rpc-error>` or a reply
 * that cannot be decoded, and closed once unused for its idle time or when the poller stops.
 */
import { NetconfError } from '../errors';
import { connectNetconf, type NetconfSession, type NetconfTarget } from '../netconf/client';

export type OpenNetconf = (target: NetconfTarget) => Promise<NetconfSession>;

export interface NetconfSessionSource {
  /** Runs `use` on a session to `target` for `device`; throws what the connect or `use` threw. */
  with<T>(
    device: string,
    target: NetconfTarget,
    use: (session: NetconfSession) => Promise<T>,
  ): Promise<T>;
}

/** A session per call, closed after it. */
export const SESSION_PER_CALL: NetconfSessionSource = {
  async with(_device, target, use) {
    const session = await connectNetconf(target);
    try {
      return await use(session);
    } finally {
      await session.close();
    }
  },
};

/** ssh2 ends a kept session after three keepalives without an answer (~60 s of silence). */
const KEEPALIVE_MS = 15_000;
/** A kept session found closed this soon after a poll began is replaced within that poll. */
const RETRY_IF_CLOSED_WITHIN_MS = 1000;

interface Kept {
  /** The settings it was opened with: other settings need another session. */
  settings: string;
  session: NetconfSession;
  idle: NodeJS.Timeout | null;
}

export class KeptNetconfSessions implements NetconfSessionSource {
  private readonly kept = new Map<string, Kept>();
  private stopped = false;

  constructor(
    /** Closes a session unused this long (the poller passes a few poll intervals). */
    private readonly idleMsOf: (device: string) => number,
    private readonly open: OpenNetconf = connectNetconf,
  ) {}

  /** Devices with a session open now. */
  get devices(): string[] {
    return [...this.kept.keys()];
  }

  async with<T>(
    device: string,
    target: NetconfTarget,
    use: (session: NetconfSession) => Promise<T>,
  ): Promise<T> {
    const settings = JSON.stringify(target);
    const kept = this.take(device, settings);
    if (kept) {
      const started = Date.now();
      try {
        return this.keep(device, kept, await use(kept.session));
      } catch (err) {
        // Found closed as it was used (the server's idle timer or a restart raced the poll): a
        // new session at once. Later than that, a retry could take the poll past its budget.
        const foundClosed = Date.now() - started < RETRY_IF_CLOSED_WITHIN_MS;
        if (this.stopped || !foundClosed || !closedUnder(kept.session, err)) {
          throw this.settle(device, kept, err);
        }
        await this.drop(device, kept);
      }
    }
    if (this.stopped) throw new NetconfError('closed', target.host, 'the poller is stopping');
    const session = await this.open({ ...target, keepaliveIntervalMs: KEEPALIVE_MS });
    const opened: Kept = { settings, session, idle: null };
    if (this.stopped) {
      await opened.session.close();
      throw new NetconfError('closed', opened.session.target, 'the poller is stopping');
    }
    if (this.kept.has(device)) {
      // another call for the device kept its own meanwhile: this one is used once
      try {
        return await use(opened.session);
      } finally {
        await opened.session.close();
      }
    }
    this.kept.set(device, opened);
    try {
      return this.keep(device, opened, await use(opened.session));
    } catch (err) {
      throw this.settle(device, opened, err);
    }
  }

  /** Closes every session; later calls open none. */
  async closeAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.kept].map(([device, kept]) => this.drop(device, kept)));
  }

  /** The device's session, unless its settings changed or it has ended (then it is closed). */
  private take(device: string, settings: string): Kept | null {
    const kept = this.kept.get(device);
    if (!kept) return null;
    if (kept.settings === settings && kept.session.open) {
      if (kept.idle) clearTimeout(kept.idle);
      kept.idle = null;
      return kept;
    }
    void this.drop(device, kept);
    return null;
  }

  private keep<T>(device: string, kept: Kept, result: T): T {
    if (this.kept.get(device) === kept && kept.session.open) {
      if (kept.idle) clearTimeout(kept.idle);
      kept.idle = setTimeout(() => void this.drop(device, kept), this.idleMsOf(device));
      kept.idle.unref();
    }
    return result;
  }

  /**
   * A failed use: a transport failure (timeout, closed, broken framing) ends the session; an
   * `<rpc-error>` or a reply nicwatch cannot decode leaves it working.
   */
  private settle(device: string, kept: Kept, err: unknown): unknown {
    if (err instanceof NetconfError && err.failure !== 'rpc-error') void this.drop(device, kept);
    else this.keep(device, kept, null);
    return err;
  }

  private async drop(device: string, kept: Kept): Promise<void> {
    if (kept.idle) clearTimeout(kept.idle);
    kept.idle = null;
    if (this.kept.get(device) === kept) this.kept.delete(device);
    await kept.session.close().catch(() => undefined);
  }
}

/** The session had ended when `use` ran, or ended under it: nothing was asked of a live server. */
function closedUnder(session: NetconfSession, err: unknown): boolean {
  return err instanceof NetconfError && err.failure === 'closed' && !session.open;
}
