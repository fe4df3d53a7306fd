/**
 * The dashboard (contract section 4, `GET /`): one static page, its stylesheet and its script
 * modules, read once at start-up from `dashboard/` beside this file (`npm run build` copies it to
 * dist). The page fetches the JSON API itself; nothing here reads state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import { notFound } from './errors';

const ASSET_DIR = join(__dirname, 'dashboard');

/** Served files by extension, with their content types; the page itself is served at `/` only. */
const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
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

/** The page's references to its files: `href="dashboard/x.css"`, `src="dashboard/main.js"`. */
const PAGE_ASSET_REF = /"(dashboard\/[\w.-]+)"/g;
/** A module's static imports of its siblings, `from './x.js'`: the one form the modules use. */
const SIBLING_IMPORT = /(\bfrom\s*)(['"])(\.\/[\w.-]+\.js)\2/g;

interface Asset {
  type: string;
  body: string;
}

export function dashboardRoutes(assetDir: string = ASSET_DIR): Router {
  const page = readFileSync(join(assetDir, 'index.html'), 'utf8');
  const assets = readAssets(assetDir);
  const router = Router();

  router.get('/', (req, res) => {
    const query = tokenQuery(req);
    send(
      res,
      'text/html; charset=utf-8',
      query ? page.replace(PAGE_ASSET_REF, `"$1${query}"`) : page,
    );
  });

  router.get('/dashboard/:asset', (req, res) => {
    const asset = assets.get(req.params.asset);
    if (!asset) throw notFound(`no dashboard file "${req.params.asset}"`);
    const query = tokenQuery(req);
    const passesToken = query !== null && asset.type === CONTENT_TYPES['.js'];
    send(res, asset.type, passesToken ? withTokenOnImports(asset.body, query) : asset.body);
  });

  return router;
}

function readAssets(assetDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(assetDir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(join(assetDir, name), 'utf8') });
  }
  return assets;
}

function send(res: Response, type: string, body: string): void {
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
 * With `api.token` set, every file of the page needs the token as well, and a browser sends no
 * header for them: the page given `?token=` passes it on in the URLs of its stylesheet and entry
 * module, and each module so fetched passes it on to the modules it imports. Every specifier of
 * one module graph then carries the same query, so each module is still loaded once.
 */
function tokenQuery(req: Request): string | null {
  const token = req.query.token;
  if (typeof token !== 'string' || token === '') return null;
  return `?token=${encodeStrictly(token)}`;
}

function withTokenOnImports(module: string, query: string): string {
  return module.replace(SIBLING_IMPORT, `$1$2$3${query}$2`);
}

/** encodeURIComponent leaves `!'()*` as they are; a quote must not end a string it is put in. */
function encodeStrictly(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
