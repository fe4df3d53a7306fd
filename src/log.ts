/** JSON-line logging (pino) for the daemon roles; the level comes from NICWATCH_LOG_LEVEL. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.NICWATCH_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never a secret in a log line, whatever object gets logged.
    redact: ['*.community', '*.authKey', '*.privKey', '*.password', '*.token', 'config.redis.url'],
  });
}
