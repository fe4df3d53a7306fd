/**
 * docs/servers.md as an operator uses it: each block marked `<!-- test: NAME -->` is run by the
 * real program it is written for, as written, with only the substitutions named here (the test's
 * addresses and ports, fixture files in place of /proc and of commands this machine lacks).
 * - the snmpd.conf drop-in for bonding (plus the teamd-file and IPMP extend lines) on Debian's
 *   stock snmpd.conf, read with `nicwatch check` over v2c and v3;
 * - the teamd state service and timer through `systemd-analyze verify`, the sudoers line through
 *   `visudo -c`;
 * - the Linux switch's link-trap lines in snmpd inside a network namespace: an interface goes down
 *   and snmptrapd receives the linkDown; and Debian's `-I -smux,mteTrigger,mteTriggerConf` turning
 *   them off, as the guide warns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { canUseNetns, NETNS_SKIP_REASON } from '../helpers/netns-lab';
import { haveSnmpd, stopChild } from '../helpers/snmpd';
import { freeUdpPort, waitFor } from '../helpers/wait';

const GUIDE = readFileSync(join(REPO_ROOT, 'docs', 'servers.md'), 'utf8');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
/** Debian's own snmpd.conf and unit, from the snmpd package, when this machine has them. */
const STOCK_SNMPD_CONF = '/etc/snmp/snmpd.conf';
const STOCK_SNMPD_UNIT = '/lib/systemd/system/snmpd.service';
const SNMPD_USER = 'Debian-snmp';
const TOOL_ENV = { ...process.env, MIBS: '' };

/** The text of the fenced block right after `<!-- test: name -->` in docs/servers.md. */
function guideBlock(name: string): string {
  const marker = `<!-- test: ${name} -->`;
  const at = GUIDE.indexOf(marker);
  if (at < 0) throw new Error(`docs/servers.md has no block marked ${marker}`);
  const fence = /\n```[a-z]*\n([\s\S]*?)\n```/.exec(GUIDE.slice(at + marker.length));
  if (!fence?.[1]) throw new Error(`no fenced block follows ${marker}`);
  return fence[1];
}

/** `text` with every `from` replaced; fails when one is missing, so a changed guide is noticed. */
function substitute(text: string, replacements: Array<[string, string]>): string {
  return replacements.reduce((out, [from, to]) => {
    if (!out.includes(from)) throw new Error(`expected "${from}" in the guide's block`);
    return out.split(from).join(to);
  }, text);
}

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

function idOf(name: string, flag: '-u' | '-g'): number {
  return Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
}

function snmpGetAnswers(port: number, community: string, netns?: string): boolean {
  const args = ['-v2c', '-c', community, '-t', '0.2', '-r', '0', '-M', '/dev/null', '-On'];
  const target = [`127.0.0.1:${port}`, '1.3.6.1.2.1.1.3.0'];
  const command = netns
    ? ['ip', ['netns', 'exec', netns, 'snmpget', ...args, ...target]]
    : ['snmpget', [...args, ...target]];
  return (
    spawnSync(command[0] as string, command[1] as string[], { stdio: 'ignore', env: TOOL_ENV })
      .status === 0
  );
}

/** Starts a process and fails fast, with its log, when it exits before `ready` holds. */
async function startDaemon(
  what: string,
  command: string,
  args: string[],
  logFile: string,
  ready: () => boolean,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: 'ignore', env: TOOL_ENV });
  await waitFor(
    what,
    () => {
      if (child.exitCode !== null) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        throw new Error(`${what} exited with status ${child.exitCode}: ${log}`);
      }
      return ready();
    },
    10_000,
  );
  return child;
}

describe.skipIf(!haveSnmpd())('docs/servers.md: the server snmpd lines', () => {
  const useStock = existsSync(STOCK_SNMPD_CONF);
  // Run as snmpd's own user, as Debian's unit does, when this machine can.
  const asSnmpdUser = process.getuid?.() === 0 && userExists(SNMPD_USER);
  let dir: string;
  let port: number;
  let snmpd: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nicwatch-guide-'));
    chmodSync(dir, 0o755);
    const bonding = join(dir, 'bonding');
    const teamdState = join(dir, 'teamd-state');
    mkdirSync(bonding);
    mkdirSync(teamdState);
    cpSync(join(FIXTURES, 'bonding', 'active-backup-mii-both-up.txt'), join(bonding, 'bond0'));
    cpSync(join(FIXTURES, 'bonding', '802.3ad-negotiated.txt'), join(bonding, 'bond1'));
    cpSync(join(FIXTURES, 'teamd', 'activebackup-both-up.json'), join(teamdState, 'team0.json'));

    const dropIn = [
      substitute(guideBlock('snmpd-server'), [
        ['192.0.2.10', '127.0.0.1'],
        ['/proc/net/bonding/', `${bonding}/`],
      ]),
      substitute(guideBlock('snmpd-teamd-file'), [['/run/teamd-state/', `${teamdState}/`]]),
      ipmpExtendWithFixture(dir),
    ].join('\n');
    const confDir = join(dir, 'snmpd.conf.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, 'nicwatch.conf'), `${dropIn}\n`);

    port = await freeUdpPort();
    writeFileSync(join(dir, 'snmpd.conf'), mainConfig(port, confDir));
    const state = join(dir, 'state');
    mkdirSync(state);
    const userArgs: string[] = [];
    if (asSnmpdUser) {
      chownSync(state, idOf(SNMPD_USER, '-u'), idOf(SNMPD_USER, '-g'));
      userArgs.push('-u', SNMPD_USER, '-g', SNMPD_USER);
    }
    const log = join(dir, 'snmpd.log');
    snmpd = await startDaemon(
      "snmpd with the guide's drop-in",
      'snmpd',
      [
        '-f',
        '-C',
        '-c',
        join(dir, 'snmpd.conf'),
        '-Lf',
        log,
        `--persistentDir=${state}`,
        ...userArgs,
      ],
      log,
      () => snmpGetAnswers(port, 'nwread'),
    );
  });

  afterAll(async () => {
    if (snmpd) await stopChild(snmpd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Debian's stock snmpd.conf with the changes the guide asks for: its agentaddress line changed
   * (to the test's port) and its includeDir pointing at the drop-in; `master agentx` is left out
   * so that the test does not take the system's AgentX socket.
   */
  function mainConfig(agentPort: number, confDir: string): string {
    const agentaddress = `agentaddress udp:127.0.0.1:${agentPort}`;
    const include = `includeDir ${confDir}`;
    if (!useStock) return `${agentaddress}\n${include}\n`;
    const lines = readFileSync(STOCK_SNMPD_CONF, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*master\s/.test(line))
      .map((line) => (/^\s*agentaddress\s/.test(line) ? agentaddress : line))
      .map((line) => (/^\s*includeDir\s/.test(line) ? include : line));
    if (!lines.includes(include)) lines.push(include);
    return `${lines.join('\n')}\n`;
  }

  const check = (...args: string[]) =>
    runCli(['check', '--host', '127.0.0.1', '--port', String(port), ...args]);

  it("bond0 and bond1 read over SNMPv2c with the guide's community", async () => {
    const bond0 = await check('-C', 'nwread', '--extend', 'bond0');
    expect(bond0.stdout).toMatch(
      /^NICWATCH OK - bond0 \(linux-bond active-backup\): 2 of 2 legs up/,
    );
    expect(bond0.code, bond0.stdout).toBe(0);
    const bond1 = await check('-C', 'nwread', '--extend', 'bond1');
    expect(bond1.stdout).toMatch(/^NICWATCH OK - bond1 \(linux-bond 802\.3ad\)/);
    expect(bond1.code, bond1.stdout).toBe(0);
  });

  it("bond0 read over SNMPv3 with the guide's user and passphrases", async () => {
    const user = /^createUser (\S+) SHA (\S+) AES (\S+)$/m.exec(guideBlock('snmpd-server'));
    expect(user, 'a createUser NAME SHA AUTH AES PRIV line in the guide').not.toBeNull();
    const [, name, authKey, privKey] = user as unknown as [string, string, string, string];
    const run = await check(
      '--snmp-version',
      '3',
      '-u',
      name,
      '-a',
      'sha',
      '-A',
      authKey,
      '-x',
      'aes',
      '-X',
      privKey,
      '--extend',
      'bond0',
    );
    expect(run.stdout).toMatch(/^NICWATCH OK - bond0 /);
    expect(run.code, run.stdout).toBe(0);
  });

  it.skipIf(!useStock)('the stock public community answers, but without the extend', async () => {
    expect(snmpGetAnswers(port, 'public'), 'public answers sysUpTime').toBe(true);
    const run = await check('-C', 'public', '--extend', 'bond0');
    expect(run.stdout).toMatch(/^NICWATCH UNKNOWN - .*has no extend "bond0"/);
    expect(run.code, run.stdout).toBe(3);
  });

  it('team0 read from the file the teamd timer writes', async () => {
    const run = await check('-C', 'nwread', '--extend', 'team0');
    expect(run.stdout).toMatch(/^NICWATCH OK - team0 \(linux-team activebackup\)/);
    expect(run.code, run.stdout).toBe(0);
  });

  it('ipmp0 read from ipmpstat -P output: one failed leg is a WARNING', async () => {
    const run = await check('-C', 'nwread', '--extend', 'ipmp0', '--group', 'ipmp0');
    expect(run.stdout).toMatch(/^NICWATCH WARNING - ipmp0 \(ipmp ipmp\): .*\[leg-down\]/);
    expect(run.code, run.stdout).toBe(1);
  });

  it('snmpd takes every line of the drop-in without a warning', () => {
    const log = readFileSync(join(dir, 'snmpd.log'), 'utf8');
    expect(log, 'snmpd names a line of the drop-in it did not take').not.toMatch(/nicwatch\.conf/);
  });
});

/**
 * The guide's IPMP extend line, its command replaced by `cat` of (a copy in `dir` of) the fixture
 * that holds this command's output: the fixture's README names the command, so the two cannot
 * drift apart.
 */
function ipmpExtendWithFixture(dir: string): string {
  const line = guideBlock('snmpd-ipmp');
  const command = /^extend ipmp0 \/usr\/sbin\/(ipmpstat .*)$/.exec(line)?.[1];
  if (!command) throw new Error(`unexpected IPMP extend line: ${line}`);
  const readme = readFileSync(join(FIXTURES, 'ipmp', 'README.md'), 'utf8');
  if (!readme.includes(`\`ipmpstat-P-i.txt\` — \`${command}\``)) {
    throw new Error(`test/fixtures/ipmp/README.md has no fixture of \`${command}\``);
  }
  // A copy in the test's folder: snmpd's user may not reach into the repository's.
  const copy = join(dir, 'ipmpstat-P-i.txt');
  cpSync(join(FIXTURES, 'ipmp', 'ipmpstat-P-i.txt'), copy);
  return `extend ipmp0 /bin/cat ${copy}`;
}

describe('docs/servers.md: teamd without snmpd privileges', () => {
  it.skipIf(!have('systemd-analyze') || !existsSync('/lib/systemd/system/sysinit.target'))(
    'systemd-analyze verify accepts the state service and timer as written',
    () => {
      const root = mkdtempSync(join(tmpdir(), 'nicwatch-guide-units-'));
      try {
        // A root holding systemd's own units (the timer's default dependencies) and /bin/sh.
        mkdirSync(join(root, 'usr', 'lib', 'systemd'), { recursive: true });
        cpSync('/lib/systemd/system', join(root, 'usr', 'lib', 'systemd', 'system'), {
          recursive: true,
        });
        mkdirSync(join(root, 'bin'));
        writeFileSync(join(root, 'bin', 'sh'), '#!/bin/true\n', { mode: 0o755 });
        const units = ['teamd-state-service', 'teamd-state-timer'].map((name) => {
          const text = guideBlock(name);
          const path = /^# (\/etc\/systemd\/system\/\S+)$/m.exec(text)?.[1];
          if (!path) throw new Error(`block ${name} does not say where it goes`);
          mkdirSync(join(root, 'etc', 'systemd', 'system'), { recursive: true });
          writeFileSync(join(root, path), `${text}\n`);
          return path.split('/').pop() as string;
        });
        expect(units).toEqual(['teamd-state@.service', 'teamd-state@.timer']);
        const verify = spawnSync(
          'systemd-analyze',
          ['verify', `--root=${root}`, 'teamd-state@team0.service', 'teamd-state@team0.timer'],
          { encoding: 'utf8' },
        );
        expect(verify.stdout + verify.stderr, 'systemd-analyze verify output').toBe('');
        expect(verify.status).toBe(0);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  );

  it('the extend reads the file the service writes for team0', () => {
    const service = guideBlock('teamd-state-service');
    const written = /mv (\S+)\.new (\S+)'$/m.exec(service);
    expect(written?.[2], 'the service ends by renaming its output').toBeDefined();
    const extend = guideBlock('snmpd-teamd-file');
    expect(extend).toBe(`extend team0 /bin/cat ${written?.[2]?.replace('%i', 'team0')}`);
  });

  it('the sudo extend runs exactly the command the sudoers line allows', () => {
    const sudoers = guideBlock('sudoers-teamd');
    const allowed = /^Debian-snmp ALL=\(root\) NOPASSWD: (.+)$/.exec(sudoers)?.[1];
    expect(allowed, 'a NOPASSWD line for Debian-snmp').toBeDefined();
    expect(guideBlock('snmpd-teamd-sudo')).toBe(`extend team0 /usr/bin/sudo -n ${allowed}`);
  });

  it.skipIf(!have('visudo'))('visudo accepts the sudoers line (install sudo to run this)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-guide-sudoers-'));
    try {
      const file = join(dir, 'nicwatch-teamd');
      writeFileSync(file, `${guideBlock('sudoers-teamd')}\n`, { mode: 0o440 });
      const visudo = spawnSync('visudo', ['-c', '-f', file], { encoding: 'utf8' });
      expect(visudo.status, visudo.stdout + visudo.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveSnmpd())(
  "docs/servers.md: Debian's snmpd unit and the link-trap lines",
  () => {
    /** snmpd's log after starting it with the guide's link-trap lines and these -I modules. */
    async function logWithModules(modules: string): Promise<string> {
      const dir = mkdtempSync(join(tmpdir(), 'nicwatch-guide-mte-'));
      const port = await freeUdpPort();
      const conf = join(dir, 'snmpd.conf');
      const lines = substitute(guideBlock('snmpd-link-traps'), [['192.0.2.10', '127.0.0.1:9']]);
      writeFileSync(
        conf,
        `agentaddress udp:127.0.0.1:${port}\nrocommunity public 127.0.0.1\n${lines}\n`,
      );
      const log = join(dir, 'snmpd.log');
      const child = await startDaemon(
        `snmpd -I ${modules}`,
        'snmpd',
        ['-f', '-C', '-c', conf, '-Lf', log, `--persistentDir=${dir}`, '-I', modules],
        log,
        () => snmpGetAnswers(port, 'public'),
      );
      await stopChild(child);
      const text = readFileSync(log, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      return text;
    }

    /** The `-I` argument of an ExecStart line. */
    const modulesOf = (execStart: string): string => {
      const modules = /\s-I\s+(\S+)/.exec(execStart)?.[1];
      if (!modules) throw new Error(`no -I in ${execStart}`);
      return modules;
    };

    it.skipIf(!existsSync(STOCK_SNMPD_UNIT))(
      "with the modules Debian's unit turns off, snmpd ignores the monitors",
      async () => {
        const unit = readFileSync(STOCK_SNMPD_UNIT, 'utf8');
        const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
        const log = await logWithModules(modulesOf(execStart));
        expect(log).toMatch(/Unknown token: monitor/);
      },
    );

    it("with the guide's override, snmpd takes every line", async () => {
      const override = /^ *\[Service\]\n *ExecStart=\n *ExecStart=(.*)$/m.exec(GUIDE)?.[1];
      expect(override, "the guide's ExecStart override for snmpd").toBeDefined();
      const log = await logWithModules(modulesOf(override as string));
      expect(log).not.toMatch(/Unknown token|Error/);
    });
  },
);

describe.skipIf(!canUseNetns() || !have('snmptrapd'))(
  `docs/servers.md: a Linux switch's snmpd sends linkDown${
    NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`
  }${have('snmptrapd') ? '' : ' (install snmptrapd)'}`,
  () => {
    const ns = `nwguide${randomBytes(3).toString('hex')}`;
    const agentPort = 16100;
    const trapPort = 1162;
    let dir: string;
    const children: ChildProcess[] = [];
    const inNs = (...args: string[]) => ['netns', 'exec', ns, ...args];
    const ipNs = (...args: string[]) => {
      const result = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`ip -n ${ns} ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'nicwatch-guide-traps-'));
      spawnSync('ip', ['netns', 'add', ns]);
      ipNs('link', 'set', 'lo', 'up');
      // A cable inside the namespace: port nwport0 and its peer.
      ipNs('link', 'add', 'nwport0', 'type', 'veth', 'peer', 'name', 'nwpeer0');
      ipNs('link', 'set', 'nwport0', 'up');
      ipNs('link', 'set', 'nwpeer0', 'up');

      writeFileSync(join(dir, 'trapd.conf'), 'authCommunity log nwtrap\n');
      const trapLog = join(dir, 'trapd.log');
      children.push(
        spawn(
          'ip',
          inNs(
            'snmptrapd',
            '-f',
            '-n',
            '-On',
            '-M',
            '/dev/null',
            '-Lf',
            trapLog,
            '-C',
            '-c',
            join(dir, 'trapd.conf'),
            `udp:127.0.0.1:${trapPort}`,
          ),
          { stdio: 'ignore', env: TOOL_ENV },
        ),
      );

      const lines = substitute(guideBlock('snmpd-link-traps'), [
        ['192.0.2.10', `127.0.0.1:${trapPort}`],
      ]);
      const conf = join(dir, 'snmpd.conf');
      writeFileSync(
        conf,
        `agentaddress udp:127.0.0.1:${agentPort}\nrocommunity public 127.0.0.1\n${lines}\n`,
      );
      const log = join(dir, 'snmpd.log');
      // `ip netns exec` execs the command: the PID is the daemon's.
      children.push(
        await startDaemon(
          'snmpd in the namespace',
          'ip',
          inNs('snmpd', '-f', '-C', '-c', conf, '-Lf', log, `--persistentDir=${dir}`),
          log,
          () => snmpGetAnswers(agentPort, 'public', ns),
        ),
      );
    });

    afterAll(async () => {
      for (const child of children) await stopChild(child);
      spawnSync('ip', ['netns', 'del', ns]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The guide's sampling period (`monitor -r N`) plus snmpd's ifTable cache (3 s) and a margin:
     * the trap comes after the next sample that sees the cached status change.
     */
    const sampleS = Number(/-r (\d+) -e nwLinkDown/.exec(guideBlock('snmpd-link-traps'))?.[1]);
    const boundMs = (sampleS + 3 + 2) * 1000;

    it(`an interface going down reaches snmptrapd as linkDown within the sampling period`, async () => {
      expect(sampleS, 'monitor -r N for nwLinkDown in the guide').toBeGreaterThan(0);
      const ifIndex = JSON.parse(ipNs('-j', 'link', 'show', 'nwport0'))[0].ifindex as number;
      const trapLog = join(dir, 'trapd.log');
      const linkDown = new RegExp(
        String.raw`OID: \.1\.3\.6\.1\.6\.3\.1\.1\.5\.3\s.*\.1\.3\.6\.1\.2\.1\.2\.2\.1\.1\.${ifIndex} = INTEGER: ${ifIndex}\s`,
      );
      const started = Date.now();
      ipNs('link', 'set', 'nwport0', 'down');
      await waitFor(
        `a linkDown for ifIndex ${ifIndex} in snmptrapd's log`,
        () => existsSync(trapLog) && linkDown.test(readFileSync(trapLog, 'utf8')),
        boundMs,
      ).catch((err: Error) => {
        const log = existsSync(trapLog) ? readFileSync(trapLog, 'utf8') : '(no log)';
        throw new Error(`${err.message}; snmptrapd logged: ${log}`);
      });
      expect(Date.now() - started).toBeLessThan(boundMs);
    });
  },
);
