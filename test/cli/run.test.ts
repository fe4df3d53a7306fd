/** `nicwatch run` as an operator starts it: a process that logs JSON lines and stops cleanly. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NICWATCH_BIN, runCli } from '../helpers/cli';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';

describe.skipIf(!haveRedis())('nicwatch run', () => {
  let redis: TestRedis;
  let configFile: string;
  beforeAll(async () => {
    redis = await useRedis();
    configFile = join(mkdtempSync(join(tmpdir(), 'nicwatch-run-')), 'nicwatch.yaml');
    writeFileSync(
      configFile,
      `redis: { url: "${redis.url}", prefix: "${redis.prefix}" }\napi: { listen: "127.0.0.1:0" }\ndevices: []\n`,
    );
  });
  afterAll(async () => redis?.cleanup());

  it('logs JSON lines, serves the API and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [NICWATCH_BIN, 'run', '-c', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    try {
      await waitFor('api listening', () => out.includes('"api listening"'), 10_000);
      const lines = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const listening = lines.find((line) => line.msg === 'api listening');
      expect(listening).toMatchObject({ level: 30, pid: child.pid });
      expect(typeof listening?.time).toBe('string');
      const address = String(listening?.address);
      expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    [
      ['--only', 'poller,frobnicator'],
      /--only takes poller, traps, worker, api; got "poller,frobnicator"/,
    ],
    [['-c', '/nonexistent/nicwatch.yaml'], /nicwatch\.yaml/],
  ])('refuses %j with status 2', async (args, message) => {
    const run = await runCli(['run', '-c', configFile, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
