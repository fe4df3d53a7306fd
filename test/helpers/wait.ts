import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `ready` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  ready: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A UDP port on 127.0.0.1 that nothing listens on right now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
