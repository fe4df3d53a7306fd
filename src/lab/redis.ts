/**
 * The demo's Redis: NICWATCH_REDIS_URL when set, else a private redis-server on a free loopback
 * port in a temporary folder (nothing saved), else a clear sentence saying how to get one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis, redisAnswers } from '../store/redis';
import { isDemoCommand, ownerRuns } from './owner';
import { freeTcpPort } from './ports';

export class NoRedisError extends Error {}

export interface DemoRedis {
  url: string;
  /** `private redis-server (pid N)` or `NICWATCH_REDIS_URL`. */
  origin: string;
  stop(): Promise<void>;
}

export const NO_REDIS_SENTENCE =
  'nicwatch demo needs Redis: install redis-server (scripts/install-deps.sh, or apt-get install redis-server) or point NICWATCH_REDIS_URL at one, e.g. NICWATCH_REDIS_URL=redis://127.0.0.1:6379/0';

/** A redis-server on 127.0.0.1 only, in `dir`, keeping nothing unless `appendonly`. */
export function privateRedisArgs(port: number, dir: string, appendonly = false): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    appendonly ? 'yes' : 'no',
    '--dir',
    dir,
  ];
}

const FOLDER_PREFIX = 'nicwatch-demo-redis-';
const OWNER_PID = new RegExp(`^${FOLDER_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);
const SETPRIV = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

/** The folders that demos which did not end cleanly left their private Redis in. */
function removeFoldersOfDeadDemos(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = OWNER_PID.exec(name)?.[1];
    if (owner === undefined) continue;
    if (!ownerRuns(Number(owner), isDemoCommand)) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

export async function demoRedis(env: NodeJS.ProcessEnv = process.env): Promise<DemoRedis> {
  const given = env.NICWATCH_REDIS_URL;
  if (given) {
    await pingGiven(given);
    return { url: given, origin: 'NICWATCH_REDIS_URL', stop: async () => undefined };
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error)
    throw new NoRedisError(NO_REDIS_SENTENCE);
  removeFoldersOfDeadDemos();
  const dir = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const port = await freeTcpPort();
  const redisArgs = [...privateRedisArgs(port, dir), '--logfile', join(dir, 'redis.log')];
  // setpriv execs redis-server (same PID) with a parent-death signal: a SIGKILLed demo's Redis
  // ends with it instead of running on, unknown, on a random port.
  const child: ChildProcess = SETPRIV
    ? spawn('setpriv', ['--pdeathsig', 'TERM', 'redis-server', ...redisArgs], { stdio: 'ignore' })
    : spawn('redis-server', redisArgs, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}/0`;
  // However the demo ends (an exception, process.exit), its Redis and folder end with it.
  const onExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
    // Only now: an exit while Redis was stopping still has the synchronous removal.
    process.off('exit', onExit);
  };
  try {
    await waitForPing(url, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, origin: `private redis-server (pid ${child.pid})`, stop };
}

/** One connection attempt and PING, no retries: false when nothing answers (yet). */
async function answersOnce(url: string): Promise<boolean> {
  const redis = connectRedis(url, { lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    return await redisAnswers(redis);
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A Redis named by NICWATCH_REDIS_URL that does not answer is said in one sentence. */
async function pingGiven(url: string): Promise<void> {
  if (await answersOnce(url)) return;
  const shown = url.replace(/\/\/[^@/]*@/, '//');
  throw new NoRedisError(
    `nicwatch demo: the Redis at NICWATCH_REDIS_URL (${shown}) does not answer; start it, or unset NICWATCH_REDIS_URL to let the demo start its own`,
  );
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new NoRedisError(
        `redis-server exited at start (${child.exitCode}); ${NO_REDIS_SENTENCE}`,
      );
    if (await answersOnce(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new NoRedisError(`redis-server did not answer within 5 s; ${NO_REDIS_SENTENCE}`);
}
