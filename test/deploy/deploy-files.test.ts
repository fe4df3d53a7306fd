/**
 * docker/ and its systemd units, checked without a Docker engine or a running systemd:
 * - the configuration the compose file mounts passes `nicwatch validate`, and the compose file
 *   agrees with it (ports, paths, roles); `docker-compose config` accepts the file when installed;
 * - every role named in compose and in the units is one `nicwatch run --only` takes;
 * - `systemd-analyze verify` accepts the units, and only the traps instance may bind port 162;
 * - the Dockerfile's stages emulated: the files it copies (the build context as .dockerignore
 *   leaves it) build with the stage's own commands (`npm ci` and `npm prune --omit=dev` stood in
 *   for by this checkout's node_modules, installed from the same lockfile, and its production
 *   part), and the runtime stage's tree alone — dist, production node_modules, package.json,
 *   mibs — runs the ENTRYPOINT as a non-root user: `--version`, `validate`, the api role, and the
 *   image's HEALTHCHECK command against it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROLES } from '../../src/daemon/run';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { haveRedis, useRedis, type TestRedis } from '../helpers/redis';
import { stopChild } from '../helpers/snmpd';
import { waitFor } from '../helpers/wait';

const DOCKER_DIR = join(REPO_ROOT, 'docker');
const CONFIG_FILE = join(DOCKER_DIR, 'nicwatch.yaml');
const UNIT_DIR = join(DOCKER_DIR, 'systemd');
const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** host:port → port. */
const portOf = (listen: unknown): number => Number(String(listen).split(':').pop());

// ---------------------------------------------------------------------------------------------
// The compose file and the configuration it mounts

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
}

const compose = parseYaml(readFileSync(join(DOCKER_DIR, 'compose.yaml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const mountedConfig = parseYaml(readFileSync(CONFIG_FILE, 'utf8')) as {
  api: { listen: string };
  traps: { listen: string };
};
const nicwatchServices = Object.entries(compose.services).filter(([name]) =>
  name.startsWith('nicwatch-'),
);

/** `run -c FILE --only ROLE` of a compose service. */
function roleOf(command: string[] | undefined): { config: string; role: string } {
  const [verb, ...args] = command ?? [];
  const config = args[args.indexOf('-c') + 1];
  const role = args[args.indexOf('--only') + 1];
  if (verb !== 'run' || !config || !role) throw new Error(`unexpected command ${command}`);
  return { config, role };
}

describe('docker/compose.yaml and docker/nicwatch.yaml', () => {
  it('the mounted configuration passes nicwatch validate, with the Redis URL compose sets', async () => {
    const redisUrl = compose.services['nicwatch-api']?.environment?.NICWATCH_REDIS_URL;
    expect(redisUrl, 'NICWATCH_REDIS_URL in the compose file').toBeDefined();
    const run = await runCli(['validate', '-c', CONFIG_FILE], {
      env: { NICWATCH_REDIS_URL: redisUrl },
    });
    expect(run.stderr).toMatch(/nicwatch\.yaml: OK, \d+ devices?, \d+ groups?/);
    expect(run.code, run.stderr).toBe(0);
  });

  it('runs every role once, each reading the one mounted configuration', () => {
    const roles = nicwatchServices.map(([, service]) => roleOf(service.command).role).sort();
    expect(roles).toEqual([...ROLES].sort());
    for (const [name, service] of nicwatchServices) {
      const mount = service.volumes?.find((v) =>
        v.endsWith(`:${roleOf(service.command).config}:ro`),
      );
      expect(mount, `${name} mounts its -c file read-only`).toBeDefined();
      expect(join(DOCKER_DIR, mount!.split(':')[0]!)).toBe(CONFIG_FILE);
    }
  });

  it('every nicwatch service reaches the compose Redis once it is healthy, and restarts', () => {
    const redis = compose.services.redis;
    expect(redis?.command).toEqual(['redis-server', '--appendonly', 'yes']);
    expect(redis?.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    for (const [name, service] of nicwatchServices) {
      expect(service.environment?.NICWATCH_REDIS_URL, name).toBe('redis://redis:6379/0');
      expect(service.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(service.restart, name).toBe('unless-stopped');
    }
  });

  it("publishes the ports the configuration listens on, and checks the api's /healthz there", () => {
    const trapPort = portOf(mountedConfig.traps.listen);
    const apiPort = portOf(mountedConfig.api.listen);
    expect(compose.services['nicwatch-traps']?.ports).toEqual([`162:${trapPort}/udp`]);
    expect(compose.services['nicwatch-api']?.ports).toEqual([`127.0.0.1:${apiPort}:${apiPort}`]);
    const health = compose.services['nicwatch-api']?.healthcheck?.test ?? [];
    expect(health.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(health[3]).toContain(`http://127.0.0.1:${apiPort}/healthz`);
    for (const [name, service] of nicwatchServices.filter(([n]) => n !== 'nicwatch-api')) {
      expect(service.healthcheck?.disable, `${name} serves no /healthz`).toBe(true);
    }
  });

  const composeV2 =
    have('docker') && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
  const composers = [
    ...(have('docker-compose') ? [['docker-compose']] : []),
    ...(composeV2 ? [['docker', 'compose']] : []),
  ];
  it.skipIf(composers.length === 0)(
    'docker compose config accepts the file (install docker-compose to run this)',
    () => {
      for (const [command, ...args] of composers) {
        const result = spawnSync(
          command!,
          [...args, '-f', join(DOCKER_DIR, 'compose.yaml'), 'config', '-q'],
          { encoding: 'utf8' },
        );
        expect(result.stderr, `${command} ${args.join(' ')} config`).toBe('');
        expect(result.status).toBe(0);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Roles: compose commands and the systemd instances, as the CLI parses them

const unitText = readFileSync(join(UNIT_DIR, 'nicwatch@.service'), 'utf8');
const execStart = /^ExecStart=(.*)$/m.exec(unitText)?.[1] ?? '';
const unitDropIns = readdirSync(UNIT_DIR).filter((name) => name.endsWith('.service.d'));

describe('--only roles in compose and the systemd units', () => {
  /** Runs `args` with the configuration swapped for a missing file: the roles are judged first. */
  const withMissingConfig = (args: string[]) => {
    const at = args.indexOf('-c');
    const changed = [...args];
    changed[at + 1] = join(tmpdir(), 'nicwatch-no-such-config.yaml');
    return runCli(changed);
  };

  it('each compose command is accepted: only the missing configuration stops it', async () => {
    const runs = await Promise.all(
      nicwatchServices.map(([, service]) => withMissingConfig(service.command ?? [])),
    );
    runs.forEach((run, i) => {
      const name = nicwatchServices[i]![0];
      expect(run.stderr, name).not.toMatch(/--only takes|not available/);
      expect(run.stderr, name).toMatch(/does not exist/);
      expect(run.code, name).toBe(2);
    });
  });

  it('each unit instance and drop-in names a role; ExecStart parses for every role', async () => {
    const [command, ...args] = execStart.split(/\s+/);
    expect(Object.keys(PACKAGE.bin)).toContain(command);
    for (const dropIn of unitDropIns) {
      const instance = /^nicwatch@(.+)\.service\.d$/.exec(dropIn)?.[1];
      expect(ROLES as readonly string[], dropIn).toContain(instance);
    }
    const runs = await Promise.all(
      ROLES.map((role) => withMissingConfig(args.map((arg) => arg.replace('%i', role)))),
    );
    runs.forEach((run, i) => {
      expect(run.stderr, ROLES[i]).toMatch(/does not exist/);
      expect(run.code, ROLES[i]).toBe(2);
    });
  });

  it('an unknown role is refused before the configuration is read', async () => {
    const run = await withMissingConfig(['run', '-c', 'x', '--only', 'trap']);
    expect(run.stderr).toMatch(/--only takes poller, traps, worker, api; got "trap"/);
    expect(run.code).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// systemd

describe.skipIf(!have('systemd-analyze') || !existsSync('/lib/systemd/system/sysinit.target'))(
  'the systemd units (systemd-analyze offline; install systemd to run this)',
  () => {
    let root: string;
    const analyze = (...args: string[]) =>
      spawnSync('systemd-analyze', [...args, `--root=${root}`], { encoding: 'utf8' });

    beforeAll(() => {
      // A root with systemd's own units, ours under /etc, and the bin where npm -g puts it.
      root = mkdtempSync(join(tmpdir(), 'nicwatch-units-'));
      mkdirSync(join(root, 'usr', 'lib', 'systemd'), { recursive: true });
      cpSync('/lib/systemd/system', join(root, 'usr', 'lib', 'systemd', 'system'), {
        recursive: true,
      });
      cpSync(UNIT_DIR, join(root, 'etc', 'systemd', 'system'), { recursive: true });
      mkdirSync(join(root, 'usr', 'local', 'bin'), { recursive: true });
      writeFileSync(join(root, 'usr', 'local', 'bin', 'nicwatch'), '#!/bin/true\n', {
        mode: 0o755,
      });
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('systemd-analyze verify accepts every instance and the target, without a warning', () => {
      const units = [...ROLES.map((role) => `nicwatch@${role}.service`), 'nicwatch.target'];
      const verify = analyze('verify', ...units);
      expect(verify.stdout + verify.stderr).toBe('');
      expect(verify.status).toBe(0);
    });

    it('only the traps instance gets a capability (CAP_NET_BIND_SERVICE, for port 162)', () => {
      for (const role of ROLES) {
        const report = analyze('security', '--offline=yes', `nicwatch@${role}.service`);
        const ambient = report.stdout.match(/^(\S) AmbientCapabilities=/m)?.[1];
        expect(ambient, `${role}: ✗ receives ambient capabilities, ✓ does not`).toBe(
          role === 'traps' ? '✗' : '✓',
        );
        expect(report.stdout).toMatch(/Overall exposure level for .*: [0-2]\.\d OK/);
      }
      const dropIn = readFileSync(
        join(UNIT_DIR, 'nicwatch@traps.service.d', 'bind-port-162.conf'),
        'utf8',
      );
      expect(dropIn).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
      expect(dropIn).toMatch(/^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// The Dockerfile, stage by stage

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const [, keyword = '', args = ''] = match;
    if (keyword === 'FROM') {
      stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? '', instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args: args.trim() });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8'));
const buildStage = stages.find((stage) => stage.name === 'build');
const runtimeStage = stages.at(-1);

const argsOf = (stage: Stage | undefined, keyword: string): string[] =>
  stage?.instructions.filter((i) => i.keyword === keyword).map((i) => i.args) ?? [];
const workdirOf = (stage: Stage | undefined): string => argsOf(stage, 'WORKDIR').at(-1) ?? '/';

interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}
const copiesOf = (stage: Stage | undefined): Copy[] =>
  argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
    const dest = words.pop() ?? '';
    return { from, sources: words, dest };
  });

/** Where `dest` (relative to the stage's WORKDIR, or absolute) lands inside `tree`. */
const inTree = (tree: string, workdir: string, dest: string): string =>
  join(tree, dest.startsWith('/') ? dest : join(workdir, dest));

/**
 * Copies `source` to `dest` as Docker's COPY does: a folder's contents, or a file into a folder.
 * `cp -a` rather than fs.cpSync: node_modules holds thousands of files.
 */
function dockerCopy(source: string, dest: string): void {
  const target =
    statSync(source).isFile() && dest.endsWith('/') ? join(dest, source.split('/').pop()!) : dest;
  mkdirSync(dirname(target), { recursive: true });
  const from = statSync(source).isDirectory() ? `${source}/.` : source;
  if (statSync(source).isDirectory()) mkdirSync(target, { recursive: true });
  const copy = spawnSync('cp', ['-a', from, target], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`cp -a ${from} ${target}: ${copy.stderr}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const pythonDocker =
  have('python3') &&
  spawnSync('python3', ['-c', 'import docker'], { stdio: 'ignore' }).status === 0;

describe('docker/Dockerfile', () => {
  it('has a build stage and a runtime stage that runs as a non-root user', () => {
    expect(buildStage, 'a stage named build').toBeDefined();
    expect(runtimeStage?.name).toBe('runtime');
    const user = argsOf(runtimeStage, 'USER').at(-1);
    expect(user, 'USER in the runtime stage').toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('exposes the ports the mounted configuration listens on', () => {
    expect(argsOf(runtimeStage, 'EXPOSE').join(' ').split(/\s+/).sort()).toEqual(
      [
        `${portOf(mountedConfig.api.listen)}/tcp`,
        `${portOf(mountedConfig.traps.listen)}/udp`,
      ].sort(),
    );
  });

  it.skipIf(!pythonDocker)(
    'the build context holds what the stages copy, and not node_modules or dist (install docker-compose, for python3-docker, to run this)',
    () => {
      // docker-py's own reading of .dockerignore: what docker-compose sends as the context.
      const script = [
        'import json, sys',
        'from docker.utils.build import exclude_paths',
        "patterns = [l.strip() for l in open('.dockerignore') if l.strip() and not l.startswith('#')]",
        "print(json.dumps(sorted(exclude_paths('.', patterns, dockerfile='docker/Dockerfile'))))",
      ].join('\n');
      const result = spawnSync('python3', ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const context = JSON.parse(result.stdout) as string[];
      const sources = [...copiesOf(buildStage), ...copiesOf(runtimeStage)]
        .filter((copy) => copy.from === null)
        .flatMap((copy) => copy.sources);
      for (const source of sources) {
        expect(context, `COPY ${source}`).toContain(source);
      }
      expect(context.filter((path) => /^(node_modules|dist|\.git)(\/|$)/.test(path))).toEqual([]);
    },
  );

  describe('its stages emulated without Docker', () => {
    let work: string;
    let buildTree: string;
    let runtimeTree: string;
    let redis: TestRedis | null = null;
    const runtimeDir = () => inTree(runtimeTree, workdirOf(runtimeStage), '.');
    const entrypoint = JSON.parse(argsOf(runtimeStage, 'ENTRYPOINT').at(-1) ?? '[]') as string[];
    const healthcheck = JSON.parse(
      /\bCMD\s+(\[.*\])$/.exec(argsOf(runtimeStage, 'HEALTHCHECK').at(-1) ?? '')?.[1] ?? '[]',
    ) as string[];
    // As the image's non-root user would: nobody, in a tree it cannot write.
    const asUser =
      process.getuid?.() === 0 ? ['--reuid=65534', '--regid=65534', '--clear-groups'] : null;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' };
    /** [command, args] for a ["node", ...] exec form, run as the image's user. */
    const commandFor = (execForm: string[]): [string, string[]] => {
      const [program, ...args] = execForm;
      const resolved = program === 'node' ? process.execPath : program!;
      return asUser ? ['setpriv', [...asUser, '--', resolved, ...args]] : [resolved, args];
    };
    const runEntrypoint = (args: string[]) => {
      const [command, commandArgs] = commandFor([...entrypoint, ...args]);
      return spawnSync(command, commandArgs, {
        cwd: runtimeDir(),
        env,
        encoding: 'utf8',
        timeout: 15_000,
      });
    };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'nicwatch-image-'));
      chmodSync(work, 0o755);
      buildTree = join(work, 'build');
      runtimeTree = join(work, 'runtime');
      emulateBuildStage();
      emulateRuntimeStage();
      if (haveRedis()) redis = await useRedis();
    }, 60_000);
    afterAll(async () => {
      await redis?.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    function emulateBuildStage(): void {
      const workdir = inTree(buildTree, workdirOf(buildStage), '.');
      mkdirSync(workdir, { recursive: true });
      const steps = (buildStage?.instructions ?? []).filter((i) =>
        ['COPY', 'RUN'].includes(i.keyword),
      );
      for (const step of steps) {
        if (step.keyword === 'COPY') {
          const [copy] = copiesOf({ name: '', instructions: [step] });
          for (const source of copy!.sources) {
            dockerCopy(
              join(REPO_ROOT, source),
              inTree(buildTree, workdirOf(buildStage), copy!.dest),
            );
          }
        } else {
          for (const command of step.args.split('&&').map((part) => part.trim())) {
            runBuildCommand(command, workdir);
          }
        }
      }
    }

    /**
     * One command of a RUN line. `npm ci` and `npm prune --omit=dev` are the two that need the
     * registry or would rewrite a tree: the first becomes a link to this checkout's node_modules
     * (what `npm ci` installs from the same lockfile; the build only reads it), the second the
     * production packages npm itself lists (`npm ls --omit=dev`), hard-linked where it can. Every
     * other npm command runs as written, offline.
     */
    function runBuildCommand(command: string, workdir: string): void {
      const modules = join(workdir, 'node_modules');
      if (/^npm ci(\s|$)/.test(command)) {
        symlinkSync(join(REPO_ROOT, 'node_modules'), modules);
      } else if (/^npm prune --omit=dev(\s|$)/.test(command)) {
        unlinkSync(modules);
        for (const pkg of productionPackages()) {
          const target = join(modules, pkg);
          mkdirSync(dirname(target), { recursive: true });
          const linked = spawnSync('cp', ['-al', join(REPO_ROOT, 'node_modules', pkg), target]);
          if (linked.status !== 0) dockerCopy(join(REPO_ROOT, 'node_modules', pkg), target);
        }
      } else if (/^npm\s/.test(command)) {
        const run = spawnSync('sh', ['-c', command], {
          cwd: workdir,
          env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
          encoding: 'utf8',
          timeout: 60_000,
        });
        if (run.status !== 0) throw new Error(`RUN ${command}: ${run.stdout}${run.stderr}`);
      } else {
        throw new Error(`no emulation for RUN ${command}`);
      }
    }

    /** Top-level folders under node_modules that a production install keeps. */
    function productionPackages(): string[] {
      const listed = spawnSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      if (listed.status !== 0) throw new Error(`npm ls --omit=dev: ${listed.stderr}`);
      const root = `${join(REPO_ROOT, 'node_modules')}/`;
      return listed.stdout
        .split('\n')
        .filter(
          (path) => path.startsWith(root) && !path.slice(root.length).includes('/node_modules/'),
        )
        .map((path) => path.slice(root.length));
    }

    function emulateRuntimeStage(): void {
      for (const copy of copiesOf(runtimeStage)) {
        for (const source of copy.sources) {
          const from = copy.from === null ? join(REPO_ROOT, source) : join(buildTree, source);
          dockerCopy(from, inTree(runtimeTree, workdirOf(runtimeStage), copy.dest));
        }
      }
    }

    it('builds dist with the dashboard assets, and keeps only production dependencies', () => {
      const dist = join(runtimeDir(), 'dist');
      expect(existsSync(join(dist, 'cli', 'nicwatch.js'))).toBe(true);
      // The page the api serves is copied by the build, not compiled: it must reach the image.
      for (const asset of filesUnder(join(REPO_ROOT, 'src', 'api', 'dashboard'))) {
        expect(existsSync(join(dist, 'api', 'dashboard', asset)), asset).toBe(true);
      }
      const modules = readdirSync(join(runtimeDir(), 'node_modules'));
      for (const dev of ['typescript', 'vitest', 'eslint', 'prettier', 'tsx']) {
        expect(modules, 'dev dependency in the image').not.toContain(dev);
      }
      expect(modules).toEqual(expect.arrayContaining(['bull', 'ioredis', 'net-snmp', 'express']));
    });

    it('the ENTRYPOINT prints the version and validates the mounted configuration', () => {
      const version = runEntrypoint(['--version']);
      expect(version.stdout.trim(), version.stderr).toBe(PACKAGE.version);
      const configCopy = join(work, 'nicwatch.yaml');
      cpSync(CONFIG_FILE, configCopy);
      const validate = runEntrypoint(['validate', '-c', configCopy]);
      expect(validate.stderr).toMatch(/OK, \d+ devices?/);
      expect(validate.status, validate.stderr).toBe(0);
    });

    it('the api role serves /healthz and the dashboard, and the HEALTHCHECK command says so', async () => {
      const config = join(work, 'api.yaml');
      const redisUrl = redis?.url ?? 'redis://127.0.0.1:1/0';
      writeFileSync(
        config,
        `redis: { url: "${redisUrl}", prefix: "${redis?.prefix ?? 'nwtest-image'}" }\n` +
          'api: { listen: "127.0.0.1:0" }\ntraps: { listen: false }\n',
      );
      const [command, args] = commandFor([...entrypoint, 'run', '-c', config, '--only', 'api']);
      const child: ChildProcess = spawn(command, args, {
        cwd: runtimeDir(),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        let address = '';
        await waitFor(
          'the api role listening',
          () => {
            if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
            address = /"address":"([^"]+)","msg":"api listening"/.exec(output)?.[1] ?? '';
            return address !== '';
          },
          10_000,
        );
        const page = await fetch(`http://${address}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const healthUrl = { NICWATCH_HEALTH_URL: `http://${address}/healthz` };
        const [hcCommand, hcArgs] = commandFor(healthcheck);
        const healthy = spawnSync(hcCommand, hcArgs, {
          env: { ...env, ...healthUrl },
          timeout: 10_000,
        });
        expect(healthy.status, 'HEALTHCHECK while the api serves').toBe(0);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        expect(child.exitCode, output).toBe(0);
        const unhealthy = spawnSync(hcCommand, hcArgs, {
          env: { ...env, ...healthUrl },
          timeout: 10_000,
        });
        expect(unhealthy.status, 'HEALTHCHECK once nothing listens').toBe(1);
      } finally {
        await stopChild(child);
      }
    });
  });
});
