/*
 * The side panel: open incidents and recent events, newest first. Entries are keyed by id and
 * kept across refreshes; one that appears after the first refresh is highlighted.
 */
import { arrange, byId, h, highlight } from './dom.js';
import { chip, clock, duration, timeAgo } from './format.js';

/** Each shown incident's and event's element by id. */
const shownIncidents = new Map();
const shownEvents = new Map();

/** `firstRender`: the page has just opened, so nothing counts as new. */
export function renderIncidents(incidents, firstRender) {
  byId('incident-count').textContent = incidents.length > 0 ? String(incidents.length) : '';
  const list = byId('incidents');
  if (incidents.length === 0) {
    shownIncidents.clear();
    list.replaceChildren(h('li', { class: 'empty good' }, 'None open'));
    return;
  }
  const items = incidents.map((incident) => {
    let li = shownIncidents.get(incident.id);
    const signature = JSON.stringify(incident);
    if (!li) {
      li = h('li', { class: 'incident' });
      shownIncidents.set(incident.id, li);
      if (!firstRender) highlight(li);
    }
    if (li.dataset.signature !== signature) {
      li.dataset.signature = signature;
      li.replaceChildren(...incidentContent(incident));
    }
    return li;
  });
  const open = new Set(incidents.map((i) => i.id));
  for (const id of [...shownIncidents.keys()]) if (!open.has(id)) shownIncidents.delete(id);
  arrange(list, items);
}

function incidentContent(incident) {
  const failover = incident.failover;
  const outcome = incident.activeLegDown
    ? chip('no failover: still on the failed leg', 'bad')
    : incident.failoverMs !== null && incident.failoverMs !== undefined
      ? chip(
          `failover ${duration(incident.failoverMs)}`,
          'good',
          failover ? `${failover.from} → ${failover.to}` : null,
        )
      : chip(incident.legWasActive === false ? 'standby leg lost' : 'no failover yet', 'muted');
  const cause = incident.cause || {};
  return [
    h(
      'div',
      { class: 'incident-head' },
      h('span', { class: 'incident-group' }, `${incident.device}/${incident.group}`),
      outcome,
    ),
    h('p', { class: 'incident-summary' }, incident.summary),
    h(
      'p',
      { class: 'incident-meta' },
      `opened ${clock(incident.openedAt)} (`,
      timeAgo(incident.openedAt),
      ')',
      cause.type
        ? ` · cause ${cause.device}${cause.interface ? ` ${cause.interface}` : ''} ${cause.type}`
        : '',
    ),
  ];
}

const EVENT_TONE = {
  'link-down': 'bad',
  'leg-down': 'bad',
  'device-unreachable': 'bad',
  'stp-new-root': 'warn',
  'stp-topology-change': 'warn',
  'stp-state': 'warn',
  'active-leg-changed': 'active',
  'link-up': 'good',
  'leg-up': 'good',
  'device-reachable': 'good',
};

export function renderEvents(events, firstRender) {
  const list = byId('events');
  if (events.length === 0) {
    shownEvents.clear();
    list.replaceChildren(h('li', { class: 'empty' }, 'No events yet'));
    return;
  }
  const items = events.map((event) => {
    let li = shownEvents.get(event.id);
    if (!li) {
      li = eventRow(event);
      shownEvents.set(event.id, li);
      if (!firstRender) highlight(li);
    }
    return li;
  });
  const listed = new Set(events.map((e) => e.id));
  for (const id of [...shownEvents.keys()]) if (!listed.has(id)) shownEvents.delete(id);
  arrange(list, items);
}

function eventRow(event) {
  const detail = eventDetail(event);
  return h(
    'li',
    { class: 'event', 'data-tone': EVENT_TONE[event.type] || 'muted' },
    h('time', { class: 'event-time', datetime: event.at, title: event.at }, clock(event.at)),
    h('span', { class: 'event-type' }, event.type),
    h('span', { class: 'event-where' }, [event.device, event.interface].filter(Boolean).join(' ')),
    detail ? h('span', { class: 'event-detail' }, detail) : null,
    h('span', { class: 'event-source', title: `seen by ${event.source}` }, event.source),
  );
}

function eventDetail(event) {
  const d = event.details || {};
  switch (event.type) {
    case 'stp-state':
      return `${d.from ?? '?'} → ${d.to ?? '?'}`;
    case 'active-leg-changed':
      return `${d.group ? `${d.group}: ` : ''}${d.from ?? 'none'} → ${d.to ?? 'none'}`;
    case 'leg-down':
    case 'leg-up':
      return d.group ? String(d.group) : '';
    case 'stp-topology-change':
      return d.topologyChanges !== undefined ? `#${d.topologyChanges}` : '';
    case 'stp-new-root':
      return d.to ? `root ${d.to}` : '';
    case 'device-unreachable':
      return d.error ? String(d.error) : '';
    case 'trap':
      return d.trapOid ? String(d.trapOid) : '';
    default:
      return '';
  }
}
