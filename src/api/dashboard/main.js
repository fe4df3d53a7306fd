/*
 * The nicwatch dashboard: polls the JSON API of contract section 4 every 2 s and updates the page
 * in place (keyed elements, rebuilt only when their data changed), so a wall screen never
 * flickers. When the API stops answering the last data stays, dimmed, with its age.
 * No framework, no build step: native modules, plain DOM, every text set through textContent.
 */
import { ApiError, connection, getJson, markAnswered, markFailed } from './api.js';
import { renderGroups } from './cards.js';
import { refreshTimes } from './format.js';
import { renderFreshness, renderOverall } from './header.js';
import { refreshLabCables } from './lab.js';
import { renderEvents, renderIncidents } from './lists.js';
import { renderSwitches } from './switches.js';
import { fleetRoot } from './topology.js';

const POLL_MS = 2000;
const EVENT_LIMIT = 30;

let firstRender = true;
let nextPoll = null;
let polling = false;
/** Asked for a refresh while one was running: run another straight after it. */
let pollAgain = false;

async function poll() {
  try {
    const [health, incidents, events] = await Promise.all([
      getJson('api/v1/health'),
      getJson('api/v1/incidents?state=open'),
      getJson(`api/v1/events?limit=${EVENT_LIMIT}`),
      refreshLabCables(),
    ]);
    render(health, incidents.incidents || [], events.events || []);
    markAnswered();
  } catch (err) {
    // A fault of this page is not the API's: say which (markFailed), and keep polling either way.
    if (!(err instanceof ApiError)) console.error(err);
    markFailed(err);
  }
  renderFreshness();
}

/** Polls now (or right after the poll under way), then every POLL_MS. */
async function refreshNow() {
  if (polling) {
    pollAgain = true;
    return;
  }
  clearTimeout(nextPoll);
  polling = true;
  await poll();
  polling = false;
  if (pollAgain) {
    pollAgain = false;
    refreshNow();
    return;
  }
  nextPoll = setTimeout(refreshNow, POLL_MS);
}

function render(health, incidents, events) {
  const switches = health.switches || [];
  const root = fleetRoot(switches);
  renderOverall(health);
  renderSwitches(switches, root);
  renderGroups(health.groups || [], switches, root, refreshNow);
  renderIncidents(incidents, firstRender);
  renderEvents(events, firstRender);
  refreshTimes();
  firstRender = false;
}

setInterval(() => {
  refreshTimes();
  if (connection.failure !== null) renderFreshness();
}, 1000);
refreshNow();
