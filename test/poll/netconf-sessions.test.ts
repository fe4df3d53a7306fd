/**
 * The poller's kept NETCONF sessions (src/poll/netconf-sessions.ts) against the real netconfd
 * behind sshd: one login for many polls, a session the server ended or that timed out replaced,
 * other settings getting their own, closed when idle and when the poller stops. Needs root and
 * netconfd; skips with the reason otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfig, NetconfConfig } from '../../src/config/schema';
import { NetconfError } from '../../src/errors';
import { connectNetconf, type NetconfSession, type NetconfTarget } from '../../src/netconf/client';
import { netconfTargetOf, pollOverNetconf } from '../../src/poll/netconf-poller';
import { KeptNetconfSessions } from '../../src/poll/netconf-sessions';
import {
  NETCONFD_SKIP_REASON,
  netconfdSessions,
  startNetconfd,
  type Netconfd,
} from '../helpers/netconfd';
import { waitFor } from '../helpers/wait';

/** PIDs whose parent is `parent`, from /proc. */
function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(NETCONFD_SKIP_REASON !== '')(
  `kept NETCONF sessions${NETCONFD_SKIP_REASON && ` (${NETCONFD_SKIP_REASON})`}`,
  () => {
    let server: Netconfd;
    let device: DeviceConfig;
    let netconf: NetconfConfig;
    beforeAll(async () => {
      server = await startNetconfd();
      netconf = {
        port: server.port,
        username: server.username,
        password: server.password,
        timeoutMs: 3000,
      } as NetconfConfig;
      device = { name: 'sw-n', role: 'switch', address: server.host } as DeviceConfig;
    }, 30_000);
    afterAll(async () => {
      await server?.stop();
    });

    /** The sessions it opened, in order, and the source itself. */
    function keptSessions(idleMs = 60_000) {
      const opened: NetconfSession[] = [];
      const sessions = new KeptNetconfSessions(
        () => idleMs,
        async (target: NetconfTarget) => {
          const session = await connectNetconf(target);
          opened.push(session);
          return session;
        },
      );
      return { sessions, opened };
    }
    const ports = async (sessions: KeptNetconfSessions, settings = netconf) =>
      (await pollOverNetconf(device, settings, sessions)).switch?.interfaces.map((i) => i.name);

    const serverSessions = async (): Promise<string[]> => [
      ...(await netconfdSessions(server)).keys(),
    ];

    it('polls five times through one session: the switch sees one login', async () => {
      const { sessions, opened } = keptSessions();
      try {
        const pollMs: number[] = [];
        for (let i = 0; i < 5; i += 1) {
          const started = performance.now();
          expect(await ports(sessions)).toContain('swp1');
          pollMs.push(Math.round(performance.now() - started));
        }
        console.log(`polls through one kept session: ${pollMs.join(', ')} ms (the first logs in)`);
        expect(opened).toHaveLength(1);
        expect(await serverSessions()).toEqual([opened[0]?.sessionId]);
      } finally {
        await sessions.closeAll();
      }
      await waitFor(
        'netconfd to drop the session',
        async () => (await serverSessions()).length === 0,
        5000,
      );
    });

    it('replaces a session the server ended, within the same poll', async () => {
      const { sessions, opened } = keptSessions();
      try {
        await ports(sessions);
        const killer = await connectNetconf(netconfTargetOf(device, netconf));
        await killer.rpc(
          `<kill-session><session-id>${opened[0]?.sessionId}</session-id></kill-session>`,
        );
        await killer.close();
        expect(await ports(sessions), 'the poll after the kill').toContain('swp1');
        expect(opened).toHaveLength(2);
        expect(opened[0]?.open).toBe(false);
      } finally {
        await sessions.closeAll();
      }
    });

    it('drops a session whose <get> timed out, and the next poll opens another', async () => {
      const { sessions, opened } = keptSessions();
      const quick = { ...netconf, timeoutMs: 500 };
      try {
        await ports(sessions, quick);
        const [netconfdPid] = server.pids();
        process.kill(netconfdPid!, 'SIGSTOP');
        let error: unknown = null;
        try {
          await ports(sessions, quick);
        } catch (err) {
          error = err;
        } finally {
          process.kill(netconfdPid!, 'SIGCONT');
        }
        expect(error).toBeInstanceOf(NetconfError);
        expect((error as NetconfError).failure).toBe('timeout');
        expect(sessions.devices, 'dropped').toEqual([]);
        expect(await ports(sessions, quick)).toContain('swp1');
        expect(opened).toHaveLength(2);
      } finally {
        await sessions.closeAll();
      }
    });

    /** Ends the SSH connections sshd serves now: every process it started for them, by PID. */
    function cutConnections(): void {
      const sshd = server.pids()[1] ?? 0;
      const tree: number[] = [];
      for (let next = childrenOf(sshd); next.length > 0; next = next.flatMap(childrenOf)) {
        tree.push(...next);
      }
      for (const pid of tree) process.kill(pid, 'SIGKILL');
    }

    it('replaces a session that closes as a poll begins, within that poll', async () => {
      const { sessions, opened } = keptSessions();
      const [netconfdPid] = server.pids();
      try {
        await ports(sessions);
        // netconfd holds the <get>; the connection ends at once; netconfd answers again later
        process.kill(netconfdPid!, 'SIGSTOP');
        const polled = ports(sessions); // its <get> is written before this returns
        cutConnections();
        setTimeout(() => process.kill(netconfdPid!, 'SIGCONT'), 300).unref();
        expect(await polled).toContain('swp1');
        expect(opened).toHaveLength(2);
      } finally {
        process.kill(netconfdPid!, 'SIGCONT');
        await sessions.closeAll();
      }
    });

    it('fails a poll whose session closes after its first second, with no second login', async () => {
      const { sessions, opened } = keptSessions();
      const [netconfdPid] = server.pids();
      try {
        await ports(sessions);
        process.kill(netconfdPid!, 'SIGSTOP');
        const started = Date.now();
        const polled = ports(sessions).catch((err: unknown) => err);
        await new Promise((resolve) => setTimeout(resolve, 1300));
        cutConnections();
        const error = await polled;
        expect(error).toBeInstanceOf(NetconfError);
        expect((error as NetconfError).failure).toBe('closed');
        expect(Date.now() - started, 'no wait for another timeout').toBeLessThan(2500);
        expect(opened).toHaveLength(1);
        expect(sessions.devices).toEqual([]);
      } finally {
        process.kill(netconfdPid!, 'SIGCONT');
        await sessions.closeAll();
      }
    });

    it('keeps a session through an <rpc-error>', async () => {
      const { sessions, opened } = keptSessions();
      const target = netconfTargetOf(device, netconf);
      try {
        await expect(
          sessions.with('sw-n', target, (s) => s.rpc('<no-such-operation/>')),
        ).rejects.toMatchObject({
          failure: 'rpc-error',
        });
        expect(await ports(sessions)).toContain('swp1');
        expect(opened).toHaveLength(1);
      } finally {
        await sessions.closeAll();
      }
    });

    it('opens another session when the settings change, and closes the old one', async () => {
      const { sessions, opened } = keptSessions();
      try {
        await ports(sessions);
        await ports(sessions, { ...netconf, timeoutMs: 4000 });
        expect(opened).toHaveLength(2);
        await waitFor('the old session to close', () => opened[0]?.open === false, 3000);
        expect(opened[1]?.open).toBe(true);
      } finally {
        await sessions.closeAll();
      }
    });

    it('closes a session unused for its idle time', async () => {
      const { sessions, opened } = keptSessions(300);
      try {
        await ports(sessions);
        await waitFor('the idle session to close', () => opened[0]?.open === false, 3000);
        expect(sessions.devices).toEqual([]);
      } finally {
        await sessions.closeAll();
      }
    });

    it('closes every session when the poller stops, and opens none after', async () => {
      const { sessions, opened } = keptSessions();
      await ports(sessions);
      await sessions.closeAll();
      expect(opened[0]?.open).toBe(false);
      await expect(ports(sessions)).rejects.toMatchObject({ failure: 'closed' });
      expect(opened.every((s) => !s.open)).toBe(true);
    });
  },
);
