/** The read-only routes of contract section 4. */
import { Router, type Request } from 'express';
import type { Incident } from '../correlate/engine';
import { worstStatus } from '../health/rollup';
import { EVENT_TYPES, type EventType } from '../model';
import type { EventFilter } from '../store/events';
import { badRequest, notFound } from './errors';
import { renderMetrics } from './metrics';
import type { ApiState } from './state';

const MAX_EVENTS = 1000;
const INCIDENT_STATES = ['open', 'closed', 'all'];

export function apiRoutes(state: ApiState): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const ready = await state.ready();
    const buffered = state.trapsBuffered?.();
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      redis: ready ? 'up' : 'down',
      ...(buffered === undefined ? {} : { trapsBuffered: buffered }),
    });
  });

  router.get('/api/v1/health', async (_req, res) => {
    res.json(await state.fleet());
  });

  router.get('/api/v1/health/:device', async (req, res) => {
    const device = knownDevice(state, req.params.device);
    const fleet = await state.fleet();
    const groups = fleet.groups.filter((group) => group.device === device);
    const sw = fleet.switches.find((s) => s.device === device);
    const statuses = [...groups.map((g) => g.status), ...(sw ? [sw.status] : [])];
    res.json({
      status: worstStatus(statuses),
      generatedAt: fleet.generatedAt,
      groups,
      ...(sw ? { switch: sw } : {}),
    });
  });

  router.get('/api/v1/health/:device/:group', async (req, res) => {
    const device = knownDevice(state, req.params.device);
    const fleet = await state.fleet();
    const group = fleet.groups.find((g) => g.device === device && g.group === req.params.group);
    if (!group) throw notFound(`device ${device} has no group "${req.params.group}"`);
    res.json(group);
  });

  router.get('/api/v1/zabbix/discovery', async (_req, res) => {
    // The kind the last poll recognised, else the configured one.
    const fleet = await state.fleet();
    res.json(
      fleet.groups.map((group) => ({
        '{#DEVICE}': group.device,
        '{#GROUP}': group.group,
        '{#KIND}': group.kind ?? 'unknown',
      })),
    );
  });

  router.get('/api/v1/events', async (req, res) => {
    res.json({ events: await state.events(eventFilter(req)) });
  });

  router.get('/api/v1/incidents', async (req, res) => {
    const wanted = queryString(req, 'state') ?? 'open';
    if (!INCIDENT_STATES.includes(wanted))
      throw badRequest(`state must be one of ${INCIDENT_STATES.join(', ')}`);
    const limit = Number(queryString(req, 'limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS)
      throw badRequest(`limit must be 1..${MAX_EVENTS}`);
    const incidents = await state.incidents(wanted as 'open' | 'closed' | 'all', limit);
    res.json({ incidents: incidents.map(publicIncident) });
  });

  router.get('/metrics', async (_req, res) => {
    const { contentType, text } = await renderMetrics(state);
    res.type(contentType).send(text);
  });

  return router;
}

function knownDevice(state: ApiState, name: string | undefined): string {
  if (name === undefined || !state.config.devices.some((device) => device.name === name)) {
    throw notFound(`unknown device "${name ?? ''}"`);
  }
  return name;
}

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once`);
  return value;
}

function eventFilter(req: Request): EventFilter {
  const filter: EventFilter = {};
  const device = queryString(req, 'device');
  const type = queryString(req, 'type');
  const since = queryString(req, 'since');
  const limit = queryString(req, 'limit');
  if (device !== undefined) filter.device = device;
  if (type !== undefined) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      throw badRequest(`type must be one of ${EVENT_TYPES.join(', ')}`);
    }
    filter.type = type as EventType;
  }
  if (since !== undefined) {
    const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (Number.isNaN(ms)) throw badRequest('since must be an ISO 8601 time or epoch milliseconds');
    filter.sinceMs = ms;
  }
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_EVENTS)
      throw badRequest(`limit must be 1..${MAX_EVENTS}`);
    filter.limit = n;
  }
  return filter;
}

/** Contract section 4's Incident, plus what the correlator knows besides. */
function publicIncident(incident: Incident) {
  const { id, state, openedAt, closedAt, device, group, cause, events, summary, failoverMs } =
    incident;
  return {
    id,
    state,
    openedAt,
    closedAt,
    device,
    group,
    cause,
    events,
    summary,
    failoverMs,
    leg: incident.leg,
    failover: incident.failover,
    activeLegDown: incident.activeLegDown,
  };
}
