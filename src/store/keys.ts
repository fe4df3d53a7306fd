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
  /** String (JSON GroupCorrelation): the correlator's view of one group. */
  correlation(group: string): string;
  /** String with expiry: one worker applying events to the group at a time. */
  correlationLock(group: string): string;
  /** String (JSON Incident). */
  incident(id: string): string;
  /** Sorted set of incident ids by opening time (epoch ms), and the set of the open ones. */
  incidents: string;
  openIncidents: string;
  /** String with expiry: a trap stored (`s:<stream id>`) or finished (`d:<stream id>`), so a retried job does neither twice. */
  seenTrap(trapId: string): string;
  /** List (newest first, capped) of receipt → health-update latencies in ms, sampled. */
  trapLatency: string;
  /** Hash `device/group` → number of failovers seen. */
  failovers: string;
  /** Hash `device/group` → JSON of the last failover. */
  lastFailover: string;
}

export function keysFor(prefix: string): Keys {
  return {
    poll: (device) => `${prefix}:state:${device}`,
    events: `${prefix}:event-stream`,
    pollFailures: `${prefix}:poll-failures`,
    pollNotBefore: `${prefix}:poll-not-before`,
    pollLock: (device) => `${prefix}:poll-lock:${device}`,
    counters: `${prefix}:counters`,
    correlation: (group) => `${prefix}:corr:${group}`,
    correlationLock: (group) => `${prefix}:corr-lock:${group}`,
    incident: (id) => `${prefix}:incident:${id}`,
    incidents: `${prefix}:incidents`,
    openIncidents: `${prefix}:incidents-open`,
    seenTrap: (trapId) => `${prefix}:seen-trap:${trapId}`,
    trapLatency: `${prefix}:trap-latency-ms`,
    failovers: `${prefix}:failovers`,
    lastFailover: `${prefix}:last-failover`,
  };
}
