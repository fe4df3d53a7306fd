/**
 * docs/nagios.md's Nagios 4 definitions as an operator uses them, read from the page itself (its
 * `nagios <file>` blocks) so that the page and what is tested cannot drift: `nagios4 -v` accepts
 * them beside Debian's stock object files, and a private Nagios 4 runs the documented commands
 * against a real snmpd and against `nicwatch demo`, recording state, output and perfdata in its
 * status.dat.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, writePluginWrapper } from '../helpers/cli';
import { startDemo, type DemoProcess } from '../helpers/demo';
import { haveSnmpd, startSnmpd, stopChild, type Snmpd } from '../helpers/snmpd';
import { docBlock } from '../helpers/docs';
import { waitFor } from '../helpers/wait';

const NAGIOS_BIN = ['/usr/sbin/nagios4', '/usr/bin/nagios4'].find((path) => existsSync(path));
/** Debian's stock object files (nagios4-common), as an operator's nagios.cfg lists them. */
const STOCK = ['commands', 'contacts', 'timeperiods', 'templates'].map(
  (name) => `/etc/nagios4/objects/${name}.cfg`,
);
const HAVE_NAGIOS = NAGIOS_BIN !== undefined && STOCK.every((path) => existsSync(path));
if (!HAVE_NAGIOS)
  console.warn('nagios.test skipped: install nagios4-core (scripts/install-deps.sh --with-nms)');
if (!haveSnmpd()) console.warn('nagios.test: SNMP run skipped: install snmpd and snmp');
/** `nicwatch demo` starts a private redis-server. */
const HAVE_REDIS_SERVER = !spawnSync('redis-server', ['--version']).error;
if (!HAVE_REDIS_SERVER)
  console.warn('nagios.test: the runs against nicwatch demo skipped: install redis-server');

const fixture = (path: string): string =>
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', path), 'utf8');

interface ServiceDefinition {
  text: string;
  hostName: string;
  checkCommand: string;
}

function serviceDefinitions(objects: string): ServiceDefinition[] {
  return [...objects.matchAll(/define service \{[\s\S]*?\n\}/g)].map(([text]) => ({
    text,
    hostName: /^\s*host_name\s+(\S+)/m.exec(text)?.[1] ?? '',
    checkCommand: /^\s*check_command\s+(.+?)\s*$/m.exec(text)?.[1] ?? '',
  }));
}

/**
 * The documented resource.cfg with the test's own values put in: `$USER1$` (Debian's plugin
 * folder) first, then the page's macros, each overridden where the test says.
 */
function resourceFile(pluginDir: string, overrides: Record<string, string>): string {
  const lines = docBlock('nagios.md', 'nagios', 'resource.cfg')
    .split('\n')
    .map((line) => {
      const name = /^\$(USER\d+)\$=/.exec(line)?.[1];
      return name !== undefined && name in overrides ? `$${name}$=${overrides[name]}` : line;
    });
  return [`$USER1$=${pluginDir}`, ...lines].join('\n');
}

/** A private nagios.cfg: every path in `dir`, checks every second, no notifications. */
function writeNagiosConfig(dir: string, objectFiles: string[], resources: string): string {
  const path = (name: string): string => join(dir, name);
  mkdirSync(path('checkresults'), { recursive: true });
  writeFileSync(path('resource.cfg'), `${resources}\n`);
  const settings = [
    ...objectFiles.map((file) => `cfg_file=${file}`),
    `resource_file=${path('resource.cfg')}`,
    `log_file=${path('nagios.log')}`,
    `object_cache_file=${path('objects.cache')}`,
    `precached_object_file=${path('objects.precache')}`,
    `status_file=${path('status.dat')}`,
    `lock_file=${path('nagios.pid')}`,
    `temp_file=${path('nagios.tmp')}`,
    `temp_path=${dir}`,
    `command_file=${path('nagios.cmd')}`,
    `query_socket=${path('nagios.qh')}`,
    `check_result_path=${path('checkresults')}`,
    `state_retention_file=${path('retention.dat')}`,
    // run as whoever runs the test (Nagios takes a uid/gid as well as a name)
    `nagios_user=${process.getuid?.() ?? 0}`,
    `nagios_group=${process.getgid?.() ?? 0}`,
    // Debian's value: characters kept out of macros that carry plugin output
    'illegal_macro_output_chars=`~$&|\'"<>',
    'retain_state_information=0',
    'check_external_commands=0',
    'use_syslog=0',
    'enable_notifications=0',
    'check_for_updates=0',
    'interval_length=1',
    'status_update_interval=1',
    'check_result_reaper_frequency=1',
    'max_service_check_spread=1',
    'max_host_check_spread=1',
  ];
  writeFileSync(path('nagios.cfg'), `${settings.join('\n')}\n`);
  return path('nagios.cfg');
}

function verifyConfig(cfg: string): { code: number | null; output: string } {
  const run = spawnSync(NAGIOS_BIN ?? 'nagios4', ['-v', cfg], { encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

/** `linux-server` hosts of the given names, each on 127.0.0.1 and always UP (no ping needed). */
function hostObjects(names: Iterable<string>): string {
  return [...new Set(names)]
    .map(
      (name) =>
        `define host {\n    use linux-server\n    host_name ${name}\n    address 127.0.0.1\n    check_command nicwatch-test-host-up\n}\n`,
    )
    .join('\n');
}

const HOST_UP_COMMAND = `define command {
    command_name    nicwatch-test-host-up
    command_line    /bin/true
}
`;

/**
 * Stand-ins for the stock `generic-service` and `linux-server` templates the documented services
 * use: the same names, but one attempt checked every `interval_length` (1 s here) instead of
 * every 10 minutes, so a run takes seconds; and a contact that is never notified.
 */
const FAST_TEMPLATES = `define service {
    name                    generic-service
    check_period            24x7
    max_check_attempts      1
    check_interval          1
    retry_interval          1
    notification_period     24x7
    notification_interval   0
    notifications_enabled   0
    contacts                nicwatch-test
    register                0
}

define host {
    name                    linux-server
    check_period            24x7
    max_check_attempts      1
    check_interval          60
    notification_period     24x7
    notification_interval   0
    notifications_enabled   0
    contacts                nicwatch-test
    register                0
}

define contact {
    contact_name                    nicwatch-test
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      nicwatch-test-host-up
    service_notification_commands   nicwatch-test-host-up
}
`;

/** What a run loads: fast templates, the page's commands, the hosts and the services. */
function runObjects(hostNames: string[], services: string[]): string {
  return [
    FAST_TEMPLATES,
    HOST_UP_COMMAND,
    docBlock('nagios.md', 'nagios', 'commands.cfg'),
    hostObjects(hostNames),
    ...services,
  ].join('\n');
}

type ServiceStatus = Record<string, string>;

interface NagiosRun {
  services(): ServiceStatus[];
  service(host: string, description: string): ServiceStatus | undefined;
  log(): string;
  stop(): Promise<void>;
}

function readServiceStatuses(statusFile: string): ServiceStatus[] {
  if (!existsSync(statusFile)) return [];
  const text = readFileSync(statusFile, 'utf8');
  return [...text.matchAll(/^servicestatus \{\n([\s\S]*?)\n\t\}/gm)].map(([, body]) =>
    Object.fromEntries(
      (body ?? '').split('\n').map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at).trim(), line.slice(at + 1)];
      }),
    ),
  );
}

/**
 * A private Nagios 4 on its own files in a fresh folder, with the plugin link and the page's
 * resource.cfg (`overrides` put in), run in the foreground and stopped by its PID.
 */
async function startNagios(objects: string, overrides: Record<string, string>): Promise<NagiosRun> {
  const dir = mkdtempSync(join(tmpdir(), 'nicwatch-nagios-'));
  try {
    writePluginWrapper(join(dir, 'plugins'));
    const objectsFile = join(dir, 'objects.cfg');
    writeFileSync(objectsFile, objects);
    const cfg = writeNagiosConfig(
      dir,
      ['/etc/nagios4/objects/timeperiods.cfg', objectsFile],
      resourceFile(join(dir, 'plugins'), overrides),
    );
    const check = verifyConfig(cfg);
    if (check.code !== 0)
      throw new Error(`nagios4 -v rejects the test's own config:\n${check.output}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const child: ChildProcess = spawn(NAGIOS_BIN ?? 'nagios4', [join(dir, 'nagios.cfg')], {
    stdio: 'ignore',
  });
  const statusFile = join(dir, 'status.dat');
  const log = (): string =>
    existsSync(join(dir, 'nagios.log')) ? readFileSync(join(dir, 'nagios.log'), 'utf8') : '';
  const services = (): ServiceStatus[] => readServiceStatuses(statusFile);
  return {
    services,
    service: (host, description) =>
      services().find((s) => s.host_name === host && s.service_description === description),
    log,
    stop: () => stopChild(child, dir),
  };
}

/** Waits until Nagios has recorded a result for the service that `done` accepts. */
async function waitForResult(
  nagios: NagiosRun,
  host: string,
  description: string,
  done: (status: ServiceStatus) => boolean,
  timeoutMs: number,
): Promise<ServiceStatus> {
  const recorded = (): ServiceStatus | undefined => {
    const status = nagios.service(host, description);
    return status && status.last_check !== '0' ? status : undefined;
  };
  try {
    await waitFor(
      `Nagios result for ${host}/${description}`,
      () => {
        const status = recorded();
        return status !== undefined && done(status);
      },
      timeoutMs,
    );
  } catch (err) {
    const last = recorded();
    throw new Error(
      `${(err as Error).message}; last recorded: ${last ? `${last.current_state} ${last.plugin_output}` : 'none'}\n${nagios.log().slice(-2000)}`,
    );
  }
  return recorded() as ServiceStatus;
}

const STATE = { OK: '0', WARNING: '1', CRITICAL: '2', UNKNOWN: '3' } as const;

describe.skipIf(!HAVE_NAGIOS)("docs/nagios.md's Nagios 4 definitions", () => {
  it('pass nagios4 -v beside the stock object files, with no errors or warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-nagios-v-'));
    try {
      const commands = docBlock('nagios.md', 'nagios', 'commands.cfg');
      const services = docBlock('nagios.md', 'nagios', 'services.cfg');
      const hosts = hostObjects(serviceDefinitions(services).map((service) => service.hostName));
      writeFileSync(join(dir, 'nicwatch.cfg'), `${commands}\n${services}\n`);
      writeFileSync(join(dir, 'hosts.cfg'), `${HOST_UP_COMMAND}\n${hosts}`);
      const cfg = writeNagiosConfig(
        dir,
        [...STOCK, join(dir, 'nicwatch.cfg'), join(dir, 'hosts.cfg')],
        resourceFile(join(dir, 'plugins'), {}),
      );
      const { code, output } = verifyConfig(cfg);
      expect(code, output).toBe(0);
      expect(output).toMatch(/Total Warnings: 0\s+Total Errors:\s+0/);
      expect(serviceDefinitions(services).length, 'services in the page').toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAVE_NAGIOS || !haveSnmpd())(
  'a private Nagios 4 runs the documented SNMP commands against a real snmpd',
  () => {
    let snmpd: Snmpd;
    let nagios: NagiosRun;

    beforeAll(async () => {
      // The page's SNMPv3 user and keys ($USER4$..$USER6$) exist on this agent as written.
      snmpd = await startSnmpd({
        extends: {
          bond0: fixture('bonding/active-backup-mii-one-down.txt'),
          team0: fixture('teamd/activebackup-both-up.json'),
          bond9: fixture('bonding/active-backup-mii-all-down.txt'),
        },
        lines: ['createUser nwuser SHA authpass123 AES privpass123', 'rouser nwuser priv'],
      });
      const port = `--port ${snmpd.port}`;
      // The page's SNMP services as written, each with the test agent's port added to $ARG2$.
      const documented = serviceDefinitions(docBlock('nagios.md', 'nagios', 'services.cfg')).filter(
        (s) => s.checkCommand.startsWith('check_nicwatch_snmp'),
      );
      const services = documented.map((s) =>
        s.text.replace(s.checkCommand, withExtraOptions(s.checkCommand, port)),
      );
      services.push(
        serviceObject('srv1', 'NIC redundancy bond9', `check_nicwatch_snmp!bond9!${port}`),
        serviceObject(
          'srv1',
          'NIC redundancy bond0 w1',
          `check_nicwatch_snmp!bond0!-w 1 -c 1 ${port}`,
        ),
      );
      nagios = await startNagios(
        runObjects(
          documented.map((s) => s.hostName),
          services,
        ),
        {},
      );
    });
    afterAll(async () => {
      await nagios?.stop();
      await snmpd?.stop();
    });

    const cases = [
      {
        name: 'documented v2c service, one leg down: WARNING',
        host: 'srv1',
        service: 'NIC redundancy bond0',
        state: STATE.WARNING,
        output:
          /^NICWATCH WARNING - bond0 \(linux-bond active-backup\): 1 of 2 legs down: eth1 down \[leg-down\]$/,
        perfdata: /^legs_up=1;2:;1:;0;2 link_failures=3c$/,
        longOutput: /eth0: up, active.*\\neth1: down, 3 link failures/,
      },
      {
        name: 'documented SNMPv3 service, teamd both legs up: OK',
        host: 'srv2',
        service: 'NIC redundancy team0',
        state: STATE.OK,
        output:
          /^NICWATCH OK - team0 \(linux-team activebackup\): 2 of 2 legs up, active eth1 \[all-legs-up\]$/,
        perfdata: /^legs_up=2;2:;1:;0;2 link_failures=0c$/,
        longOutput: /eth1: up, active/,
      },
      {
        name: 'no leg up: CRITICAL',
        host: 'srv1',
        service: 'NIC redundancy bond9',
        state: STATE.CRITICAL,
        output: /^NICWATCH CRITICAL - bond9 .*\[no-legs-up\]$/,
        perfdata: /^legs_up=0;2:;1:;0;2 link_failures=3c$/,
        longOutput: /eth0: down/,
      },
      {
        name: 'thresholds in $ARG2$ (-w 1 -c 1): one leg up is OK',
        host: 'srv1',
        service: 'NIC redundancy bond0 w1',
        state: STATE.OK,
        output: /^NICWATCH OK - bond0 .*\[leg-down\]$/,
        perfdata: /^legs_up=1;1:;1:;0;2 link_failures=3c$/,
        longOutput: /eth1: down/,
      },
    ];

    it.each(cases)('$name', async ({ host, service, state, output, perfdata, longOutput }) => {
      const status = await waitForResult(nagios, host, service, () => true, 20_000);
      expect(
        status.current_state,
        `got ${status.current_state} (${status.plugin_output}), want ${state}`,
      ).toBe(state);
      expect(status.plugin_output).toMatch(output);
      expect(status.performance_data).toMatch(perfdata);
      expect(status.long_plugin_output).toMatch(longOutput);
    });
  },
);

describe.skipIf(!HAVE_NAGIOS || !HAVE_REDIS_SERVER)(
  'a private Nagios 4 runs the documented API command against nicwatch demo',
  () => {
    let demo: DemoProcess;
    let nagios: NagiosRun;

    beforeAll(async () => {
      demo = await startDemo();
      const documented = serviceDefinitions(docBlock('nagios.md', 'nagios', 'services.cfg')).filter(
        (s) => s.checkCommand.startsWith('check_nicwatch_api'),
      );
      const services = [
        ...documented.map((s) => s.text),
        serviceObject(
          'srv-stor1',
          'NIC redundancy bond0 with switches',
          'check_nicwatch_api!bond0',
        ),
        // a Nagios host named otherwise than in nicwatch's configuration
        serviceObject(
          'db-1',
          'NIC redundancy bond0 with switches',
          'check_nicwatch_api!bond0!--device srv-db1',
        ),
      ];
      nagios = await startNagios(
        runObjects([...documented.map((s) => s.hostName), 'srv-stor1', 'db-1'], services),
        { USER7: demo.url },
      );
    });
    afterAll(async () => {
      await nagios?.stop();
      await demo?.stop();
    });

    const cases = [
      {
        name: 'srv-web1, healthy: OK',
        host: 'srv-web1',
        state: STATE.OK,
        output: /^NICWATCH OK - srv-web1 bond0 \(linux-bond active-backup\): .*\[all-legs-up\]$/,
        perfdata: 'legs_up=2;2:;1:;0;2 failovers=0c',
      },
      {
        name: 'srv-stor1, its active leg behind a switch without upstream: CRITICAL',
        host: 'srv-stor1',
        state: STATE.CRITICAL,
        output: /^NICWATCH CRITICAL - srv-stor1 bond0 .*\[upstream-lost\]/,
        perfdata: 'legs_up=2;2:;1:;0;2 failovers=0c',
      },
      {
        name: 'db-1 as srv-db1 (--device in $ARG2$), both legs on one switch: WARNING',
        host: 'db-1',
        state: STATE.WARNING,
        output: /^NICWATCH WARNING - srv-db1 bond0 .*\[single-switch\]/,
        perfdata: 'legs_up=2;2:;1:;0;2 failovers=0c',
      },
    ];

    it.each(cases)('$name', async ({ host, state, output, perfdata }) => {
      const status = await waitForResult(
        nagios,
        host,
        'NIC redundancy bond0 with switches',
        (s) => s.current_state === state,
        20_000,
      );
      expect(status.plugin_output).toMatch(output);
      expect(status.performance_data).toBe(perfdata);
    });

    it('records WARNING for srv-web1 once its active leg is cut on the demo', async () => {
      await demo.cut('sw-a', 'swp1');
      const status = await waitForResult(
        nagios,
        'srv-web1',
        'NIC redundancy bond0 with switches',
        (s) => s.current_state === STATE.WARNING,
        15_000,
      );
      expect(status.plugin_output).toMatch(/^NICWATCH WARNING - srv-web1 bond0 .*\[leg-down\]/);
      expect(status.performance_data).toMatch(/^legs_up=1;2:;1:;0;2 failovers=\dc$/);
    });
  },
);

function serviceObject(host: string, description: string, command: string): string {
  return `define service {
    use                     generic-service
    host_name               ${host}
    service_description     ${description}
    check_command           ${command}
}
`;
}

/** `cmd!arg1!arg2` with `extra` appended to `$ARG2$` (added when absent). */
function withExtraOptions(checkCommand: string, extra: string): string {
  const parts = checkCommand.split('!');
  while (parts.length < 3) parts.push('');
  parts[2] = `${parts[2]} ${extra}`.trim();
  return parts.join('!');
}
