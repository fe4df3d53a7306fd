/**
 * The dashboard over HTTP (contract section 4, `GET /`): the page, its stylesheet and its script
 * modules as a browser fetches them, and the `?token=` a browser can give where it cannot send a
 * bearer header. The page in a real browser is test/api/dashboard-browser.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp, listenApi, type RunningApi } from '../../src/api/app';
import { redisApiState } from '../../src/api/state';
import type { NicwatchConfig } from '../../src/config/schema';
import { queueFactory, type QueueFactory } from '../../src/queue/queues';
import { keysFor } from '../../src/store/keys';
import { connectRedis } from '../../src/store/redis';
import { REPO_ROOT } from '../helpers/cli';
import { config } from '../helpers/fleet';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';

// A quote in the token must not end the string literal it is put in (see the import rewriting).
const TOKEN = "s3cret 'token'/with+signs";
const SOURCE = join(REPO_ROOT, 'src', 'api', 'dashboard');
const FILES = readdirSync(SOURCE).sort();
const MODULES = FILES.filter((name) => name.endsWith('.js'));
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Every static import specifier of a module: `import { x } from './y.js'` gives `./y.js`. */
function importSpecifiers(module: string): string[] {
  return [...module.matchAll(/^import\b[^;]*?\bfrom\s*(['"])(.+?)\1/gms)].map((m) => m[2] ?? '');
}

describe.skipIf(!haveRedis())('dashboard over HTTP', () => {
  let redis: TestRedis;
  let queues: QueueFactory;
  const clients: Array<{ disconnect(): void }> = [];
  const running: RunningApi[] = [];
  const logLines: string[] = [];

  /** An API with the fixture fleet's configuration; its request log goes to `logLines`. */
  async function start(token?: string): Promise<string> {
    const cfg = {
      ...config([
        { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
        { interface: 'eth1', switch: 'sw-b', port: 'swp1' },
      ]),
      redis: { url: redis.url, prefix: redis.prefix },
      api: { listen: '127.0.0.1:0', ...(token ? { token } : {}) },
    } as NicwatchConfig;
    const client = connectRedis(redis.url);
    clients.push(client);
    const state = redisApiState({
      config: cfg,
      redis: client,
      keys: keysFor(redis.prefix),
      queues,
      queueNames: [],
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const api = await listenApi(createApiApp(state, pino({ level: 'info' }, sink)), '127.0.0.1:0');
    running.push(api);
    return `http://${api.address}`;
  }

  let open: string;
  let secured: string;

  beforeAll(async () => {
    redis = await useRedis();
    queues = queueFactory(redis.url, redis.prefix);
    open = await start();
    secured = await start(TOKEN);
  });

  afterAll(async () => {
    await Promise.all(running.map((api) => api.close()));
    await queues?.close();
    clients.forEach((c) => c.disconnect());
    await redis?.cleanup();
  });

  it('serves the page at / as HTML that loads its stylesheet and entry module from this origin', async () => {
    const res = await fetch(`${open}/`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toContain('<title>nicwatch</title>');
    expect(html).toContain('href="dashboard/dashboard.css"');
    expect(html).toContain('<script type="module" src="dashboard/main.js"></script>');
    expect(html, 'no file from another origin').not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it.each(
    FILES.filter((name) => name !== 'index.html').map((name) => [
      name,
      CONTENT_TYPES[extname(name)] ?? 'no type: only .js and .css are served',
    ]),
  )('serves %s as %s, and 304 once the browser has it', async (name, type) => {
    const res = await fetch(`${open}/dashboard/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(readFileSync(join(SOURCE, name), 'utf8'));
    const etag = res.headers.get('etag');
    expect(etag, 'an ETag to revalidate with').toBeTruthy();
    const again = await fetch(`${open}/dashboard/${name}`, {
      headers: { 'if-none-match': etag ?? '', 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });

  it('answers 404 in JSON for a file the dashboard does not have', async () => {
    for (const path of [
      '/dashboard/nothing.js',
      '/dashboard/index.html',
      '/dashboard/..%2fapp.js',
    ]) {
      const res = await fetch(`${open}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-found');
    }
  });

  it('has each module import only its siblings, all reached from main.js, each kept small', () => {
    const reached = new Set<string>();
    const visit = (name: string): void => {
      if (reached.has(name)) return;
      reached.add(name);
      const source = readFileSync(join(SOURCE, name), 'utf8');
      expect(source.split('\n').length, `${name} lines`).toBeLessThanOrEqual(300);
      expect(source, `${name}: dynamic imports would miss the token`).not.toMatch(/\bimport\s*\(/);
      for (const specifier of importSpecifiers(source)) {
        expect(specifier, `${name} imports`).toMatch(/^\.\/[\w.-]+\.js$/);
        visit(specifier.slice(2));
      }
    };
    visit('main.js');
    expect([...reached].sort(), 'every module is part of the page').toEqual(MODULES);
  });

  it('puts the page beside the compiled router when built', () => {
    for (const name of FILES) {
      const built = join(REPO_ROOT, 'dist', 'api', 'dashboard', name);
      expect(readFileSync(built, 'utf8'), `${built} (npm run build copies it)`).toBe(
        readFileSync(join(SOURCE, name), 'utf8'),
      );
    }
  });

  it('with api.token set, the page takes ?token=, data routes only the bearer header', async () => {
    const query = `token=${encodeURIComponent(TOKEN)}`;
    const wrong = 'token=not-the-token';
    const status = async (path: string, headers: Record<string, string> = {}) =>
      (await fetch(`${secured}${path}`, { headers })).status;

    expect(await status('/')).toBe(401);
    expect(await status(`/?${wrong}`)).toBe(401);
    expect(await status(`/?${query}`)).toBe(200);
    expect(await status('/dashboard/main.js'), 'the page’s files too').toBe(401);
    expect(await status(`/dashboard/main.js?${query}`)).toBe(200);
    expect(await status(`/dashboard/main.js?${wrong}`)).toBe(401);
    expect(await status(`/dashboard/dashboard.css?${query}`)).toBe(200);
    expect(await status(`/?${query}&${wrong}`), 'token given twice').toBe(401);
    // A token in a data URL would sit in proxy logs and NMS configurations: header only.
    expect(await status(`/api/v1/health?${query}`)).toBe(401);
    expect(await status(`/metrics?${query}`)).toBe(401);
    expect(await status('/api/v1/health', { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await status('/api/v1/health', { authorization: 'Bearer wrong' })).toBe(401);
    expect(await status('/healthz')).toBe(200);
  });

  it('passes the token on to the page’s own files and every module import, and never logs it', async () => {
    const html = await (await fetch(`${secured}/?token=${encodeURIComponent(TOKEN)}`)).text();
    // Percent-encoded throughout, quotes included, so it can end no attribute and no string.
    const query = '?token=s3cret%20%27token%27%2Fwith%2Bsigns';
    expect(html).toContain(`href="dashboard/dashboard.css${query}"`);
    expect(html).toContain(`src="dashboard/main.js${query}"`);
    for (const name of MODULES) {
      const served = await (await fetch(`${secured}/dashboard/${name}${query}`)).text();
      const source = readFileSync(join(SOURCE, name), 'utf8');
      expect(importSpecifiers(served), `${name} imports`).toEqual(
        importSpecifiers(source).map((specifier) => `${specifier}${query}`),
      );
      expect(served.replaceAll(query, ''), `${name} otherwise unchanged`).toBe(source);
    }
    const plain = await fetch(`${secured}/dashboard/main.js`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await plain.text(), 'with a bearer header, as written').toBe(
      readFileSync(join(SOURCE, 'main.js'), 'utf8'),
    );
    const logged = logLines.join('');
    expect(logged).toContain('"url":"/?token=***"');
    expect(logged, 'the token in any encoding').not.toContain('s3cret');
    expect(logged).not.toContain('not-the-token');
  });

  it('never logs a token whose key is percent-encoded', async () => {
    // Express decodes the key, so `%74oken` is `token` to it: the log must not keep the value.
    const response = await fetch(`${secured}/?%74oken=${encodeURIComponent(TOKEN)}&tok%65n=x2`);
    expect(response.status).toBe(401);
    const logged = logLines.join('');
    expect(logged).not.toContain('s3cret');
    expect(logged).not.toContain('x2');
    expect(logged).toContain('token=***');
  });
});
