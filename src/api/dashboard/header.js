/* The top bar: the fleet's status, the groups by status, and how fresh the data is. */
import { connection } from './api.js';
import { byId, h, SVG_NS } from './dom.js';
import { ago, clock } from './format.js';

const STATUS_COLOUR = {
  CRITICAL: '#e5534b',
  WARNING: '#d4a72c',
  UNKNOWN: '#8b949e',
  OK: '#3fb950',
};

/** The status shown in the title and favicon, so they change only when it does. */
let shownStatus = null;

export function renderOverall(health) {
  const status = health.status || 'UNKNOWN';
  const groups = health.groups || [];
  document.body.dataset.status = status;
  const overall = byId('overall');
  overall.dataset.status = status;
  overall.textContent = status;
  const counts = ['CRITICAL', 'WARNING', 'UNKNOWN', 'OK']
    .map((st) => [st, groups.filter((g) => g.status === st).length])
    .filter(([, n]) => n > 0);
  byId('tally').replaceChildren(
    ...counts.map(([st, n]) =>
      h(
        'li',
        { 'data-status': st },
        h('span', { class: 'dot' }),
        h('strong', null, n),
        ` ${st.toLowerCase()}`,
      ),
    ),
    h('li', { class: 'of' }, `${groups.length} groups`),
  );
  if (shownStatus !== status) {
    shownStatus = status;
    document.title = `${status} · nicwatch`;
    byId('favicon').setAttribute('href', faviconOf(status));
  }
}

function faviconOf(status) {
  const svg =
    `<svg xmlns="${SVG_NS}" viewBox="0 0 16 16">` +
    `<circle cx="8" cy="8" r="7" fill="${STATUS_COLOUR[status] || STATUS_COLOUR.UNKNOWN}"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** `live · updated HH:MM:SS`, or why the data is stale and how old it is. */
export function renderFreshness() {
  const el = byId('freshness');
  const { lastOkAt, failingSince, failure } = connection;
  const failing = failure !== null;
  document.body.classList.toggle('stale', failing && lastOkAt !== null);
  el.classList.toggle('bad', failing);
  if (!failing) {
    el.replaceChildren(
      h('span', { class: 'live-dot' }),
      `live · updated ${clock(new Date(lastOkAt).toISOString())}`,
    );
    return;
  }
  const since = clock(new Date(failingSince).toISOString());
  const age =
    lastOkAt === null
      ? 'no data yet'
      : `showing data from ${clock(new Date(lastOkAt).toISOString())} ` +
        `(${ago(new Date(lastOkAt).toISOString(), Date.now()).replace(' ago', ' old')})`;
  el.replaceChildren(`STALE · ${failureText(failure)} since ${since} · ${age}`);
}

function failureText(err) {
  if (err.status === 401) return 'the API wants a token: open this page as /?token=<api.token>';
  if (err.status === -1) return `this page cannot draw the answer (${err.message})`;
  if (err.status) return `API answered ${err.status}: ${err.message}`;
  return `API ${err.message}`;
}
