/**
 * The dashboard in a real browser (Debian's headless chromium driven by playwright-core) against
 * the real demo (`nicwatch demo` as a subprocess): what an operator sees on the wall screen, that
 * it follows a cable cut by itself, and the demo's own cut/mend buttons. Then the page of an API
 * with a token, which must load every module with it and show no lab buttons.
 * Skipped when /usr/bin/chromium is not installed.
 */
import { existsSync } from 'node:fs';
import pino from 'pino';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp, listenApi, type RunningApi } from '../../src/api/app';
import { redisApiState } from '../../src/api/state';
import type { NicwatchConfig } from '../../src/config/schema';
import { queueFactory, type QueueFactory } from '../../src/queue/queues';
import { keysFor } from '../../src/store/keys';
import { connectRedis } from '../../src/store/redis';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { config } from '../helpers/fleet';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
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

/** A leg's row on a group card, found by its interface name. */
function legRow(page: Page, group: string, iface: string): Locator {
  return page
    .locator(`.card[data-group="${group}"] .leg`)
    .filter({ has: page.locator('.leg-if', { hasText: new RegExp(`^${iface}$`) }) });
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
  /** Ten groups, and srv-nc1's when the demo runs its NETCONF switch sw-d; two legs each. */
  const groupCount = (): number => (/sw-d speaks NETCONF/.test(demo.output()) ? 11 : 10);
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
    expect(cards).toHaveLength(groupCount());
    expect(fleet.groups).toHaveLength(groupCount());
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

  it('offers each lab cable a button that says what clicking does', async () => {
    const buttons = await page.$$eval('#groups .leg', (rows) =>
      rows.map((row) => row.querySelector('button.cable')?.textContent ?? null),
    );
    expect(buttons, 'one per leg row: every leg of the lab is on a lab cable').toHaveLength(
      groupCount() * 2,
    );
    expect(buttons.filter((text) => text === null)).toEqual([]);
    // srv-web2's eth0 cable is cut from the start: its button mends it.
    expect(await legRow(page, 'srv-web2/bond0', 'eth0').locator('button.cable').textContent()).toBe(
      'mend cable',
    );
    expect(await legRow(page, 'srv-web1/bond0', 'eth0').locator('button.cable').textContent()).toBe(
      'cut cable',
    );
  });

  it('cuts srv-web1’s eth0 cable from its row’s button, and mends it from there', async () => {
    const eth0 = legRow(page, 'srv-web1/bond0', 'eth0');
    const web1 = async (): Promise<ShownCard | undefined> =>
      (await shownCards(page)).find((c) => c.key === 'srv-web1/bond0');

    const cutAt = Date.now();
    await eth0.getByRole('button', { name: 'cut cable' }).click({ timeout: 5_000 });
    await waitFor(
      'srv-web1 WARNING with eth0 down after its button',
      async () => {
        const card = await web1();
        return (
          card?.status === 'WARNING' && card.legs.find((l) => l.name === 'eth0')?.state === 'broken'
        );
      },
      SHOWS_CUT_MS,
    );
    console.info(`the cut from the button showed after ${Date.now() - cutAt} ms`);
    expect(await eth0.getAttribute('data-state')).toBe('broken');
    expect(await eth0.textContent()).toMatch(/link down|nic down|port down/);
    expect(await eth0.locator('button.cable').textContent()).toBe('mend cable');
    const { links } = (await (await fetch(`${demo.url}/lab/links`)).json()) as {
      links: Array<{ switch: string; port: string; up: boolean }>;
    };
    expect(links.find((l) => l.switch === 'sw-a' && l.port === 'swp1')?.up, 'the lab cut it').toBe(
      false,
    );

    await eth0.getByRole('button', { name: 'mend cable' }).click({ timeout: 5_000 });
    await waitFor(
      'srv-web1 back to OK with eth0 up after its button',
      async () => {
        const card = await web1();
        return card?.status === 'OK' && card.legs.find((l) => l.name === 'eth0')?.state === 'ok';
      },
      20_000,
    );
    expect(await eth0.locator('button.cable').textContent()).toBe('cut cable');
    expect(pageErrors).toEqual([]);
  }, 45_000);

  it('keeps the last picture, marked stale, when the API stops answering', async () => {
    await demo.stop();
    await page.waitForSelector('body.stale', { timeout: 10_000 });
    expect(await page.textContent('#freshness')).toMatch(/^STALE · API .* since \d\d:\d\d:\d\d/);
    expect(await shownCards(page)).toHaveLength(groupCount());
    expect(
      pageErrors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e)),
    ).toEqual([]);
  }, 30_000);
});

describe.skipIf(!haveChromium() || !haveRedis())('dashboard in a browser, with api.token', () => {
  const TOKEN = "wall 'screen'/token+1";
  let redis: TestRedis;
  let queues: QueueFactory;
  let client: { disconnect(): void } | undefined;
  let api: RunningApi | undefined;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const refused: string[] = [];
  const labAsked: string[] = [];
  const healthPolls: string[] = [];

  beforeAll(async () => {
    redis = await useRedis();
    queues = queueFactory(redis.url, redis.prefix);
    const cfg = {
      ...config([
        { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
        { interface: 'eth1', switch: 'sw-b', port: 'swp1' },
      ]),
      redis: { url: redis.url, prefix: redis.prefix },
      api: { listen: '127.0.0.1:0', token: TOKEN },
    } as NicwatchConfig;
    const redisClient = connectRedis(redis.url);
    client = redisClient;
    const state = redisApiState({
      config: cfg,
      redis: redisClient,
      keys: keysFor(redis.prefix),
      queues,
      queueNames: [],
    });
    api = await listenApi(createApiApp(state, pino({ level: 'silent' })), '127.0.0.1:0');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    page.on('response', (res) => {
      if (res.status() >= 400 && !res.url().includes('/lab/links'))
        refused.push(`${res.status()} ${res.url()}`);
      if (res.url().includes('/lab/links')) labAsked.push(String(res.status()));
      if (res.url().includes('/api/v1/health')) healthPolls.push(String(res.status()));
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await queues?.close();
    client?.disconnect();
    await redis?.cleanup();
  });

  it('loads every module with the token from /?token= and shows live data, without lab buttons', async () => {
    await page.goto(`http://${api?.address}/?token=${encodeURIComponent(TOKEN)}`);
    await page.waitForSelector('#groups .card', { timeout: 10_000 });
    expect(await page.textContent('#freshness')).toMatch(/^live · updated \d\d:\d\d:\d\d$/);
    expect(await page.$$eval('#groups .card', (cards) => cards.length)).toBe(1);
    // Not a demo: the page asked once whether there is a lab, heard 404, and asks no more.
    const polled = healthPolls.length;
    await waitFor('two more polls of the page', () => healthPolls.length >= polled + 2, 10_000);
    expect(labAsked).toEqual(['404']);
    expect(await page.$$eval('#groups .leg', (rows) => rows.length)).toBe(2);
    expect(await page.$$eval('button.cable', (buttons) => buttons.length)).toBe(0);
    expect(refused, 'no file or data request refused').toEqual([]);
    expect(pageErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  }, 30_000);
});
