/**
 * docs/nagios.md's Icinga 2 definitions as an operator uses them, read from the page itself (its
 * `icinga2 <file>` blocks): `icinga2 daemon -C` accepts them beside Icinga's ITL and plugin
 * definitions, and a private Icinga 2 runs the documented `nicwatch` and `nicwatch-api` commands
 * through the documented `apply Service` rules against a real snmpd and `nicwatch demo`, its
 * perfdata writer showing the results.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, writePluginWrapper } from '../helpers/cli';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { haveSnmpd, startSnmpd, stopChild, type Snmpd } from '../helpers/snmpd';
import { docBlock } from '../helpers/docs';
import { waitFor } from '../helpers/wait';

const ICINGA_BIN = ['/usr/sbin/icinga2', '/usr/bin/icinga2'].find((path) => existsSync(path));
const HAVE_ICINGA = ICINGA_BIN !== undefined;
if (!HAVE_ICINGA)
  console.warn(
    'icinga.test skipped: install icinga2-bin and icinga2-common (scripts/install-deps.sh --with-nms)',
  );
if (!haveSnmpd()) console.warn('icinga.test: Icinga 2 run skipped: install snmpd and snmp');
/** `nicwatch demo` starts a private redis-server. */
const HAVE_REDIS_SERVER = !spawnSync('redis-server', ['--version']).error;
if (!HAVE_REDIS_SERVER)
  console.warn('icinga.test: the runs against nicwatch demo skipped: install redis-server');

const fixture = (path: string): string =>
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', path), 'utf8');

/** Every folder Icinga 2 writes to moved into `dir` (real-peers.md), run as the test's user. */
function icingaInvocation(dir: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const folders = ['Config', 'Data', 'Log', 'Cache', 'Spool', 'InitRun', 'Zones'].map((name) => {
    const path = join(dir, name.toLowerCase());
    mkdirSync(path, { recursive: true });
    return `-DConfiguration.${name}Dir=${path}`;
  });
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  return {
    args: ['-c', join(dir, 'config', 'icinga2.conf'), ...folders],
    env: { ...process.env, ICINGA2_USER: userInfo().username, ICINGA2_GROUP: group },
  };
}

function writeIcingaConfig(dir: string, parts: string[]): void {
  mkdirSync(join(dir, 'config'), { recursive: true });
  writeFileSync(join(dir, 'config', 'icinga2.conf'), `${parts.join('\n')}\n`);
}

function checkConfig(dir: string): { code: number | null; output: string } {
  const { args, env } = icingaInvocation(dir);
  const run = spawnSync(ICINGA_BIN ?? 'icinga2', ['daemon', '-C', ...args], {
    encoding: 'utf8',
    env,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * Writes to a named pipe only once a reader holds it open (false until then): a plain open for
 * writing would block this whole process while there is none.
 */
function writeToReadingPipe(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

describe.skipIf(!HAVE_ICINGA)("docs/nagios.md's Icinga 2 definitions", () => {
  it('pass icinga2 daemon -C with the ITL and plugin definitions, without warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-icinga-c-'));
    try {
      writeIcingaConfig(dir, [
        "/* as in Debian's constants.conf */",
        'const PluginDir = "/usr/lib/nagios/plugins"',
        'include <itl>',
        'include <plugins>',
        docBlock('nagios.md', 'icinga2', 'constants.conf'),
        docBlock('nagios.md', 'icinga2', 'commands.conf'),
        docBlock('nagios.md', 'icinga2', 'hosts.conf'),
      ]);
      const { code, output } = checkConfig(dir);
      expect(code, output).toBe(0);
      expect(output).not.toMatch(/warning\/|critical\//);
      // the page's hosts list three groups: the apply rules make one service of each
      expect(output).toMatch(/Instantiated 3 Services\./);
      expect(output).toMatch(/Finished validating the configuration file\(s\)\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface PerfdataRecord {
  host: string;
  service: string;
  state: string;
  output: string;
  perfdata: string;
}

/** The test's perfdata writer: one record per check result, fields named, rotated every second. */
function perfdataWriter(spool: string): string {
  return `object PerfdataWriter "perfdata" {
  service_perfdata_path = "${spool}/service-perfdata"
  service_temp_path = "${spool}/service-perfdata.tmp"
  host_perfdata_path = "${spool}/host-perfdata"
  host_temp_path = "${spool}/host-perfdata.tmp"
  service_format_template = "HOST::$host.name$\\tSERVICE::$service.name$\\tSTATE::$service.state$\\tOUTPUT::$service.output$\\tPERFDATA::$service.perfdata$\\tEND::"
  rotation_interval = 1s
}`;
}

function readPerfdata(spool: string): PerfdataRecord[] {
  if (!existsSync(spool)) return [];
  const text = readdirSync(spool)
    .filter((name) => name.startsWith('service-perfdata'))
    .map((name) => readFileSync(join(spool, name), 'utf8'))
    .join('\n');
  return [
    ...text.matchAll(
      /HOST::([\s\S]*?)\tSERVICE::([\s\S]*?)\tSTATE::([\s\S]*?)\tOUTPUT::([\s\S]*?)\tPERFDATA::([\s\S]*?)\tEND::/g,
    ),
  ].map(([, host, service, state, output, perfdata]) => ({
    host: host ?? '',
    service: service ?? '',
    state: state ?? '',
    output: output ?? '',
    perfdata: perfdata ?? '',
  }));
}

describe.skipIf(!HAVE_ICINGA || !haveSnmpd() || !HAVE_REDIS_SERVER)(
  'a private Icinga 2 runs the documented commands against a real snmpd and nicwatch demo',
  () => {
    let snmpd: Snmpd;
    let demo: DemoProcess;
    let icinga: ChildProcess | undefined;
    let dir = '';
    const spool = (): string => join(dir, 'perfdata');

    beforeAll(async () => {
      snmpd = await startSnmpd({
        extends: {
          bond0: fixture('bonding/active-backup-mii-one-down.txt'),
          team0: fixture('teamd/activebackup-both-up.json'),
        },
        lines: ['createUser nwuser SHA authpass123 AES privpass123', 'rouser nwuser priv'],
      });
      demo = await startDemo();
      dir = mkdtempSync(join(tmpdir(), 'nicwatch-icinga-'));
      writePluginWrapper(join(dir, 'plugins'));
      mkdirSync(spool());
      // The page's commands and apply rules as written, its NicwatchUrl set to the demo; hosts
      // of the test's own in the page's form, on the test agent; `hostalive` stands in for the
      // ping plugin, and each service is checked at once through the external command pipe
      // rather than within its 5 minutes.
      writeIcingaConfig(dir, [
        `const PluginDir = "${join(dir, 'plugins')}"`,
        'include <itl>',
        docBlock('nagios.md', 'icinga2', 'constants.conf').replace(
          /^const NicwatchUrl = .*$/m,
          `const NicwatchUrl = "${demo.url}"`,
        ),
        docBlock('nagios.md', 'icinga2', 'commands.conf'),
        'object CheckCommand "hostalive" { command = [ "/bin/true" ] }',
        'object CheckerComponent "checker" { }',
        `object ExternalCommandListener "command" { command_path = "${join(dir, 'icinga2.cmd')}" }`,
        perfdataWriter(spool()),
        `object Host "srv1" {
  check_command = "hostalive"
  address = "127.0.0.1"
  vars.nicwatch_port = ${snmpd.port}
  vars.nicwatch_community = "public"
  vars.nicwatch_groups["bond0"] = { nicwatch_primary = "eth0" }
}`,
        `object Host "srv2" {
  check_command = "hostalive"
  address = "127.0.0.1"
  vars.nicwatch_port = ${snmpd.port}
  vars.nicwatch_snmp_version = "3"
  vars.nicwatch_user = "nwuser"
  vars.nicwatch_auth_key = "authpass123"
  vars.nicwatch_priv_key = "privpass123"
  vars.nicwatch_groups["team0"] = { nicwatch_kind = "linux-team" }
}`,
        `object Host "srv-web1" {
  check_command = "hostalive"
  address = "127.0.0.1"
  vars.nicwatch_api_groups["bond0"] = {}
}`,
      ]);
      const check = checkConfig(dir);
      if (check.code !== 0)
        throw new Error(`icinga2 daemon -C rejects the test config:\n${check.output}`);
      const { args, env } = icingaInvocation(dir);
      icinga = spawn(ICINGA_BIN ?? 'icinga2', ['daemon', ...args], { env, stdio: 'ignore' });
      // one forced check each: the demo must have judged srv-web1 by then
      await waitFor(
        'the demo judging srv-web1 bond0',
        async () => {
          const response = await fetch(`${demo.url}/api/v1/health/srv-web1/bond0`);
          return response.ok && ((await response.json()) as { status: string }).status === 'OK';
        },
        20_000,
      );
      const now = Math.floor(Date.now() / 1000);
      const commands = [
        `SCHEDULE_FORCED_SVC_CHECK;srv1;nic-redundancy-bond0;${now}`,
        `SCHEDULE_FORCED_SVC_CHECK;srv2;nic-redundancy-team0;${now}`,
        `SCHEDULE_FORCED_SVC_CHECK;srv-web1;nic-redundancy-api-bond0;${now}`,
      ].map((command) => `[${now}] ${command}\n`);
      await waitFor(
        'Icinga 2 reading its command pipe',
        () => writeToReadingPipe(join(dir, 'icinga2.cmd'), commands.join('')),
        15_000,
      );
    });
    afterAll(async () => {
      if (icinga) await stopChild(icinga);
      await snmpd?.stop();
      await demo?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const cases = [
      {
        name: 'SNMP v2c, one leg down: WARNING',
        host: 'srv1',
        service: 'nic-redundancy-bond0',
        state: 'WARNING',
        output:
          /^NICWATCH WARNING - bond0 \(linux-bond active-backup\): 1 of 2 legs down: eth1 down \[leg-down\] ?\neth0: up, active/,
        perfdata: /^legs_up=1;2:;1:;0;2 link_failures=3c$/,
      },
      {
        name: 'SNMPv3 with --kind linux-team, both legs up: OK',
        host: 'srv2',
        service: 'nic-redundancy-team0',
        state: 'OK',
        output:
          /^NICWATCH OK - team0 \(linux-team activebackup\): 2 of 2 legs up, active eth1 \[all-legs-up\] ?\n/,
        perfdata: /^legs_up=2;2:;1:;0;2 link_failures=0c$/,
      },
      {
        name: 'through the API (nicwatch-api, no token), srv-web1 healthy: OK',
        host: 'srv-web1',
        service: 'nic-redundancy-api-bond0',
        state: 'OK',
        output: /^NICWATCH OK - srv-web1 bond0 \(linux-bond active-backup\): .*\[all-legs-up\]/,
        perfdata: /^legs_up=2;2:;1:;0;2 failovers=0c$/,
      },
    ];

    it.each(cases)('$name', async ({ host, service, state, output, perfdata }) => {
      const result = (): PerfdataRecord | undefined =>
        readPerfdata(spool()).find((r) => r.host === host && r.service === service);
      await waitFor(`Icinga 2 result for ${host}!${service}`, () => result() !== undefined, 20_000);
      const record = result() as PerfdataRecord;
      expect(record.state, `got ${record.state} (${record.output}), want ${state}`).toBe(state);
      expect(record.output).toMatch(output);
      expect(record.perfdata).toMatch(perfdata);
    });
  },
);
