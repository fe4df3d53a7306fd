/** The URL of a request as it goes into a log line: never with a token from its query. */
import type { Request } from 'express';

/**
 * Rebuilt from the decoded query, so a percent-encoded key (`%74oken=`) that Express would read
 * as `token` is redacted too.
 */
export function loggedUrl(req: Pick<Request, 'originalUrl'>): string {
  const url = new URL(req.originalUrl, 'http://log.invalid');
  for (const key of new Set(url.searchParams.keys())) {
    if (key.toLowerCase() === 'token') url.searchParams.set(key, '***');
  }
  return `${url.pathname}${url.search}`;
}
