/**
 * The dashboard (contract section 4, `GET /`): one static page, its stylesheet and its script,
 * read once at start-up from `dashboard/` beside this file (`npm run build` copies it to dist).
 * The page fetches the JSON API itself; nothing here reads state.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import { notFound } from './errors';

const ASSET_DIR = join(__dirname, 'dashboard');

/** Served files by name, with their content types. */
const ASSETS: Record<string, string> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
};

/** Everything the page needs comes from this origin; it runs no inline code and embeds nothing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Revalidated on every load (a cheap 304 through the ETag express sets), so an upgrade is seen
 * at once; `private` because the page may have been fetched with a token.
 */
const CACHE_CONTROL = 'private, no-cache';

export function dashboardRoutes(assetDir: string = ASSET_DIR): Router {
  const page = readFileSync(join(assetDir, 'index.html'), 'utf8');
  const assets = new Map(
    Object.entries(ASSETS).map(([name, type]) => [
      name,
      { type, body: readFileSync(join(assetDir, name)) },
    ]),
  );
  const router = Router();

  router.get('/', (req, res) => {
    send(res, 'text/html; charset=utf-8', withTokenOnAssets(page, req));
  });

  router.get('/dashboard/:asset', (req, res) => {
    const asset = assets.get(req.params.asset);
    if (!asset) throw notFound(`no dashboard file "${req.params.asset}"`);
    send(res, asset.type, asset.body);
  });

  return router;
}

function send(res: Response, type: string, body: string | Buffer): void {
  res
    .set({
      'Content-Type': type,
      'Cache-Control': CACHE_CONTROL,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    })
    .send(body);
}

/**
 * With `api.token` set, the stylesheet and script need the token as well, and a browser sends
 * no header for them: the page given `?token=` passes it on in their URLs.
 */
function withTokenOnAssets(page: string, req: Request): string {
  const token = req.query.token;
  if (typeof token !== 'string' || token === '') return page;
  const query = `?token=${encodeURIComponent(token)}`;
  return page.replace(/"(dashboard\/[\w.-]+)"/g, `"$1${query}"`);
}
