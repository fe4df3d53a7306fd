/**
 * The Redis key layout; every key starts with `redis.prefix` (docs/architecture.md lists them).
 * Bull adds its own keys under `<prefix>:<queue>:*`.
 */
export interface Keys {
  /** String (JSON DevicePoll): the device's latest poll. */
  poll(device: string): string;
  /** Stream: events, newest last, capped. */
  events: string;
  /** Hash device → consecutive failed polls. */
  pollFailures: string;
  /** Hash device → epoch ms before which the device is not polled again (back-off). */
  pollNotBefore: string;
  /** String with expiry: one poll of the device at a time, across processes. */
  pollLock(device: string): string;
  /** Hash counter name → value, for metrics that cover the whole deployment. */
  counters: string;
  /** Hash `device/group` → number of failovers seen. */
  failovers: string;
  /** Hash `device/group` → JSON of the last failover. */
  lastFailover: string;
}

export function keysFor(prefix: string): Keys {
  return {
    poll: (device) => `${prefix}:state:${device}`,
    events: `${prefix}:events`,
    pollFailures: `${prefix}:poll-failures`,
    pollNotBefore: `${prefix}:poll-not-before`,
    pollLock: (device) => `${prefix}:poll-lock:${device}`,
    counters: `${prefix}:counters`,
    failovers: `${prefix}:failovers`,
    lastFailover: `${prefix}:last-failover`,
  };
}
