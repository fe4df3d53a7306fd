import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { sendError } from './errors';
import { loggedUrl } from './log-url';

/** Routes a load balancer or orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * `Authorization: Bearer <token>` on every route but the probes, when a token is configured.
 * A browser cannot send that header for a page it navigates to, so the dashboard's own files
 * (`GET /`, `/dashboard/*`) also take `?token=<token>`; its script sends the header on every
 * data request. Data routes take the header only, so a token never has to sit in a URL that
 * proxies and NMS configurations would keep.
 */
export function requireToken(token: string | undefined) {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  const expected = token === undefined ? null : digest(token);
  // Digests have one length, so the comparison says nothing about the token's length.
  const matches = (given: string | undefined): boolean =>
    expected !== null && given !== undefined && timingSafeEqual(digest(given), expected);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === null || OPEN_PATHS.has(req.path)) return next();
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const query = isPageRequest(req) ? req.query.token : undefined;
    if (matches(bearer) || (typeof query === 'string' && matches(query))) return next();
    res.set('WWW-Authenticate', 'Bearer realm="nicwatch"');
    sendError(res, 401, 'unauthorized', 'this route needs Authorization: Bearer <api.token>');
  };
}

function isPageRequest(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (req.path === '/' || req.path.startsWith('/dashboard/'))
  );
}

/** One JSON log line per request, with its status and duration. */
export function logRequests(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const entry = {
        method: req.method,
        url: loggedUrl(req),
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (res.statusCode >= 500) logger.warn(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
}
