import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `ready` every 50 ms until it holds; fails naming `what` after `timeoutMs`, also when a
 * `ready` call itself hangs (a request to a process that stopped answering).
 */
export async function waitFor(
  what: string,
  ready: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failure = (): Error => new Error(`${what} not ready within ${timeoutMs} ms`);
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
    });
    try {
      const answer = await Promise.race([Promise.resolve().then(ready), expired]);
      if (answer === 'expired') throw failure();
      if (answer) return;
    } finally {
      clearTimeout(timer);
    }
    await sleep(50);
  }
  throw failure();
}

export { freeTcpPort, freeUdpPort } from '../../src/lab/ports';
