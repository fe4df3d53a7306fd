/*
 * Requests to the JSON API, and whether it is answering. A token the page was opened with
 * (`/?token=...`) goes on every request as a bearer header.
 */

/** A request slower than this counts as no answer. */
const TIMEOUT_MS = 5000;

const token = new URLSearchParams(window.location.search).get('token');
const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};

/** `status` is the HTTP status; 0 when the API did not answer, -1 for a fault of this page. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function getJson(path) {
  return request(path, { method: 'GET', cache: 'no-store' });
}

export function postJson(path) {
  return request(path, { method: 'POST' });
}

async function request(path, init) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(path, { ...init, headers: authHeaders, signal: abort.signal });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (body && body.error && body.error.message) || response.statusText;
      throw new ApiError(response.status, message);
    }
    return body;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, abort.signal.aborted ? 'no answer within 5 s' : 'not reachable');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the page's data is fresh: when the API last answered, and since when and why it has
 * not. While it fails, the page keeps the last data, marked stale.
 */
export const connection = { lastOkAt: null, failingSince: null, failure: null };

export function markAnswered() {
  connection.lastOkAt = Date.now();
  connection.failingSince = null;
  connection.failure = null;
}

export function markFailed(err) {
  connection.failure = err instanceof ApiError ? err : new ApiError(-1, String(err));
  if (connection.failingSince === null) connection.failingSince = Date.now();
}
