/* The strip of switches under the top bar: reachability, path to the STP root, topology changes. */
import { arrange, byId, h, highlight } from './dom.js';
import { badge, chip, timeAgo } from './format.js';
import { rootPath } from './topology.js';

/** Each switch's element by name, kept across refreshes and rebuilt only when its data changed. */
const shown = new Map();
/** The topology change count each switch had at the last refresh. */
const topologyChanges = new Map();

export function renderSwitches(switches, root) {
  const items = switches.map((sw) => {
    let li = shown.get(sw.device);
    const signature = JSON.stringify([sw, root]);
    if (!li) {
      li = h('li', { class: 'switch', 'data-switch': sw.device });
      shown.set(sw.device, li);
    }
    if (li.dataset.signature !== signature) {
      const changedTopology = topologyChanged(sw);
      li.dataset.signature = signature;
      li.dataset.status = sw.status;
      li.replaceChildren(...switchContent(sw, root));
      if (changedTopology) highlight(li);
    }
    return li;
  });
  const names = new Set(switches.map((sw) => sw.device));
  for (const name of [...shown.keys()]) {
    if (names.has(name)) continue;
    shown.delete(name);
    topologyChanges.delete(name);
  }
  const list = byId('switches');
  if (items.length === 0)
    list.replaceChildren(h('li', { class: 'empty' }, 'No switches configured'));
  else arrange(list, items);
}

/** Whether the switch counted a topology change since the last refresh. */
function topologyChanged(sw) {
  const before = topologyChanges.get(sw.device);
  topologyChanges.set(sw.device, sw.topologyChanges);
  // Nothing to compare with on the first refresh.
  return (
    typeof before === 'number' &&
    typeof sw.topologyChanges === 'number' &&
    sw.topologyChanges > before
  );
}

function switchContent(sw, root) {
  const path = rootPath(sw, root);
  const pathText = {
    root: ['STP root', 'good'],
    ok: ['path to root', 'good'],
    lost: ['upstream lost', 'bad'],
    unknown: ['root unknown', 'muted'],
  }[path];
  const ports = sw.ports || [];
  const portsUp = ports.filter((p) => p.up === true).length;
  return [
    h(
      'div',
      { class: 'switch-head' },
      h('span', { class: 'switch-name' }, sw.device),
      badge(sw.status),
    ),
    h(
      'div',
      { class: 'switch-facts' },
      chip(sw.reachable ? 'reachable' : 'unreachable', sw.reachable ? 'good' : 'bad'),
      chip(
        pathText[0],
        pathText[1],
        path === 'lost'
          ? `sees root ${sw.designatedRoot}, the fleet's root is ${root}`
          : sw.designatedRoot
            ? `designated root ${sw.designatedRoot}`
            : 'no STP data',
      ),
      ports.length > 0 ? chip(`${portsUp}/${ports.length} ports up`, 'muted') : null,
    ),
    h(
      'div',
      { class: 'switch-tc' },
      `topology changes ${sw.topologyChanges ?? '—'}`,
      sw.lastTopologyChange && sw.topologyChanges > 0
        ? [' · last ', timeAgo(sw.lastTopologyChange)]
        : null,
    ),
  ];
}
