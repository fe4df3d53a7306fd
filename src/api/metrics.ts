/**
 * `/metrics`: Prometheus text built per scrape from Redis, so that it covers the whole
 * deployment whichever process did the work (contract section 4). Units in base units (seconds).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { packageVersion } from '../version';
import { STATUS_CODE } from '../model';
import type { ApiState } from './state';

/** `dropped`: accepted by the receiver but beyond the memory bound while Redis was away. */
const TRAP_RESULTS = ['accepted', 'rejected', 'malformed', 'dropped'] as const;
const EVENT_SOURCES = ['trap', 'poll', 'netconf'] as const;

export async function renderMetrics(
  state: ApiState,
): Promise<{ contentType: string; text: string }> {
  const [fleet, polls, counters, waiting] = await Promise.all([
    state.fleet(),
    state.polls(),
    state.counters(),
    state.queueWaiting(),
  ]);
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });

  const status = gauge(
    'nicwatch_group_status',
    'Group health: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    ['device', 'group'],
  );
  const legsUp = gauge('nicwatch_group_legs_up', 'Legs of the group that can carry traffic', [
    'device',
    'group',
  ]);
  const legsTotal = gauge('nicwatch_group_legs', 'Legs of the group, configured or reported', [
    'device',
    'group',
  ]);
  const failovers = counter('nicwatch_group_failovers_total', 'Active-leg changes seen', [
    'device',
    'group',
  ]);
  // One series per reason the group has now, so that alerts can say why (`group_left(code)`).
  const groupReason = gauge(
    'nicwatch_group_reason',
    'Reason codes of the group health (contract section 5), 1 for each the group has now',
    ['device', 'group', 'code'],
  );
  for (const group of fleet.groups) {
    const labels = { device: group.device, group: group.group };
    status.set(labels, STATUS_CODE[group.status]);
    legsUp.set(labels, group.legsUp);
    legsTotal.set(labels, group.legsTotal);
    failovers.inc(labels, group.failovers);
    for (const reason of group.reasons) groupReason.set({ ...labels, code: reason.code }, 1);
  }
  const switchStatus = gauge(
    'nicwatch_switch_status',
    'Switch health: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    ['device'],
  );
  const switchReason = gauge(
    'nicwatch_switch_reason',
    'Reason codes of the switch health, 1 for each the switch has now',
    ['device', 'code'],
  );
  for (const sw of fleet.switches) {
    switchStatus.set({ device: sw.device }, STATUS_CODE[sw.status]);
    for (const reason of sw.reasons) switchReason.set({ device: sw.device, code: reason.code }, 1);
  }

  const up = gauge('nicwatch_device_up', '1 when the device answered its last poll', ['device']);
  const duration = gauge('nicwatch_poll_duration_seconds', "Duration of the device's last poll", [
    'device',
  ]);
  for (const poll of polls.values()) {
    up.set({ device: poll.device }, poll.ok ? 1 : 0);
    duration.set({ device: poll.device }, poll.durationMs / 1000);
  }
  const pollsTotal = counter('nicwatch_polls_total', 'Device polls by result', ['result']);
  pollsTotal.inc({ result: 'ok' }, counters['polls:ok'] ?? 0);
  pollsTotal.inc({ result: 'failed' }, counters['polls:failed'] ?? 0);

  const traps = counter('nicwatch_traps_received_total', 'Trap datagrams by result', ['result']);
  for (const result of TRAP_RESULTS) traps.inc({ result }, counters[`traps:${result}`] ?? 0);
  const processed = counter('nicwatch_events_processed_total', 'Events fully processed', [
    'source',
  ]);
  for (const source of EVENT_SOURCES)
    processed.inc({ source }, counters[`events-processed:${source}`] ?? 0);

  gauge('nicwatch_build_info', 'Always 1; the version of nicwatch serving these metrics', [
    'version',
  ]).set({ version: packageVersion() }, 1);

  const queued = gauge('nicwatch_queue_waiting', 'Jobs waiting in the queues');
  queued.set(Object.values(waiting).reduce((sum, n) => sum + n, 0));
  return { contentType: registry.contentType, text: await registry.metrics() };
}
