import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { sendError } from './errors';

/** Routes a load balancer or orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/** `Authorization: Bearer <token>` on every route but the probes, when a token is configured. */
export function requireToken(token: string | undefined) {
  const expected = token === undefined ? null : Buffer.from(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === null || OPEN_PATHS.has(req.path)) return next();
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const actual = Buffer.from(given ?? '');
    if (
      given !== undefined &&
      actual.length === expected.length &&
      timingSafeEqual(actual, expected)
    ) {
      return next();
    }
    res.set('WWW-Authenticate', 'Bearer realm="nicwatch"');
    sendError(res, 401, 'unauthorized', 'this route needs Authorization: Bearer <api.token>');
  };
}

/** One JSON log line per request, with its status and duration. */
export function logRequests(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const entry = {
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (res.statusCode >= 500) logger.warn(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
}
