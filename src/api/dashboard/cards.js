/*
 * The group cards, worst first: status, reasons, the leg diagram and one row per leg. A card is
 * rebuilt only when its data changed, and glows when its status did.
 */
import { arrange, byId, h, highlight } from './dom.js';
import { legDiagram } from './diagram.js';
import { badge, chip, duration, timeAgo } from './format.js';
import { cableButton, cableStateOf } from './lab.js';
import { isJudged, legState } from './topology.js';

const STATUS_RANK = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, OK: 3 };

/** Each card's element by `device/group`. */
const shown = new Map();

function byStatusThenName(a, b) {
  return (
    (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) ||
    a.device.localeCompare(b.device) ||
    a.group.localeCompare(b.group)
  );
}

/** `onCableChanged`: called once a demo cable button has cut or mended a cable. */
export function renderGroups(groups, switches, root, onCableChanged) {
  const switchByName = new Map(switches.map((sw) => [sw.device, sw]));
  const seen = new Set();
  const items = [...groups].sort(byStatusThenName).map((group) => {
    const key = `${group.device}/${group.group}`;
    seen.add(key);
    let li = shown.get(key);
    if (!li) {
      li = h('li', { class: 'card', 'data-group': key });
      shown.set(key, li);
    }
    const legs = group.legs || [];
    const legSwitches = legs.map((leg) => switchByName.get(leg.switch));
    const cables = legs.map(cableStateOf);
    const signature = JSON.stringify([{ ...group, updatedAt: null }, legSwitches, root, cables]);
    if (li.dataset.signature !== signature) {
      const statusChanged = li.dataset.status !== undefined && li.dataset.status !== group.status;
      li.dataset.signature = signature;
      li.dataset.status = group.status;
      li.replaceChildren(...cardContent(group, switchByName, root, onCableChanged));
      if (statusChanged) highlight(li);
    }
    const updated = li.querySelector('.card-updated');
    if (updated && group.updatedAt) updated.replaceChildren(timeAgo(group.updatedAt, 'polled '));
    return li;
  });
  for (const key of [...shown.keys()]) if (!seen.has(key)) shown.delete(key);
  const list = byId('groups');
  if (items.length === 0) list.replaceChildren(h('li', { class: 'empty' }, 'No groups configured'));
  else arrange(list, items);
}

function cardContent(group, switchByName, root, onCableChanged) {
  const legs = group.legs || [];
  const meta = [group.kind, group.mode].filter(Boolean).join(' · ') || 'kind unknown';
  const failover = group.lastFailover;
  const problems = (group.reasons || []).filter((r) => r.code !== 'all-legs-up');
  const judged = isJudged(group);
  return [
    h(
      'div',
      { class: 'card-head' },
      h(
        'h3',
        { class: 'card-title' },
        h('span', { class: 'device' }, group.device),
        h('span', { class: 'group' }, `/${group.group}`),
      ),
      badge(group.status),
    ),
    h(
      'p',
      { class: 'card-meta' },
      h('span', null, meta),
      h('span', null, `${group.legsUp}/${group.legsTotal} legs up`),
      group.failovers > 0
        ? h(
            'span',
            {
              title: failover
                ? `last: ${failover.from} → ${failover.to} at ${failover.at}` +
                  (failover.detectionMs !== null
                    ? `, detected in ${duration(failover.detectionMs)}`
                    : '')
                : null,
            },
            `${group.failovers} failover${group.failovers === 1 ? '' : 's'}`,
          )
        : null,
    ),
    problems.length > 0
      ? h(
          'ul',
          { class: 'reasons' },
          problems.map((r) =>
            h(
              'li',
              { 'data-status': r.status },
              h('span', { class: 'reason-code' }, r.code),
              ' ',
              h('span', { class: 'reason-text' }, r.message),
            ),
          ),
        )
      : h('p', { class: 'reasons-ok' }, 'every leg up at both ends'),
    legDiagram(group, judged, switchByName, root),
    h(
      'ul',
      { class: 'legs' },
      legs.map((leg) => legRow(leg, judged, onCableChanged)),
    ),
    h('p', { class: 'card-updated' }),
  ];
}

function legRow(leg, judged, onCableChanged) {
  const state = legState(leg, judged);
  const where = leg.switch ? `${leg.switch} ${leg.port ?? '?'}` : 'no switch configured';
  const role = leg.active
    ? chip('active', 'active', 'the group sends through this leg')
    : judged && leg.up
      ? chip('standby', 'muted')
      : null;
  return h(
    'li',
    { class: 'leg', 'data-state': state },
    h('span', { class: 'leg-if' }, leg.interface),
    h(
      'span',
      { class: 'leg-port' },
      h('span', { class: 'leg-arrow', 'aria-hidden': 'true' }, '→ '),
      where,
    ),
    h('span', { class: 'leg-role' }, role),
    h(
      'span',
      { class: 'leg-chips' },
      linkChip(leg, judged),
      leg.stpState
        ? chip(
            leg.stpState,
            leg.stpState === 'forwarding' ? 'good' : 'warn',
            'STP state of the switch port',
          )
        : chip('stp ?', 'muted', 'STP state of the switch port unknown'),
      leg.edge === null
        ? null
        : chip(
            leg.edge ? 'edge' : 'not edge',
            leg.edge ? 'good' : 'warn',
            'STP edge (PortFast) port',
          ),
      cableButton(leg, onCableChanged),
    ),
  );
}

/** One chip for both ends of the cable: the server's NIC and the switch port. */
function linkChip(leg, judged) {
  const nic = judged ? (leg.up ? 'up' : 'down') : '?';
  const port = leg.portUp === null ? '?' : leg.portUp ? 'up' : 'down';
  const title = `NIC ${nic}, switch port ${port}`;
  if (nic === 'down' && port === 'down') return chip('link down', 'bad', title);
  if (nic === 'down') return chip('nic down', 'bad', title);
  if (port === 'down') return chip('port down', 'bad', title);
  if (nic === 'up' && port === 'up') return chip('link up', 'good', title);
  return chip(`nic ${nic} · port ${port}`, 'muted', title);
}
