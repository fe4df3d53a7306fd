/**
 * Draws docs/dashboard.png: the demo, settled, with one cable cut (sw-a swp1, srv-web1's active
 * leg), as the dashboard shows it on a 1920x1080 wall screen, saved at 1600x900. Being the demo,
 * each leg row carries its "cut cable" / "mend cable" button.
 *
 *   npm run build && npx tsx scripts/screenshot-dashboard.ts [OUT.png] [--light]
 *
 * Needs /usr/bin/chromium (Debian's chromium package) and a redis-server for the demo.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startDemo, type DemoProcess } from '../test/helpers/demo';
import { waitFor } from '../test/helpers/wait';

const CHROMIUM = '/usr/bin/chromium';
const SCREEN = { width: 1920, height: 1080 };
const PICTURE_WIDTH = 1600;

interface Health {
  groups: Array<{ device: string; status: string; reasons: Array<{ code: string }> }>;
  switches: Array<{ reachable: boolean }>;
}

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** Every switch polled, every server judged: what a newcomer sees after a minute. */
async function settled(demo: DemoProcess): Promise<boolean> {
  const health = await getJson<Health>(`${demo.url}/api/v1/health`);
  return (
    health.switches.every((sw) => sw.reachable) &&
    health.groups.every((g) => !g.reasons.some((r) => r.code === 'stale'))
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out =
    args.find((arg) => !arg.startsWith('--')) ?? join(__dirname, '..', 'docs', 'dashboard.png');
  const colorScheme = args.includes('--light') ? 'light' : 'dark';
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

  const demo = await startDemo();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    await waitFor('the demo to settle', () => settled(demo), 60_000);
    await demo.cut('sw-a', 'swp1');
    await waitFor(
      'the cut to open an incident',
      async () =>
        (await getJson<{ incidents: unknown[] }>(`${demo.url}/api/v1/incidents?state=open`))
          .incidents.length > 0,
      15_000,
    );
    const page = await browser.newPage({
      viewport: SCREEN,
      deviceScaleFactor: PICTURE_WIDTH / SCREEN.width,
      colorScheme,
      reducedMotion: 'reduce',
    });
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('#incidents .incident');
    await page.waitForSelector('.card[data-group="srv-web1/bond0"][data-status="WARNING"]');
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  } finally {
    // a browser that failed to launch must not leave the demo running
    await browser?.close();
    await demo.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
