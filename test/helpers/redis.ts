/**
 * Redis for tests: the shared one on 127.0.0.1:6379 (CI starts it) under a key prefix of the
 * test's own, or a private redis-server on a free port when none answers there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { privateRedisArgs } from '../../src/lab/redis';
import { stopChild } from './snmpd';
import { freeTcpPort, waitFor } from './wait';

export { freeTcpPort };

export interface TestRedis {
  url: string;
  /** A fresh key prefix; every key the test writes starts with it. */
  prefix: string;
  /** Deletes the prefix's keys and stops a private server. */
  cleanup(): Promise<void>;
}

const SHARED_URL = process.env.NICWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function haveRedis(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0 ||
    answers(SHARED_URL)
  );
}

function answers(url: string): boolean {
  const { hostname, port } = new URL(url);
  return (
    spawnSync('redis-cli', ['-h', hostname, '-p', port || '6379', 'ping'], {
      encoding: 'utf8',
    }).stdout?.trim() === 'PONG'
  );
}

export async function useRedis(): Promise<TestRedis> {
  const prefix = `nwtest-${randomBytes(4).toString('hex')}`;
  if (answers(SHARED_URL))
    return { url: SHARED_URL, prefix, cleanup: () => deletePrefix(SHARED_URL, prefix) };
  const server = await startRedisServer();
  return { url: server.url, prefix, cleanup: () => server.stop() };
}

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port, persisting nothing unless asked. Its working
 * folder is `options.dir` (kept, so a restarted server finds its AOF), else a temporary folder
 * removed on stop.
 */
export async function startRedisServer(
  options: { port?: number; appendonly?: boolean; dir?: string } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freeTcpPort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'nicwatch-redis-'));
  const ownDir = options.dir === undefined;
  const child = spawn('redis-server', privateRedisArgs(port, dir, options.appendonly), {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}/0`;
  const stop = (): Promise<void> => stopChild(child, ownDir ? dir : undefined);
  try {
    await waitFor(
      `redis-server on ${port}`,
      () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        return answers(url);
      },
      10_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, child, stop };
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}
