/**
 * The dashboard in a real browser (Debian's headless chromium driven by playwright-core) against
 * the real demo (`nicwatch demo` as a subprocess): what an operator sees on the wall screen, and
 * that it follows a cable cut by itself. Skipped when /usr/bin/chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { haveRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const STATUS_RANK: Record<string, number> = { CRITICAL: 0, WARNING: 1, UNKNOWN: 2, OK: 3 };
/** The demo's own scale: switches polled every few seconds, traps at once. */
const SETTLE_MS = 45_000;
/** How soon after a cut the wall screen must show it (API within 5 s, plus a 2 s page poll). */
const SHOWS_CUT_MS = 10_000;

function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(
    `dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium, or scripts/install-deps.sh)`,
  );
  return false;
}

interface ApiGroup {
  device: string;
  group: string;
  status: string;
  legs: Array<{ interface: string; switch: string | null }>;
}
interface ApiHealth {
  status: string;
  groups: ApiGroup[];
  switches: Array<{ device: string; reachable: boolean }>;
}

interface ShownCard {
  key: string;
  status: string;
  badge: string;
  legs: Array<{ name: string; state: string; role: string | null }>;
  switchBoxes: number;
}

/** What the page shows right now, read from the DOM as drawn. */
function shownCards(page: Page): Promise<ShownCard[]> {
  return page.$$eval('#groups .card', (cards) =>
    cards.map((card) => ({
      key: card.getAttribute('data-group') ?? '',
      status: card.getAttribute('data-status') ?? '',
      badge: card.querySelector('.card-head .badge')?.textContent ?? '',
      legs: [...card.querySelectorAll('.leg-path')].map((path) => ({
        name: path.querySelector('.if-label')?.textContent ?? '',
        state: path.getAttribute('data-state') ?? '',
        role: path.getAttribute('data-role'),
      })),
      switchBoxes: card.querySelectorAll('.sw-box').length,
    })),
  );
}

describe.skipIf(!haveChromium() || !haveRedis())('dashboard in a browser, against the demo', () => {
  let demo: DemoProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const health = async (): Promise<ApiHealth> =>
    (await (await fetch(`${demo.url}/api/v1/health`)).json()) as ApiHealth;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([
      startDemo(),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    // Settled: every switch polled, and the lab's one broken uplink seen.
    await waitFor(
      'the demo to poll every switch',
      async () => {
        const fleet = await health();
        return (
          fleet.switches.every((sw) => sw.reachable) &&
          fleet.groups.some((g) => g.device === 'srv-stor1' && g.status === 'CRITICAL')
        );
      },
      SETTLE_MS,
    );
    await page.goto(`${demo.url}/`);
  }, SETTLE_MS + 30_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('shows every group with the status the API gives, worst first', async () => {
    let fleet = await health();
    let cards: ShownCard[] = [];
    // The page polls every 2 s; the fleet may move meanwhile, so compare the two until they agree.
    await waitFor(
      'the page to show what the API says',
      async () => {
        [fleet, cards] = await Promise.all([health(), shownCards(page)]);
        const want = fleet.groups.map((g) => `${g.device}/${g.group} ${g.status}`).sort();
        const got = cards.map((c) => `${c.key} ${c.status}`).sort();
        return JSON.stringify(want) === JSON.stringify(got);
      },
      10_000,
    );
    expect(cards).toHaveLength(10);
    expect(fleet.groups).toHaveLength(10);
    for (const card of cards) expect(card.badge, `${card.key} badge`).toBe(card.status);
    const ranks = cards.map((c) => STATUS_RANK[c.status] ?? 9);
    expect(ranks, 'worst first').toEqual([...ranks].sort((a, b) => a - b));

    const byKey = new Map(cards.map((c) => [c.key, c]));
    expect(byKey.get('srv-stor1/bond0')?.status).toBe('CRITICAL');
    expect(byKey.get('srv-web1/bond0')?.status).toBe('OK');
    expect(cards[0]?.key, 'the critical one leads').toBe('srv-stor1/bond0');
    // srv-stor1 sends through sw-c, which lost its uplink: that leg is drawn as going nowhere.
    expect(byKey.get('srv-stor1/bond0')?.legs).toContainEqual({
      name: 'eth0',
      state: 'isolated',
      role: 'active',
    });
    // srv-web2's cut cable is drawn broken; srv-db1's two legs end on one switch box.
    expect(byKey.get('srv-web2/bond0')?.legs.find((l) => l.name === 'eth0')?.state).toBe('broken');
    expect(byKey.get('srv-db1/bond0')?.switchBoxes).toBe(1);
    expect(byKey.get('srv-db1/bond0')?.legs).toHaveLength(2);

    expect(await page.textContent('#overall')).toBe(fleet.status);
    const switches = await page.$$eval('#switches .switch', (items) =>
      items.map((li) => ({
        name: li.getAttribute('data-switch'),
        text: li.textContent ?? '',
      })),
    );
    expect(switches.map((s) => s.name)).toEqual(fleet.switches.map((s) => s.device));
    expect(switches.find((s) => s.name === 'sw-c')?.text).toContain('upstream lost');
    expect(switches.find((s) => s.name === 'sw-a')?.text).toContain('path to root');
    expect(await page.textContent('#freshness')).toMatch(/^live · updated \d\d:\d\d:\d\d$/);
    expect(pageErrors).toEqual([]);
  });

  it('follows a cable cut by itself: the card turns WARNING, the leg down, an incident opens', async () => {
    const cutAt = Date.now();
    await demo.cut('sw-a', 'swp1');
    let web1: ShownCard | undefined;
    await waitFor(
      'srv-web1 to show its cut leg',
      async () => {
        web1 = (await shownCards(page)).find((c) => c.key === 'srv-web1/bond0');
        return (
          web1?.status === 'WARNING' && web1.legs.find((l) => l.name === 'eth0')?.state === 'broken'
        );
      },
      SHOWS_CUT_MS,
    );
    const shownAfterMs = Date.now() - cutAt;
    expect(web1?.badge).toBe('WARNING');
    const row = await page.textContent(
      '.card[data-group="srv-web1/bond0"] .leg[data-state="broken"]',
    );
    expect(row).toContain('sw-a swp1');
    expect(row).toMatch(/down/);

    await waitFor(
      'an open incident for srv-web1',
      async () =>
        (
          await page.$$eval('#incidents .incident', (items) =>
            items.map((li) => li.textContent ?? ''),
          )
        ).some((text) => text.includes('srv-web1/bond0')),
      SHOWS_CUT_MS,
    );
    const events = await page.$$eval('#events .event', (items) =>
      items.map((li) => li.textContent ?? ''),
    );
    expect(events.join('\n'), 'the cut among the recent events').toMatch(/sw-a swp1|srv-web1/);
    console.info(`dashboard showed the cut after ${shownAfterMs} ms`);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('shows the mend too: srv-web1 back to OK and the incident closed', async () => {
    await demo.mend('sw-a', 'swp1');
    await waitFor(
      'srv-web1 back to OK with no open incident',
      async () => {
        const web1 = (await shownCards(page)).find((c) => c.key === 'srv-web1/bond0');
        const incidents = await page.$$eval('#incidents .incident', (items) =>
          items.map((li) => li.textContent ?? ''),
        );
        return web1?.status === 'OK' && !incidents.some((t) => t.includes('srv-web1/bond0'));
      },
      20_000,
    );
  }, 30_000);

  it('keeps the last picture, marked stale, when the API stops answering', async () => {
    await demo.stop();
    await page.waitForSelector('body.stale', { timeout: 10_000 });
    expect(await page.textContent('#freshness')).toMatch(/^STALE · API .* since \d\d:\d\d:\d\d/);
    expect(await shownCards(page)).toHaveLength(10);
    expect(
      pageErrors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)),
    ).toEqual([]);
  }, 30_000);
});
