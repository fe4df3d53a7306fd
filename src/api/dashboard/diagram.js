/*
 * The leg diagram of a group card: the server below, its switches above with a stub towards the
 * STP root, one line per leg. Drawn as SVG, sized by the viewBox, labels cut to fit.
 */
import { s } from './dom.js';
import { legState, rootPath } from './topology.js';

const DIAGRAM = {
  width: 280,
  height: 150,
  uplinkTop: 0,
  switchTop: 18,
  switchHeight: 28,
  serverTop: 118,
  serverHeight: 30,
};

/** The SVG of a group: `judged` is false while the server's side is not known. */
export function legDiagram(group, judged, switchByName, root) {
  const legs = group.legs || [];
  const { width, height } = DIAGRAM;
  const boxes = switchBoxesOf(legs);
  const parts = [];
  for (const [name, box] of boxes) {
    const sw = switchByName.get(name);
    const path = sw ? rootPath(sw, root) : 'unknown';
    if (sw) parts.push(uplink(box.cx, path));
    parts.push(switchBox(name, box, sw, path));
  }
  legs.forEach((leg, index) => {
    const sw = switchByName.get(leg.switch);
    const state = legState(leg, judged);
    const isolated = state === 'ok' && sw !== undefined && rootPath(sw, root) === 'lost';
    const { top, bottom } = legEnds(leg, index, legs.length, boxes.get(switchKey(leg)));
    parts.push(legLine(leg, isolated ? 'isolated' : state, top, bottom));
  });
  parts.push(serverBox(group, legs.length));
  return s(
    'svg',
    {
      class: 'diagram',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `${group.device} ${group.group}: ${legs.map((l) => `${l.interface} ${legState(l, judged)}${l.active ? ' active' : ''}`).join(', ')}`,
    },
    parts,
  );
}

/** A leg with no switch configured gets a box of its own. */
function switchKey(leg) {
  return leg.switch ?? `?${leg.interface}`;
}

/** One box per switch the legs end on, side by side in the order the legs name them. */
function switchBoxesOf(legs) {
  const names = [...new Set(legs.map(switchKey))];
  const slot = DIAGRAM.width / Math.max(names.length, 1);
  const boxWidth = Math.min(slot - 14, names.length === 1 ? 160 : 120);
  const boxes = new Map(
    names.map((name, i) => [name, { cx: slot * (i + 0.5), width: boxWidth, legs: [] }]),
  );
  legs.forEach((leg) => boxes.get(switchKey(leg)).legs.push(leg));
  return boxes;
}

function serverWidthFor(legCount) {
  return Math.min(DIAGRAM.width - 20, Math.max(160, legCount * 70));
}

/** Where a leg's line starts under its switch box and ends on the server box. */
function legEnds(leg, index, legCount, box) {
  const { width, switchTop, switchHeight, serverTop } = DIAGRAM;
  const at = box.legs.indexOf(leg);
  const spread = box.legs.length > 1 ? Math.min(60, (box.width - 24) / (box.legs.length - 1)) : 0;
  const serverStep =
    legCount > 1 ? Math.min(70, (serverWidthFor(legCount) - 30) / (legCount - 1)) : 0;
  return {
    top: { x: box.cx + (at - (box.legs.length - 1) / 2) * spread, y: switchTop + switchHeight },
    bottom: { x: width / 2 + (index - (legCount - 1) / 2) * serverStep, y: serverTop },
  };
}

function serverBox(group, legCount) {
  const { width, serverTop, serverHeight } = DIAGRAM;
  const serverWidth = serverWidthFor(legCount);
  return s(
    'g',
    { class: 'srv-box', 'data-status': group.status },
    s('rect', {
      x: (width - serverWidth) / 2,
      y: serverTop,
      width: serverWidth,
      height: serverHeight,
      rx: 5,
    }),
    s(
      'text',
      { x: width / 2, y: serverTop + serverHeight / 2 + 4, class: 'srv-label' },
      fit(`${group.device} ${group.group}`, serverWidth - 10),
    ),
  );
}

/** A leg's switch; a leg with no switch configured gets a box of its own named `?`. */
function switchBox(name, box, sw, path) {
  const { switchTop, switchHeight } = DIAGRAM;
  return s(
    'g',
    { class: 'sw-box', 'data-path': path, 'data-status': sw ? sw.status : 'UNKNOWN' },
    s(
      'title',
      null,
      sw ? `${name}: ${sw.status}, ${pathTitle(path)}` : 'no switch configured for this leg',
    ),
    s('rect', {
      x: box.cx - box.width / 2,
      y: switchTop,
      width: box.width,
      height: switchHeight,
      rx: 5,
    }),
    s(
      'text',
      { x: box.cx, y: switchTop + switchHeight / 2 + 4, class: 'sw-label' },
      sw || !name.startsWith('?') ? fit(name, box.width - 8) : '?',
    ),
  );
}

/** Cuts a label to what fits `widthPx` at the diagram's font size. */
function fit(text, widthPx) {
  const chars = Math.max(3, Math.floor(widthPx / 8.2));
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

function pathTitle(path) {
  return {
    root: 'the STP root',
    ok: 'has a path to the STP root',
    lost: 'upstream lost: no path to the STP root',
    unknown: 'path to the STP root unknown',
  }[path];
}

/** A stub above a switch towards the core: its path to the STP root. */
function uplink(cx, path) {
  const { uplinkTop, switchTop } = DIAGRAM;
  const line = s('line', {
    class: 'uplink',
    'data-path': path,
    x1: cx,
    y1: uplinkTop,
    x2: cx,
    y2: switchTop,
  });
  if (path !== 'lost') return line;
  const mid = (uplinkTop + switchTop) / 2;
  return s('g', null, line, cross(cx, mid, 5, 'uplink-cross'));
}

function cross(x, y, r, cls) {
  return s('path', {
    class: cls,
    d: `M${x - r} ${y - r}L${x + r} ${y + r}M${x + r} ${y - r}L${x - r} ${y + r}`,
  });
}

function legLine(leg, state, top, bottom) {
  const mid = { x: (top.x + bottom.x) / 2, y: (top.y + bottom.y) / 2 };
  const parts = [
    s('title', null, legTitle(leg, state)),
    s('line', { class: 'leg-line', x1: top.x, y1: top.y, x2: bottom.x, y2: bottom.y }),
  ];
  if (state === 'broken') parts.push(cross(mid.x, mid.y, 6, 'leg-cross'));
  if (state === 'blocked')
    parts.push(s('text', { class: 'leg-note', x: mid.x, y: mid.y + 3 }, leg.stpState));
  if (leg.port) parts.push(s('text', { class: 'port-label', x: top.x, y: top.y + 13 }, leg.port));
  parts.push(s('text', { class: 'if-label', x: bottom.x, y: bottom.y - 6 }, leg.interface));
  return s(
    'g',
    { class: 'leg-path', 'data-state': state, 'data-role': leg.active ? 'active' : 'standby' },
    parts,
  );
}

function legTitle(leg, state) {
  const port = leg.switch ? `${leg.switch} ${leg.port ?? '?'}` : 'no switch configured';
  const facts = [
    leg.up ? 'NIC up' : 'NIC down',
    leg.portUp === null ? 'port unknown' : leg.portUp ? 'port up' : 'port down',
    leg.stpState ? `STP ${leg.stpState}` : null,
    leg.edge === null ? null : leg.edge ? 'edge port' : 'not an edge port',
  ].filter(Boolean);
  return `${leg.interface} → ${port}: ${leg.active ? 'active, ' : ''}${state}; ${facts.join(', ')}`;
}
