/**
 * bench/check: what one `nicwatch check` costs.
 * - decode: group texts decoded per second, per format, in process;
 * - extend: one SNMP round trip that reads an extend and judges it, in process (p50/p99 ms);
 * - plugin: the whole `nicwatch check` process as Nagios starts it, against `snmpget` of the same
 *   extend as the reference (p50 ms of wall time).
 * Prints one JSON line. Run: npm run build && npx tsx bench/check.ts
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeGroupText } from '../src/bond/decode';
import { judgeGroup } from '../src/check/nagios';
import { readExtend } from '../src/snmp/extend';
import { NS_EXTEND_OUTPUT_FULL, stringIndex } from '../src/snmp/oids';
import { openSnmpClient } from '../src/snmp/session';
import { NICWATCH_BIN, REPO_ROOT } from '../test/helpers/cli';
import { startSnmpd } from '../test/helpers/snmpd';

const FIXTURES: Record<string, string> = {
  'linux-bond active-backup': 'bonding/active-backup-mii-one-down.txt',
  'linux-bond 802.3ad': 'bonding/802.3ad-negotiated.txt',
  'linux-team dump': 'teamd/lacp-negotiated.json',
  'linux-team view': 'teamd/activebackup.state.txt',
  'ipmp ipmpstat -i': 'ipmp/ipmpstat-i-one-failed.txt',
  'ipmp ifconfig -a': 'ipmp/ifconfig-a-sol10-ok.txt',
};

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

function decodeRates(durationMs: number): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, path] of Object.entries(FIXTURES)) {
    const text = readFileSync(join(REPO_ROOT, 'test', 'fixtures', path), 'utf8');
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < durationMs) {
      for (let i = 0; i < 100; i += 1) decodeGroupText(text);
      count += 100;
    }
    rates[name] = Math.round(count / ((performance.now() - started) / 1000));
  }
  return rates;
}

function timeProcess(command: string, args: string[], runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const result = spawnSync(command, args, { stdio: 'ignore', env: { ...process.env, MIBS: '' } });
    if (result.status === null || result.status > 3)
      throw new Error(`${command} failed: ${result.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 30);
  const text = readFileSync(
    join(REPO_ROOT, 'test/fixtures/bonding/active-backup-mii-one-down.txt'),
    'utf8',
  );
  const snmpd = await startSnmpd({ extends: { bond0: text } });
  try {
    const client = openSnmpClient({
      host: '127.0.0.1',
      port: snmpd.port,
      version: '2c',
      community: 'public',
      timeoutMs: 2000,
      retries: 0,
    });
    const extendMs: number[] = [];
    for (let i = 0; i < runs * 10; i += 1) {
      const started = performance.now();
      const output = await readExtend(client, 'bond0');
      judgeGroup(decodeGroupText(output.text), 'bond0');
      extendMs.push(performance.now() - started);
    }
    client.close();
    const pluginMs = timeProcess(
      process.execPath,
      [
        '--openssl-legacy-provider',
        NICWATCH_BIN,
        'check',
        '--host',
        '127.0.0.1',
        '--port',
        String(snmpd.port),
        '--extend',
        'bond0',
      ],
      runs,
    );
    const snmpgetMs = timeProcess(
      'snmpget',
      [
        '-v2c',
        '-c',
        'public',
        '-On',
        '-M',
        '/dev/null',
        `127.0.0.1:${snmpd.port}`,
        `${NS_EXTEND_OUTPUT_FULL}.${stringIndex('bond0')}`,
      ],
      runs,
    );
    const result = {
      decodesPerSecond: decodeRates(300),
      extendP50Ms: percentile(extendMs, 50),
      extendP99Ms: percentile(extendMs, 99),
      pluginP50Ms: percentile(pluginMs, 50),
      pluginP95Ms: percentile(pluginMs, 95),
      snmpgetP50Ms: percentile(snmpgetMs, 50),
      runs,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await snmpd.stop();
  }
}

void main();
