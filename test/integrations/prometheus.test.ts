/**
 * docs/prometheus.md as an operator follows it: promtool accepts the rules and passes their unit
 * tests, accepts the demo's /metrics, and a private Prometheus on the page's own scrape config
 * (intervals shortened, target and rules path put in) scrapes `nicwatch demo` and evaluates the
 * rules: a cable cut on the demo makes the WARNING alert for that server's bond pending.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../helpers/cli';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { stopChild } from '../helpers/snmpd';
import { docBlock } from '../helpers/docs';
import { freeTcpPort, waitFor } from '../helpers/wait';

const onPath = (program: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
const HAVE_PROMTOOL = onPath('promtool');
const HAVE_PROMETHEUS = HAVE_PROMTOOL && onPath('prometheus');
if (!HAVE_PROMETHEUS)
  console.warn('prometheus.test skipped: install prometheus (scripts/install-deps.sh --with-nms)');
/** `nicwatch demo` starts a private redis-server. */
const HAVE_REDIS_SERVER = !spawnSync('redis-server', ['--version']).error;
if (!HAVE_REDIS_SERVER)
  console.warn('prometheus.test: the runs against nicwatch demo skipped: install redis-server');

const RULES_DIR = join(REPO_ROOT, 'docs', 'prometheus');
const RULES = join(RULES_DIR, 'nicwatch-rules.yml');

function promtool(args: string[], input?: string): { code: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: RULES_DIR, input, encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

interface ScrapeJob {
  job_name: string;
  static_configs: Array<{ targets: string[] }>;
}

/** The page's prometheus.yml with test intervals, the repository's rules and the demo as target. */
function testPrometheusConfig(target: string): { text: string; job: string } {
  const config = parse(docBlock('prometheus.md', 'yaml', 'prometheus.yml')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: ScrapeJob[];
  };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  config.rule_files = [RULES];
  const job = config.scrape_configs[0];
  if (!job || config.scrape_configs.length !== 1)
    throw new Error('want one scrape job in the page');
  job.static_configs = [{ targets: [target] }];
  return { text: stringify(config), job: job.job_name };
}

describe.skipIf(!HAVE_PROMTOOL)('docs/prometheus rules under promtool', () => {
  it('promtool check rules accepts nicwatch-rules.yml', () => {
    const { code, output } = promtool(['check', 'rules', RULES]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/SUCCESS: 12 rules found/);
  });

  it('promtool test rules passes nicwatch-rules.test.yml', () => {
    const { code, output } = promtool(['test', 'rules', 'nicwatch-rules.test.yml']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/SUCCESS/);
  });
});

/** nicwatch_events_processed_total{source="trap"} in a /metrics text; 0 before the first. */
function trapEventsProcessed(metrics: string): number {
  const sample = /^nicwatch_events_processed_total\{source="trap"\} (\d+)$/m.exec(metrics);
  return Number(sample?.[1] ?? 0);
}

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

describe.skipIf(!HAVE_PROMETHEUS || !HAVE_REDIS_SERVER)(
  'a private Prometheus scrapes nicwatch demo with the documented config',
  () => {
    let demo: DemoProcess;
    let prometheus: ChildProcess | undefined;
    let promUrl = '';
    let job = '';
    let log = '';
    let dir = '';
    /** nicwatch_events_processed_total{source="trap"} just before the cable cut. */
    let trapEventsBeforeCut = 0;

    async function api<T>(path: string): Promise<T> {
      const response = await fetch(`${promUrl}${path}`);
      const body = (await response.json()) as { status: string; data: T };
      if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
      return body.data;
    }
    const alerts = async (): Promise<PromAlert[]> =>
      (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
    const alertOf = (list: PromAlert[], name: string, device: string): PromAlert | undefined =>
      list.find((a) => a.labels.alertname === name && a.labels.device === device);

    async function waitWithLog(what: string, ready: () => Promise<boolean>, ms: number) {
      try {
        await waitFor(what, ready, ms);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nprometheus log:\n${log.slice(-3000)}`);
      }
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'nicwatch-prometheus-'));
      demo = await startDemo();
      const port = await freeTcpPort();
      promUrl = `http://127.0.0.1:${port}`;
      const config = testPrometheusConfig(new URL(demo.url).host);
      job = config.job;
      writeFileSync(join(dir, 'prometheus.yml'), config.text);
      const check = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
      if (check.code !== 0) throw new Error(`promtool check config:\n${check.output}`);
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      prometheus.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      await waitWithLog(
        'Prometheus ready',
        async () => (await fetch(`${promUrl}/-/ready`).catch(() => null))?.status === 200,
        15_000,
      );
    });
    afterAll(async () => {
      if (prometheus) await stopChild(prometheus);
      await demo?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('scrapes the demo under the documented job and evaluates every rule without error', async () => {
      const query = encodeURIComponent('nicwatch_group_status{device="srv-web1",group="bond0"}');
      type Sample = { metric: Record<string, string>; value: [number, string] };
      await waitWithLog(
        'srv-web1 bond0 OK in Prometheus',
        async () => {
          const data = await api<{ result: Sample[] }>(`/api/v1/query?query=${query}`);
          return data.result.some((s) => s.metric.job === job && s.value[1] === '0');
        },
        15_000,
      );
      type RuleGroup = { rules: Array<{ name: string; health: string; lastError?: string }> };
      await waitWithLog(
        'every rule evaluated',
        async () => {
          const { groups } = await api<{ groups: RuleGroup[] }>('/api/v1/rules');
          return groups.flatMap((g) => g.rules).every((r) => r.health !== 'unknown');
        },
        5_000,
      );
      const { groups } = await api<{ groups: RuleGroup[] }>('/api/v1/rules');
      const rules = groups.flatMap((g) => g.rules);
      expect(rules).toHaveLength(12);
      for (const rule of rules)
        expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).toBe('ok');
      // srv-stor1 is CRITICAL from the start: pending for the rule's minute, then firing. Each
      // rule group evaluates on its own clock, so NicwatchAbsent may be pending from before the
      // first scrape until the pipeline group's next evaluation.
      let now: PromAlert[] = [];
      const nicwatchMissing = (list: PromAlert[]): PromAlert[] =>
        list.filter((a) => ['NicwatchDown', 'NicwatchAbsent'].includes(a.labels.alertname ?? ''));
      await waitWithLog(
        'NicwatchGroupCritical for srv-stor1, and neither NicwatchDown nor NicwatchAbsent',
        async () => {
          now = await alerts();
          return (
            alertOf(now, 'NicwatchGroupCritical', 'srv-stor1') !== undefined &&
            nicwatchMissing(now).length === 0
          );
        },
        8_000,
      );
      expect(alertOf(now, 'NicwatchGroupCritical', 'srv-stor1')?.labels).toEqual({
        alertname: 'NicwatchGroupCritical',
        device: 'srv-stor1',
        group: 'bond0',
        job,
        severity: 'critical',
      });
      // its description names the reason, joined from nicwatch_group_reason
      expect(alertOf(now, 'NicwatchGroupCritical', 'srv-stor1')?.annotations.description).toMatch(
        / Reasons: upstream-lost \(details: \/api\/v1\/health\/srv-stor1\/bond0\)$/,
      );
      // the same evaluation over the lab's start: nothing else CRITICAL, its four WARNING groups
      // pending (their 10 minutes), srv-web1 not among them
      const names = now.map((a) => `${a.labels.alertname} ${a.labels.device ?? ''}`).sort();
      expect(names.filter((n) => /^NicwatchGroup(Critical|Warning) /.test(n))).toEqual([
        'NicwatchGroupCritical srv-stor1',
        'NicwatchGroupWarning srv-app1',
        'NicwatchGroupWarning srv-db1',
        'NicwatchGroupWarning srv-mail1',
        'NicwatchGroupWarning srv-web2',
      ]);
    });

    it("makes NicwatchGroupWarning pending for srv-web1 bond0 once sw-a's swp1 is cut", async () => {
      trapEventsBeforeCut = trapEventsProcessed(await (await fetch(`${demo.url}/metrics`)).text());
      await demo.cut('sw-a', 'swp1');
      let alert: PromAlert | undefined;
      await waitWithLog(
        'NicwatchGroupWarning for srv-web1',
        async () => {
          alert = alertOf(await alerts(), 'NicwatchGroupWarning', 'srv-web1');
          return alert !== undefined;
        },
        20_000,
      );
      // `for: 10m` has not elapsed: the alert is pending, which is what a cut shows at once
      expect(alert?.state).toBe('pending');
      expect(alert?.labels).toEqual({
        alertname: 'NicwatchGroupWarning',
        device: 'srv-web1',
        group: 'bond0',
        job,
        severity: 'warning',
      });
    });

    it('promtool check metrics accepts /metrics with the counters the cut moved', async () => {
      let text = '';
      // sw-a's linkDown trap for the cut, through the correlator
      await waitFor(
        `trap events processed above ${trapEventsBeforeCut} after the cut`,
        async () => {
          text = await (await fetch(`${demo.url}/metrics`)).text();
          return trapEventsProcessed(text) > trapEventsBeforeCut;
        },
        10_000,
      );
      const { code, output } = promtool(['check', 'metrics'], text);
      expect(code, output).toBe(0);
      expect(output).toBe('');
      for (const name of [
        'nicwatch_group_status',
        'nicwatch_group_legs_up',
        'nicwatch_traps_received_total',
        'nicwatch_events_processed_total',
        'nicwatch_queue_waiting',
        'nicwatch_poll_duration_seconds',
        'nicwatch_group_reason',
        'nicwatch_switch_reason',
        'nicwatch_build_info',
      ])
        expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
      expect(text).toMatch(/^nicwatch_group_status\{device="srv-web1",group="bond0"\} 1$/m);
      expect(text).toMatch(
        /^nicwatch_group_reason\{device="srv-web1",group="bond0",code="leg-down"\} 1$/m,
      );
      expect(text).toMatch(/^nicwatch_switch_reason\{device="sw-c",code="upstream-lost"\} 1$/m);
    });
  },
);
