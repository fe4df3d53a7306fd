import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { sendError } from './errors';

/** Routes a load balancer or orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * `Authorization: Bearer <token>` on every route but the probes, when a token is configured.
 * A browser cannot send that header for a page it navigates to, so `?token=<token>` is accepted
 * too: the dashboard is opened as `/?token=...` and its script sends the header on its fetches.
 */
export function requireToken(token: string | undefined) {
  const expected = token === undefined ? null : Buffer.from(token);
  const matches = (given: string | undefined): boolean => {
    if (expected === null || given === undefined) return false;
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === null || OPEN_PATHS.has(req.path)) return next();
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const query = req.query.token;
    if (matches(bearer) || (typeof query === 'string' && matches(query))) return next();
    res.set('WWW-Authenticate', 'Bearer realm="nicwatch"');
    sendError(res, 401, 'unauthorized', 'this route needs Authorization: Bearer <api.token>');
  };
}

/** The URL as logged: a token given in the query never reaches the log. */
export function redactTokenQuery(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1***');
}

/** One JSON log line per request, with its status and duration. */
export function logRequests(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const entry = {
        method: req.method,
        url: redactTokenQuery(req.originalUrl),
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (res.statusCode >= 500) logger.warn(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
}
