/**
 * docs/zabbix/nicwatch_template.yaml in a real Zabbix 6.0 server, as an operator uses it: imported
 * through the API, linked to a host whose {$NICWATCH.URL} is `nicwatch demo`, it discovers every
 * group the demo lists, reads their status, and raises a problem naming the server and the group
 * when the demo cuts a cable. A second nicwatch API, with a token, checks {$NICWATCH.TOKEN} and,
 * refusing a wrong one, the "API unreachable" trigger.
 *
 * Intervals are host macros, shortened here; discovery runs through "execute now" (task.create).
 * The tests run in order and build on each other: the import first, then the hosts. The
 * wrong-token host is created early so that its nodata() period runs while the demo is checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../helpers/cli';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { startNicwatch, type NicwatchProcess } from '../helpers/nicwatch-process';
import { useRedis, type TestRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';
import { startZabbix, zabbixMissing, type ZabbixServer } from '../helpers/zabbix';

const TEMPLATE_FILE = join(REPO_ROOT, 'docs', 'zabbix', 'nicwatch_template.yaml');
const MISSING = zabbixMissing();
if (MISSING) console.warn(MISSING);

/** Zabbix severities (trigger `priority`) the template gives each nicwatch status. */
const SEVERITY: Record<string, string> = { UNKNOWN: '1', WARNING: '2', CRITICAL: '4' };

interface DiscoveryEntry {
  '{#DEVICE}': string;
  '{#GROUP}': string;
  '{#KIND}': string;
}

interface Group {
  device: string;
  group: string;
  status: string;
  legsUp: number;
  reasons: Array<{ code: string }>;
}

interface Item {
  itemid: string;
  key_: string;
  lastvalue: string;
  lastclock: string;
  state: string;
  error: string;
}

interface Problem {
  eventid: string;
  name: string;
  severity: string;
  r_eventid: string;
}

async function getJson<T>(url: string, token?: string): Promise<T> {
  const response = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const statusKey = (device: string, group: string): string =>
  `nicwatch.group.status[${device},${group}]`;

const API_TOKEN = 'zbx-test-token-5f3a';

interface TokenApi {
  nicwatch: NicwatchProcess;
  stop(): Promise<void>;
}

/** `nicwatch run --only api` with a token and one server group; no poller, so it is UNKNOWN. */
async function startTokenApi(): Promise<TokenApi> {
  const redis: TestRedis = await useRedis();
  const dir = mkdtempSync(join(tmpdir(), 'nicwatch-zabbix-token-'));
  const cleanup = async (): Promise<void> => {
    await redis.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  const configFile = join(dir, 'nicwatch.yaml');
  writeFileSync(
    configFile,
    [
      `redis: { url: "${redis.url}", prefix: ${redis.prefix} }`,
      `api: { listen: "127.0.0.1:0", token: "${API_TOKEN}" }`,
      'traps: { listen: false }',
      'devices:',
      '  - { name: sw-a, role: switch, address: 127.0.0.11 }',
      '  - { name: sw-b, role: switch, address: 127.0.0.12 }',
      '  - name: srv-token1',
      '    role: server',
      '    address: 127.0.0.21',
      '    groups:',
      '      - name: bond0',
      '        legs:',
      '          - { interface: eth0, switch: sw-a, port: swp1 }',
      '          - { interface: eth1, switch: sw-b, port: swp1 }',
      '',
    ].join('\n'),
  );
  try {
    const nicwatch = await startNicwatch(configFile, ['api']);
    return {
      nicwatch,
      stop: async () => {
        await nicwatch.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

describe.skipIf(MISSING !== null)('Zabbix 6.0 with docs/zabbix/nicwatch_template.yaml', () => {
  let zabbix: ZabbixServer;
  let demo: DemoProcess;
  let tokenApi: TokenApi;
  let hostGroupId: string;
  let demoHostId: string;
  let badTokenHost: { id: string; createdAt: number };

  async function templateId(): Promise<string> {
    const [template] = await zabbix.api<Array<{ templateid: string }>>('template.get', {
      filter: { host: ['nicwatch'] },
      output: ['templateid'],
    });
    if (!template) throw new Error('template "nicwatch" not found after the import');
    return template.templateid;
  }

  async function createHost(name: string, macros: Record<string, string>): Promise<string> {
    const created = await zabbix.api<{ hostids: string[] }>('host.create', {
      host: name,
      groups: [{ groupid: hostGroupId }],
      templates: [{ templateid: await templateId() }],
      macros: Object.entries(macros).map(([macro, value]) => ({
        macro,
        value,
        ...(macro === '{$NICWATCH.TOKEN}' ? { type: 1 } : {}), // secret text
      })),
    });
    const hostid = created.hostids[0] ?? '';
    await zabbix.reloadConfigCache();
    return hostid;
  }

  /** "Execute now" on the host's discovery rule until `done` holds; bounded by `timeoutMs`. */
  async function discover(hostid: string, done: () => Promise<boolean>, timeoutMs: number) {
    const [rule] = await zabbix.api<Array<{ itemid: string }>>('discoveryrule.get', {
      hostids: [hostid],
      output: ['itemid'],
    });
    if (!rule) throw new Error(`host ${hostid} has no discovery rule`);
    // In case a task reached the server before the rule reached its configuration cache, ask again.
    let askedAt = 0;
    await waitFor(
      `discovery on host ${hostid}`,
      async () => {
        if (Date.now() - askedAt > 6000) {
          await zabbix.api('task.create', [{ type: 6, request: { itemid: rule.itemid } }]);
          askedAt = Date.now();
        }
        return done();
      },
      timeoutMs,
    ).catch((err: Error) => {
      const notes = zabbix
        .serverLog()
        .split('\n')
        .filter((line) => line.includes('nicwatch'))
        .slice(-20);
      throw new Error(`${err.message}\nzabbix_server.log about nicwatch:\n${notes.join('\n')}`);
    });
  }

  async function hostItems(hostid: string, keyPrefix: string): Promise<Item[]> {
    return zabbix.api<Item[]>('item.get', {
      hostids: [hostid],
      search: { key_: keyPrefix },
      startSearch: true,
      output: ['itemid', 'key_', 'lastvalue', 'lastclock', 'state', 'error'],
    });
  }

  async function openProblems(hostid: string): Promise<Problem[]> {
    return zabbix.api<Problem[]>('problem.get', {
      hostids: [hostid],
      output: ['eventid', 'name', 'severity', 'r_eventid'],
    });
  }

  beforeAll(async () => {
    const [server, lab, api] = await Promise.allSettled([
      startZabbix(),
      startDemo(),
      startTokenApi(),
    ]);
    if (server.status === 'fulfilled') zabbix = server.value;
    if (lab.status === 'fulfilled') demo = lab.value;
    if (api.status === 'fulfilled') tokenApi = api.value;
    const failed = [server, lab, api].find((started) => started.status === 'rejected');
    if (failed) {
      await Promise.all([zabbix?.stop(), demo?.stop(), tokenApi?.stop()]);
      throw (failed as PromiseRejectedResult).reason;
    }
    const t = zabbix.timings;
    console.info(
      `Zabbix 6.0 ready in ${t.totalMs} ms (database ${t.databaseMs}, server ${t.serverMs}, frontend ${t.frontendMs})`,
    );
    const group = await zabbix.api<{ groupids: string[] }>('hostgroup.create', {
      name: 'nicwatch',
    });
    hostGroupId = group.groupids[0] ?? '';
  }, 180_000);

  afterAll(async () => {
    await Promise.all([zabbix?.stop(), demo?.stop(), tokenApi?.stop()]);
  }, 60_000);

  it('imports the template through configuration.import', async () => {
    const imported = await zabbix.api('configuration.import', {
      format: 'yaml',
      source: readFileSync(TEMPLATE_FILE, 'utf8'),
      rules: {
        templates: { createMissing: true, updateExisting: true },
        items: { createMissing: true, updateExisting: true },
        triggers: { createMissing: true, updateExisting: true },
        discoveryRules: { createMissing: true, updateExisting: true },
        valueMaps: { createMissing: true, updateExisting: true },
        groups: { createMissing: true },
      },
    });
    expect(imported, 'configuration.import result').toBe(true);
    // Exported again, it is the same document: Zabbix dropped or defaulted nothing in it.
    const exported = await zabbix.api<string>('configuration.export', {
      format: 'yaml',
      options: { templates: [await templateId()] },
    });
    const reread = parseYaml(exported) as { zabbix_export: Record<string, unknown> };
    delete reread.zabbix_export.date;
    expect(reread, 'configuration.export of the imported template').toEqual(
      parseYaml(readFileSync(TEMPLATE_FILE, 'utf8')),
    );
    const prototypes = await zabbix.api<Array<{ description: string }>>('triggerprototype.get', {
      templateids: [await templateId()],
      output: ['description'],
    });
    const names = prototypes.map((p) => p.description);
    for (const status of ['WARNING', 'CRITICAL']) {
      const named = names.find((name) => name.includes(status));
      expect(named, `trigger prototype for ${status}, got ${names.join(' | ')}`).toBeDefined();
      expect(named).toContain('{#DEVICE}');
      expect(named).toContain('{#GROUP}');
    }
  });

  it('sends {$NICWATCH.TOKEN}, and with a wrong one discovery fails with 401', async () => {
    const apiUrl = tokenApi.nicwatch.apiUrl;
    badTokenHost = {
      id: await createHost('nicwatch-bad-token', {
        '{$NICWATCH.URL}': apiUrl,
        '{$NICWATCH.TOKEN}': 'not-the-token',
        '{$NICWATCH.INTERVAL}': '2s',
        '{$NICWATCH.LLD.INTERVAL}': '1h',
        '{$NICWATCH.NODATA}': '30s', // the least nodata() takes
      }),
      createdAt: Date.now(),
    };
    const good = await createHost('nicwatch-token', {
      '{$NICWATCH.URL}': apiUrl,
      '{$NICWATCH.TOKEN}': API_TOKEN,
      '{$NICWATCH.INTERVAL}': '2s',
      '{$NICWATCH.LLD.INTERVAL}': '1h',
    });
    const listed = await getJson<DiscoveryEntry[]>(`${apiUrl}/api/v1/zabbix/discovery`, API_TOKEN);
    const wanted = listed.map((entry) => statusKey(entry['{#DEVICE}'], entry['{#GROUP}']));
    await discover(
      good,
      async () => {
        const keys = (await hostItems(good, 'nicwatch.group.status[')).map((i) => i.key_);
        return wanted.every((key) => keys.includes(key));
      },
      60_000,
    );
    // UNKNOWN without data, and the Information problem that says so.
    await waitFor(
      'an UNKNOWN problem for srv-token1 bond0',
      async () =>
        (await openProblems(good)).some(
          (p) => p.name.includes('srv-token1 bond0') && p.severity === SEVERITY.UNKNOWN,
        ),
      30_000,
    );

    let rule: { state: string; error: string } | undefined;
    await discover(
      badTokenHost.id,
      async () => {
        [rule] = await zabbix.api<Array<{ state: string; error: string }>>('discoveryrule.get', {
          hostids: [badTokenHost.id],
          output: ['state', 'error'],
        });
        return rule?.state === '1';
      },
      30_000,
    );
    expect(rule?.error, 'discovery error with a wrong token').toMatch(/401/);
    expect(
      await hostItems(badTokenHost.id, 'nicwatch.group.'),
      'items discovered with a wrong token',
    ).toEqual([]);
  }, 120_000);

  it('discovers every group the demo lists and reads the status the API reports', async () => {
    demoHostId = await createHost('nicwatch-demo', {
      '{$NICWATCH.URL}': demo.url,
      '{$NICWATCH.INTERVAL}': '2s',
      '{$NICWATCH.LLD.INTERVAL}': '1h',
    });
    const listed = await getJson<DiscoveryEntry[]>(`${demo.url}/api/v1/zabbix/discovery`);
    expect(listed.length, 'groups the demo lists').toBeGreaterThan(0);
    const wanted = listed.map((entry) => statusKey(entry['{#DEVICE}'], entry['{#GROUP}']));
    const started = Date.now();
    let found: string[] = [];
    await discover(
      demoHostId,
      async () => {
        found = (await hostItems(demoHostId, 'nicwatch.group.status[')).map((item) => item.key_);
        return wanted.every((key) => found.includes(key));
      },
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: got ${found.join(' ')}, want ${wanted.join(' ')}`);
    });
    console.info(`Zabbix discovered ${listed.length} groups in ${Date.now() - started} ms`);
    expect([...found].sort(), 'discovered status items').toEqual([...wanted].sort());

    // Each group's status and legs up as the API reports them, and a problem for each non-OK one.
    let mismatch = '';
    await waitFor(
      'Zabbix to hold every status the API reports, with its problems',
      async () => {
        const fleet = await getJson<{ groups: Group[] }>(`${demo.url}/api/v1/health`);
        const statuses = await hostItems(demoHostId, 'nicwatch.group.status[');
        const legsUp = await hostItems(demoHostId, 'nicwatch.group.legs.up[');
        const problems = await openProblems(demoHostId);
        mismatch = '';
        for (const group of fleet.groups) {
          const key = statusKey(group.device, group.group);
          const status = statuses.find((item) => item.key_ === key);
          const legs = legsUp.find(
            (item) => item.key_ === `nicwatch.group.legs.up[${group.device},${group.group}]`,
          );
          if (status?.lastvalue !== group.status || legs?.lastvalue !== String(group.legsUp)) {
            mismatch += ` ${key}: got ${status?.lastvalue}/${legs?.lastvalue} legs up, want ${group.status}/${group.legsUp}${status?.error ? ` (${status.error})` : ''};`;
            continue;
          }
          const problem = problems.find(
            (p) => p.name.startsWith(`${group.device} ${group.group}:`) && p.r_eventid === '0',
          );
          if ((problem?.severity ?? null) !== (SEVERITY[group.status] ?? null))
            mismatch += ` ${key}: problem ${problem?.name ?? 'none'}, want severity ${SEVERITY[group.status] ?? 'none'};`;
        }
        return mismatch === '';
      },
      45_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}:${mismatch}`);
    });
  }, 120_000);

  it('raises a WARNING problem naming srv-web1 and bond0 when sw-a swp1 is cut, and resolves it when mended', async () => {
    const isWeb1 = (p: Problem): boolean => p.name.includes('srv-web1') && p.name.includes('bond0');
    expect((await openProblems(demoHostId)).filter(isWeb1), 'problems before the cut').toEqual([]);
    const cutAt = Date.now();
    await demo.cut('sw-a', 'swp1');
    let raised: Problem | undefined;
    await waitFor(
      'a problem for srv-web1 bond0',
      async () => {
        raised = (await openProblems(demoHostId)).find(isWeb1);
        return raised !== undefined;
      },
      45_000,
    );
    console.info(`Zabbix problem "${raised?.name}" ${Date.now() - cutAt} ms after the cut`);
    expect(raised?.severity, `severity of "${raised?.name}"`).toBe(SEVERITY.WARNING);
    expect(raised?.name).toContain('WARNING');
    expect(raised?.name, 'the reasons in the problem name').toContain('leg-down');

    const mendAt = Date.now();
    await demo.mend('sw-a', 'swp1');
    await waitFor(
      'the srv-web1 bond0 problem to resolve',
      async () => !(await openProblems(demoHostId)).some((p) => p.eventid === raised?.eventid),
      45_000,
    );
    console.info(`Zabbix resolved it ${Date.now() - mendAt} ms after the mend`);
  }, 120_000);

  it('opens "nicwatch API unreachable" for the host whose token the API refuses', async () => {
    if (!badTokenHost) throw new Error('no wrong-token host: the token test did not get that far');
    let unreachable: Problem | undefined;
    await waitFor(
      'the "nicwatch API unreachable" problem',
      async () => {
        unreachable = (await openProblems(badTokenHost.id)).find((p) =>
          p.name.includes('unreachable'),
        );
        return unreachable !== undefined;
      },
      120_000, // with a 30 s period, it opened 34-60 s after the host was created here
    );
    console.info(
      `Zabbix problem "${unreachable?.name}" ${Date.now() - badTokenHost.createdAt} ms after the host was created`,
    );
    expect(unreachable?.name).toContain(tokenApi.nicwatch.apiUrl);
    const [fleet] = await hostItems(badTokenHost.id, 'nicwatch.fleet.raw');
    expect(fleet?.error, 'error of the fleet health item').toMatch(/401/);
  }, 150_000);
});
