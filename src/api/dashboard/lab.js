/*
 * The demo's cable controls. Only where `GET lab/links` answers (`nicwatch demo`) does a leg row
 * whose switch port is a lab cable get a button that cuts or mends it; the card then shows the
 * effect as it shows any change, through the API on a later refresh.
 */
import { ApiError, getJson, postJson } from './api.js';
import { h } from './dom.js';

/** Set once `lab/links` answered 404: not a demo, so the page asks no more. */
let noLab = false;
/** Each lab cable by `switch port`: true while connected. */
const cables = new Map();
/** A cut (`down`) or mend (`up`) on its way, by cable. */
const changing = new Map();
/** Why the last cut or mend of a cable failed, by cable. */
const failures = new Map();
/** Counts the changes made here, so that a list read before one cannot undo it on the page. */
let changesMade = 0;

const cableKey = (switchName, port) => `${switchName} ${port}`;

/** Reads the lab's cables; a failure other than 404 is the API's, which the data requests report. */
export async function refreshLabCables() {
  if (noLab) return;
  const changesBefore = changesMade;
  try {
    const { links } = await getJson('lab/links');
    if (changesMade !== changesBefore) return;
    cables.clear();
    for (const link of links || []) cables.set(cableKey(link.switch, link.port), link.up === true);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) return;
    noLab = true;
    cables.clear();
  }
}

/** What a leg's button shows; null when the leg has none (not a demo, or no lab cable). */
export function cableStateOf(leg) {
  if (!leg.switch || !leg.port) return null;
  const key = cableKey(leg.switch, leg.port);
  const connected = cables.get(key);
  if (connected === undefined) return null;
  return { connected, changing: changing.get(key) ?? null, failure: failures.get(key) ?? null };
}

/** `onChanged`: called once the lab has cut or mended the cable (or refused to). */
export function cableButton(leg, onChanged) {
  const state = cableStateOf(leg);
  if (state === null) return null;
  const action = state.connected ? 'down' : 'up';
  const where = `${leg.switch} ${leg.port}`;
  const label = state.changing
    ? { down: 'cutting…', up: 'mending…' }[state.changing]
    : { down: 'cut cable', up: 'mend cable' }[action];
  const button = h(
    'button',
    {
      type: 'button',
      class: 'cable',
      'data-action': action,
      'data-failed': state.failure !== null,
      disabled: state.changing !== null,
      title: state.failure
        ? `the lab refused: ${state.failure}`
        : `${action === 'down' ? 'cut' : 'mend'} the lab cable at ${where}`,
    },
    label,
  );
  button.addEventListener('click', () => changeCable(leg, action, button, onChanged));
  return button;
}

async function changeCable(leg, action, button, onChanged) {
  const key = cableKey(leg.switch, leg.port);
  changing.set(key, action);
  button.disabled = true;
  button.textContent = action === 'down' ? 'cutting…' : 'mending…';
  try {
    const port = `${encodeURIComponent(leg.switch)}/${encodeURIComponent(leg.port)}`;
    await postJson(`lab/links/${port}/${action}`);
    changesMade += 1;
    cables.set(key, action === 'up');
    failures.delete(key);
  } catch (err) {
    failures.set(key, err instanceof Error ? err.message : String(err));
  } finally {
    changing.delete(key);
    onChanged();
  }
}
