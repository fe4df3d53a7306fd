/** JSON errors of the API: `{ error: { code, message } }` with a fitting status (contract section 4). */
import type { NextFunction, Request, Response } from 'express';
import { loggedUrl } from './log-url';
import type { Logger } from 'pino';
import { describeError } from '../errors';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, 'not-found', what);
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 'bad-request', message);
}

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** The last middleware: every thrown error becomes JSON; only unexpected ones are logged. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, status, 'bad-request', describeError(err));
    }
    logger.error({ err, url: loggedUrl(req) }, 'request failed');
    sendError(res, 503, 'unavailable', `state store unavailable: ${describeError(err)}`);
  };
}
