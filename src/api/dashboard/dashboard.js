/*
 * The nicwatch dashboard: polls the JSON API of contract section 4 every 2 s and updates the page
 * in place (keyed elements, rebuilt only when their data changed), so a wall screen never
 * flickers. When the API stops answering the last data stays, dimmed, with its age.
 * No framework, no build step: plain DOM, every text set through textContent.
 */
(() => {
  'use strict';

  const POLL_MS = 2000;
  /** A request slower than this counts as no answer. */
  const TIMEOUT_MS = 5000;
  const EVENT_LIMIT = 30;
  /** How long a card or event stays highlighted after it changed. */
  const HIGHLIGHT_MS = 8000;
  const STATUS_RANK = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, OK: 3 };
  const STATUS_COLOUR = {
    CRITICAL: '#e5534b',
    WARNING: '#d4a72c',
    UNKNOWN: '#8b949e',
    OK: '#3fb950',
  };
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // A token the page was opened with (`/?token=...`) goes on every fetch as a bearer header.
  const token = new URLSearchParams(window.location.search).get('token');
  const requestHeaders = token ? { Authorization: `Bearer ${token}` } : {};

  const view = {
    lastOkAt: null,
    failingSince: null,
    failure: null,
    status: null,
    groups: new Map(),
    switches: new Map(),
    incidents: new Map(),
    events: new Map(),
    topologyChanges: new Map(),
    firstRender: true,
  };

  const $ = (id) => document.getElementById(id);

  // ---------- DOM helpers ----------

  function h(tag, attrs, ...children) {
    return fill(document.createElement(tag), attrs, children);
  }

  function s(tag, attrs, ...children) {
    return fill(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  function fill(el, attrs, children) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.setAttribute('class', value);
      else el.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** Puts `items` (elements) into `list` in this order, moving only those out of place. */
  function arrange(list, items) {
    items.forEach((item, index) => {
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
    });
    while (list.children.length > items.length) list.lastElementChild.remove();
  }

  function highlight(el) {
    el.classList.remove('changed');
    void el.offsetWidth; // restart the animation
    el.classList.add('changed');
    setTimeout(() => el.classList.remove('changed'), HIGHLIGHT_MS);
  }

  // ---------- formatting ----------

  function clock(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '—';
    return date.toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }

  function ago(iso, now) {
    const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (Number.isNaN(seconds)) return '';
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
    return `${Math.floor(seconds / 86400)} d ago`;
  }

  /** A time that keeps saying how long ago it was (see refreshTimes). */
  function timeAgo(iso, prefix) {
    return h('time', {
      datetime: iso,
      'data-ago': iso,
      'data-prefix': prefix || '',
      title: new Date(iso).toString(),
    });
  }

  function refreshTimes() {
    const now = Date.now();
    for (const el of document.querySelectorAll('time[data-ago]')) {
      const text = `${el.dataset.prefix}${ago(el.dataset.ago, now)}`;
      if (el.textContent !== text) el.textContent = text;
    }
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return null;
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  }

  function badge(status, big) {
    return h('span', { class: big ? 'badge badge-big' : 'badge', 'data-status': status }, status);
  }

  function chip(text, tone, title) {
    return h('span', { class: 'chip', 'data-tone': tone, title }, text);
  }

  // ---------- fetching ----------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJson(path) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(path, {
        headers: requestHeaders,
        signal: abort.signal,
        cache: 'no-store',
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const message = (body && body.error && body.error.message) || response.statusText;
        throw new ApiError(response.status, message);
      }
      return body;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, abort.signal.aborted ? 'no answer within 5 s' : 'not reachable');
    } finally {
      clearTimeout(timer);
    }
  }

  async function poll() {
    try {
      const [health, incidents, events] = await Promise.all([
        getJson('api/v1/health'),
        getJson('api/v1/incidents?state=open'),
        getJson(`api/v1/events?limit=${EVENT_LIMIT}`),
      ]);
      render(health, incidents.incidents || [], events.events || []);
      view.lastOkAt = Date.now();
      view.failingSince = null;
      view.failure = null;
    } catch (err) {
      // A fault of this page is not the API's: say which, and keep polling either way.
      if (!(err instanceof ApiError)) console.error(err);
      view.failure = err instanceof ApiError ? err : new ApiError(-1, String(err));
      if (view.failingSince === null) view.failingSince = Date.now();
    }
    renderFreshness();
    setTimeout(poll, POLL_MS);
  }

  // ---------- rendering ----------

  function render(health, incidents, events) {
    const switches = health.switches || [];
    const root = fleetRoot(switches);
    renderOverall(health);
    renderSwitches(switches, root);
    renderGroups(health.groups || [], switches, root);
    renderIncidents(incidents);
    renderEvents(events);
    refreshTimes();
    view.firstRender = false;
  }

  function renderOverall(health) {
    const status = health.status || 'UNKNOWN';
    const groups = health.groups || [];
    document.body.dataset.status = status;
    const overall = $('overall');
    overall.dataset.status = status;
    overall.textContent = status;
    const counts = ['CRITICAL', 'WARNING', 'UNKNOWN', 'OK']
      .map((st) => [st, groups.filter((g) => g.status === st).length])
      .filter(([, n]) => n > 0);
    $('tally').replaceChildren(
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
    if (view.status !== status) {
      view.status = status;
      document.title = `${status} · nicwatch`;
      $('favicon').setAttribute('href', faviconOf(status));
    }
  }

  function faviconOf(status) {
    const svg =
      `<svg xmlns="${SVG_NS}" viewBox="0 0 16 16">` +
      `<circle cx="8" cy="8" r="7" fill="${STATUS_COLOUR[status] || STATUS_COLOUR.UNKNOWN}"/></svg>`;
    return `data:image/svg+xml,${encodeURIComponent(svg)}`;
  }

  function renderFreshness() {
    const el = $('freshness');
    const failing = view.failure !== null;
    document.body.classList.toggle('stale', failing && view.lastOkAt !== null);
    el.classList.toggle('bad', failing);
    if (!failing) {
      el.replaceChildren(
        h('span', { class: 'live-dot' }),
        `live · updated ${clock(new Date(view.lastOkAt).toISOString())}`,
      );
      return;
    }
    const err = view.failure;
    const why =
      err.status === 401
        ? 'the API wants a token: open this page as /?token=<api.token>'
        : err.status === -1
          ? `this page cannot draw the answer (${err.message})`
          : err.status
            ? `API answered ${err.status}: ${err.message}`
            : `API ${err.message}`;
    const since = clock(new Date(view.failingSince).toISOString());
    const age =
      view.lastOkAt === null
        ? 'no data yet'
        : `showing data from ${clock(new Date(view.lastOkAt).toISOString())} ` +
          `(${ago(new Date(view.lastOkAt).toISOString(), Date.now()).replace(' ago', ' old')})`;
    el.replaceChildren(`STALE · ${why} since ${since} · ${age}`);
  }

  /** The fleet's STP root, as nicwatch judges it: the lowest designated root a switch reports. */
  function fleetRoot(switches) {
    let root = null;
    for (const sw of switches) {
      const candidate = sw.reachable ? sw.designatedRoot : null;
      if (candidate && (root === null || candidate < root)) root = candidate;
    }
    return root;
  }

  /** `root`, `ok` (has a path to the root), `lost` (names another root) or `unknown`. */
  function rootPath(sw, root) {
    if (!sw || !sw.reachable || !sw.designatedRoot || root === null) return 'unknown';
    if (sw.designatedRoot !== root) return 'lost';
    if (sw.bridgeId && sw.bridgeId === root) return 'root';
    return 'ok';
  }

  // ----- switches strip -----

  function renderSwitches(switches, root) {
    const items = switches.map((sw) => {
      let li = view.switches.get(sw.device);
      const signature = JSON.stringify([sw, root]);
      if (!li) {
        li = h('li', { class: 'switch', 'data-switch': sw.device });
        view.switches.set(sw.device, li);
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
    for (const name of [...view.switches.keys()]) if (!names.has(name)) view.switches.delete(name);
    const list = $('switches');
    if (items.length === 0)
      list.replaceChildren(h('li', { class: 'empty' }, 'No switches configured'));
    else arrange(list, items);
  }

  function topologyChanged(sw) {
    const before = view.topologyChanges.get(sw.device);
    view.topologyChanges.set(sw.device, sw.topologyChanges);
    return (
      !view.firstRender &&
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

  // ----- groups -----

  function byStatusThenName(a, b) {
    return (
      (STATUS_RANK[a.status] ?? 9) - (STATUS_RANK[b.status] ?? 9) ||
      a.device.localeCompare(b.device) ||
      a.group.localeCompare(b.group)
    );
  }

  function renderGroups(groups, switches, root) {
    const switchByName = new Map(switches.map((sw) => [sw.device, sw]));
    const seen = new Set();
    const items = [...groups].sort(byStatusThenName).map((group) => {
      const key = `${group.device}/${group.group}`;
      seen.add(key);
      let li = view.groups.get(key);
      if (!li) {
        li = h('li', { class: 'card', 'data-group': key });
        view.groups.set(key, li);
      }
      const legSwitches = (group.legs || []).map((leg) => switchByName.get(leg.switch));
      const signature = JSON.stringify([{ ...group, updatedAt: null }, legSwitches, root]);
      if (li.dataset.signature !== signature) {
        const statusChanged = li.dataset.status !== undefined && li.dataset.status !== group.status;
        li.dataset.signature = signature;
        li.dataset.status = group.status;
        li.replaceChildren(...cardContent(group, switchByName, root));
        if (statusChanged) highlight(li);
      }
      const updated = li.querySelector('.card-updated');
      if (updated && group.updatedAt) updated.replaceChildren(timeAgo(group.updatedAt, 'polled '));
      return li;
    });
    for (const key of [...view.groups.keys()]) if (!seen.has(key)) view.groups.delete(key);
    const list = $('groups');
    if (items.length === 0)
      list.replaceChildren(h('li', { class: 'empty' }, 'No groups configured'));
    else arrange(list, items);
  }

  function cardContent(group, switchByName, root) {
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
        legs.map((leg) => legRow(leg, judged)),
      ),
      h('p', { class: 'card-updated' }),
    ];
  }

  /** Reasons that mean the server's side of the group is not known now. */
  const UNJUDGED = new Set(['stale', 'device-unreachable']);

  function isJudged(group) {
    return !(group.reasons || []).some((r) => UNJUDGED.has(r.code));
  }

  /**
   * How a leg is drawn: `broken` (NIC or port down), `blocked` (up, port not forwarding),
   * `unknown` (a side of it is not known), else `ok`; its role (active or standby) sets the weight.
   */
  function legState(leg, judged) {
    if (!judged) return 'unknown';
    if (!leg.up || leg.portUp === false) return 'broken';
    if (leg.stpState && leg.stpState !== 'forwarding') return 'blocked';
    if (leg.portUp === null) return 'unknown';
    return 'ok';
  }

  function legRow(leg, judged) {
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

  // ----- the leg diagram: server below, its switches above, one line per leg -----

  const DIAGRAM = {
    width: 280,
    height: 150,
    uplinkTop: 0,
    switchTop: 18,
    switchHeight: 28,
    serverTop: 118,
    serverHeight: 30,
  };

  function legDiagram(group, judged, switchByName, root) {
    const legs = group.legs || [];
    const { width, height, switchTop, switchHeight, serverTop, serverHeight } = DIAGRAM;
    const names = [];
    for (const leg of legs) {
      const name = leg.switch ?? `?${leg.interface}`;
      if (!names.includes(name)) names.push(name);
    }
    const slot = width / Math.max(names.length, 1);
    const boxWidth = Math.min(slot - 14, names.length === 1 ? 160 : 120);
    const boxes = new Map(
      names.map((name, i) => [name, { cx: slot * (i + 0.5), width: boxWidth, legs: [] }]),
    );
    legs.forEach((leg) => boxes.get(leg.switch ?? `?${leg.interface}`).legs.push(leg));

    const serverWidth = Math.min(width - 20, Math.max(160, legs.length * 70));
    const serverX = (width - serverWidth) / 2;
    const serverStep = legs.length > 1 ? Math.min(70, (serverWidth - 30) / (legs.length - 1)) : 0;

    const parts = [];
    for (const [name, box] of boxes) {
      const sw = switchByName.get(name);
      const path = sw ? rootPath(sw, root) : 'unknown';
      if (sw) parts.push(uplink(box.cx, path));
      parts.push(switchBox(name, box, sw, path));
    }
    legs.forEach((leg, index) => {
      const box = boxes.get(leg.switch ?? `?${leg.interface}`);
      const at = box.legs.indexOf(leg);
      const spread =
        box.legs.length > 1 ? Math.min(60, (box.width - 24) / (box.legs.length - 1)) : 0;
      const top = {
        x: box.cx + (at - (box.legs.length - 1) / 2) * spread,
        y: switchTop + switchHeight,
      };
      const bottom = { x: width / 2 + (index - (legs.length - 1) / 2) * serverStep, y: serverTop };
      const sw = switchByName.get(leg.switch);
      const state = legState(leg, judged);
      const isolated = state === 'ok' && sw !== undefined && rootPath(sw, root) === 'lost';
      parts.push(legLine(leg, isolated ? 'isolated' : state, top, bottom));
    });
    parts.push(
      s(
        'g',
        { class: 'srv-box', 'data-status': group.status },
        s('rect', { x: serverX, y: serverTop, width: serverWidth, height: serverHeight, rx: 5 }),
        s(
          'text',
          { x: width / 2, y: serverTop + serverHeight / 2 + 4, class: 'srv-label' },
          fit(`${group.device} ${group.group}`, serverWidth - 10),
        ),
      ),
    );
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

  // ----- incidents and events -----

  function renderIncidents(incidents) {
    $('incident-count').textContent = incidents.length > 0 ? String(incidents.length) : '';
    const list = $('incidents');
    if (incidents.length === 0) {
      view.incidents.clear();
      list.replaceChildren(h('li', { class: 'empty good' }, 'None open'));
      return;
    }
    const items = incidents.map((incident) => {
      let li = view.incidents.get(incident.id);
      const signature = JSON.stringify(incident);
      if (!li) {
        li = h('li', { class: 'incident' });
        view.incidents.set(incident.id, li);
        if (!view.firstRender) highlight(li);
      }
      if (li.dataset.signature !== signature) {
        li.dataset.signature = signature;
        li.replaceChildren(...incidentContent(incident));
      }
      return li;
    });
    const open = new Set(incidents.map((i) => i.id));
    for (const id of [...view.incidents.keys()]) if (!open.has(id)) view.incidents.delete(id);
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

  function renderEvents(events) {
    const list = $('events');
    if (events.length === 0) {
      view.events.clear();
      list.replaceChildren(h('li', { class: 'empty' }, 'No events yet'));
      return;
    }
    const items = events.map((event) => {
      let li = view.events.get(event.id);
      if (!li) {
        li = eventRow(event);
        view.events.set(event.id, li);
        if (!view.firstRender) highlight(li);
      }
      return li;
    });
    const shown = new Set(events.map((e) => e.id));
    for (const id of [...view.events.keys()]) if (!shown.has(id)) view.events.delete(id);
    arrange(list, items);
  }

  function eventRow(event) {
    const detail = eventDetail(event);
    return h(
      'li',
      { class: 'event', 'data-tone': EVENT_TONE[event.type] || 'muted' },
      h('time', { class: 'event-time', datetime: event.at, title: event.at }, clock(event.at)),
      h('span', { class: 'event-type' }, event.type),
      h(
        'span',
        { class: 'event-where' },
        [event.device, event.interface].filter(Boolean).join(' '),
      ),
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

  // ---------- start ----------

  setInterval(() => {
    refreshTimes();
    if (view.failure !== null) renderFreshness();
  }, 1000);
  poll();
})();
