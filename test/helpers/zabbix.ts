/**
 * A private Zabbix 6.0 for tests: its own PostgreSQL cluster, `zabbix_server -f` and the PHP
 * frontend's JSON-RPC API under `php -S`, all in one temp folder, on loopback ports of their own,
 * stopped by their PIDs. Nothing under /etc is read or written.
 *
 * Recipe: /work/shared/docs/real-peers.md ("Zabbix 6.0.14"). Packages (Debian 12):
 * `postgresql php-cli php-cgi php-pgsql zabbix-server-pgsql zabbix-frontend-php`
 * (`scripts/install-deps.sh --with-nms`).
 *
 * - PostgreSQL listens on its socket folder only (no TCP), trusts local connections and runs
 *   without fsync: a throw-away cluster. As root it runs as the `postgres` user (it refuses root).
 *   Loading Zabbix's data.sql (130,000 INSERTs) is most of the start-up time.
 * - The frontend reads its database settings from the hard-coded /etc/zabbix/zabbix.conf.php; PHP
 *   loads a copy of that class first (`auto_prepend_file`), made at start from the installed
 *   file, whose path points at our own zabbix.conf.php.
 * - The server syncs its configuration cache every second, so hosts and items created through
 *   the API are polled soon; `reloadConfigCache()` asks for a sync at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { waitFor } from './wait';

const FRONTEND_DIR = '/usr/share/zabbix';
const SQL_DIR = '/usr/share/zabbix-server-pgsql';
const SQL_FILES = ['schema.sql.gz', 'images.sql.gz', 'data.sql.gz'];
const CONFIG_CLASS = join(FRONTEND_DIR, 'include/classes/core/CConfigFile.php');
const INSTALL_HINT =
  'install postgresql php-cli php-cgi php-pgsql zabbix-server-pgsql zabbix-frontend-php (scripts/install-deps.sh --with-nms)';
/** The superuser initdb creates; server and frontend log in as it, without a password. */
const DB_USER = 'zabbix';
const DB_NAME = 'zabbix';

type Started = ChildProcess & { stopSignal: NodeJS.Signals };

export interface ZabbixTimings {
  /** initdb, postgres, Zabbix's schema and data. */
  databaseMs: number;
  /** zabbix_server until its task manager and pollers run. */
  serverMs: number;
  /** php -S until user.login answers. */
  frontendMs: number;
  totalMs: number;
}

export interface ZabbixServer {
  /** `http://127.0.0.1:PORT/api_jsonrpc.php` */
  apiUrl: string;
  /** One JSON-RPC call as Admin; rejects with Zabbix's message and data on an error. */
  api<T = unknown>(method: string, params: unknown): Promise<T>;
  /** `zabbix_server -R config_cache_reload`: the server picks up API changes now. */
  reloadConfigCache(): Promise<void>;
  /** The server's log so far (item errors, LLD errors). */
  serverLog(): string;
  timings: ZabbixTimings;
  /** Stops frontend, server and database by PID, then deletes the folder. */
  stop(): Promise<void>;
}

/** Why a private Zabbix cannot start here (what to install), or null when it can. */
export function zabbixMissing(): string | null {
  const missing: string[] = [];
  if (!onPath('zabbix_server')) missing.push('zabbix_server');
  if (!postgresBinDir()) missing.push('PostgreSQL (initdb)');
  if (!onPath('php')) missing.push('php');
  else if (spawnSync('php', ['-r', 'exit(extension_loaded("pgsql") ? 0 : 1);']).status !== 0)
    missing.push("php's pgsql extension");
  if (!existsSync(join(FRONTEND_DIR, 'api_jsonrpc.php'))) missing.push('Zabbix frontend');
  if (!existsSync(join(SQL_DIR, 'data.sql.gz'))) missing.push("Zabbix server's SQL files");
  if (process.getuid?.() === 0 && (!onPath('setpriv') || !userExists('postgres')))
    missing.push('setpriv or postgres user');
  if (missing.length === 0) return null;
  return `Zabbix test skipped: no ${missing.join(', ')}; ${INSTALL_HINT}`;
}

export async function startZabbix(): Promise<ZabbixServer> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'nicwatch-zabbix-'));
  chmodSync(dir, 0o755); // the postgres user walks through it to its own folders
  const processes: Started[] = [];
  const lastResort = (): void => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', lastResort);
  const stopAll = async (): Promise<void> => {
    // Frontend and server first, so that the database has no clients left.
    for (const child of [...processes].reverse()) await stopProcess(child);
    process.removeListener('exit', lastResort);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const db = await startDatabase(dir, processes);
    const databaseMs = Date.now() - started;
    const server = await startServer(dir, db, processes);
    const serverMs = Date.now() - started - databaseMs;
    const frontend = await startFrontend(dir, db, server.port, processes);
    const frontendMs = Date.now() - started - databaseMs - serverMs;
    // The stock "Zabbix server" host polls an agent nobody runs here: keep it quiet.
    const hosts = await frontend.api<Array<{ hostid: string }>>('host.get', {
      filter: { host: ['Zabbix server'] },
      output: ['hostid'],
    });
    for (const { hostid } of hosts) await frontend.api('host.update', { hostid, status: 1 });
    return {
      apiUrl: frontend.apiUrl,
      api: frontend.api,
      reloadConfigCache: server.reloadConfigCache,
      serverLog: server.log,
      timings: { databaseMs, serverMs, frontendMs, totalMs: Date.now() - started },
      stop: stopAll,
    };
  } catch (err) {
    const log = join(dir, 'zabbix_server.log');
    const detail = existsSync(log) ? `\nzabbix_server.log:\n${readFileSync(log, 'utf8')}` : '';
    await stopAll();
    throw new Error(`${(err as Error).message}${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

interface Database {
  socketDir: string;
  port: number;
}

async function startDatabase(dir: string, processes: Started[]): Promise<Database> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no initdb');
  const dataDir = join(dir, 'pgdata');
  const socketDir = join(dir, 'pgsocket');
  for (const folder of [dataDir, socketDir]) mkdirSync(folder, { mode: 0o700 });
  const asOwner = clusterOwner([dataDir, socketDir]);
  const initdb = await run(
    asOwner([join(bin, 'initdb'), '-D', dataDir, '-U', DB_USER, '-A', 'trust', '-E', 'UTF8']),
    { env: { LC_ALL: 'C.UTF-8' } },
  );
  if (initdb.code !== 0) throw new Error(`initdb failed:\n${initdb.output}`);
  // The port only names the socket file: listen_addresses is empty, nothing listens on TCP.
  const port = await freeTcpPort(20000, 32767);
  const postgres = start(
    asOwner([
      join(bin, 'postgres'),
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]),
    join(dir, 'postgres.log'),
    'SIGINT', // a fast shutdown: no waiting for clients
  );
  processes.push(postgres);
  const psql = [join(bin, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', socketDir];
  const connect = [...psql, '-p', String(port), '-U', DB_USER];
  await waitFor(
    'PostgreSQL to accept connections',
    async () => {
      if (postgres.exitCode !== null) throw new Error(`postgres exited: ${log(dir, 'postgres')}`);
      return (await run([...connect, '-d', 'postgres', '-c', 'select 1'])).code === 0;
    },
    15_000,
  );
  const created = await run([...connect, '-d', 'postgres', '-c', `create database ${DB_NAME}`]);
  if (created.code !== 0) throw new Error(`create database failed: ${created.output}`);
  // Zabbix's own rows are consistent: loading them without the foreign-key checks (replica mode)
  // takes about half the time.
  const env = { PGOPTIONS: '-c session_replication_role=replica' };
  for (const file of SQL_FILES) {
    const loaded = await run([...connect, '-d', DB_NAME], { env, stdinGzip: join(SQL_DIR, file) });
    if (loaded.code !== 0) throw new Error(`loading ${file} failed: ${loaded.output}`);
  }
  return { socketDir, port };
}

/** The argv that runs a command as the cluster's owner: postgres as root, else ourselves. */
function clusterOwner(folders: string[]): (command: string[]) => string[] {
  if (process.getuid?.() !== 0) return (command) => command;
  const id = (flag: string): number =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  for (const folder of folders) chownSync(folder, id('-u'), id('-g'));
  return (command) => [
    'setpriv',
    '--reuid=postgres',
    '--regid=postgres',
    '--clear-groups',
    '--',
    ...command,
  ];
}

// ---------------------------------------------------------------------------------------------
// zabbix_server

interface Server {
  port: number;
  log(): string;
  reloadConfigCache(): Promise<void>;
}

async function startServer(dir: string, db: Database, processes: Started[]): Promise<Server> {
  const port = await freeTcpPort(20000, 32767); // zabbix_server accepts 1024-32767 only
  const logFile = join(dir, 'zabbix_server.log');
  const configFile = join(dir, 'zabbix_server.conf');
  const settings: Record<string, string | number> = {
    ListenIP: '127.0.0.1',
    ListenPort: port,
    LogType: 'file',
    LogFile: logFile,
    LogFileSize: 0,
    PidFile: join(dir, 'zabbix_server.pid'),
    SocketDir: dir,
    DBHost: db.socketDir, // a folder: libpq takes it as the socket's
    DBPort: db.port,
    DBName: DB_NAME,
    DBUser: DB_USER,
    AllowRoot: 1, // a private instance in a temp folder; as root it would switch to `zabbix`
    CacheUpdateFrequency: 1,
    // Only what HTTP-agent items, dependent items, LLD and triggers need.
    StartPollers: 2,
    StartPollersUnreachable: 1,
    StartTrappers: 1,
    StartPingers: 0,
    StartDiscoverers: 0,
    StartHTTPPollers: 0,
    StartProxyPollers: 0,
    StartHistoryPollers: 1,
    StartPreprocessors: 1,
    StartLLDProcessors: 1,
    StartDBSyncers: 1,
    StartAlerters: 1,
    StartEscalators: 1,
    StartTimers: 1,
    HousekeepingFrequency: 0,
  };
  writeFileSync(
    configFile,
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  const server = start(
    ['zabbix_server', '-f', '-c', configFile],
    join(dir, 'zabbix_server.out.log'),
  );
  processes.push(server);
  const serverLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  await waitFor(
    'zabbix_server to start its task manager and pollers',
    () => {
      if (server.exitCode !== null) throw new Error(`zabbix_server exited: ${serverLog()}`);
      const text = serverLog();
      return text.includes('started [task manager') && text.includes('started [poller');
    },
    20_000,
  );
  return {
    port,
    log: serverLog,
    reloadConfigCache: async () => {
      const reload = await run(['zabbix_server', '-c', configFile, '-R', 'config_cache_reload']);
      if (reload.code !== 0) throw new Error(`config_cache_reload failed: ${reload.output}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Frontend (JSON-RPC API)

interface Frontend {
  apiUrl: string;
  api<T = unknown>(method: string, params: unknown): Promise<T>;
}

async function startFrontend(
  dir: string,
  db: Database,
  serverPort: number,
  processes: Started[],
): Promise<Frontend> {
  const configFile = join(dir, 'zabbix.conf.php');
  writeFileSync(
    configFile,
    [
      '<?php',
      `$DB['TYPE'] = 'POSTGRESQL';`,
      `$DB['SERVER'] = '${db.socketDir}';`,
      `$DB['PORT'] = '${db.port}';`,
      `$DB['DATABASE'] = '${DB_NAME}';`,
      `$DB['USER'] = '${DB_USER}';`,
      `$DB['PASSWORD'] = '';`,
      `$DB['SCHEMA'] = '';`,
      `$DB['DOUBLE_IEEE754'] = true;`,
      `$ZBX_SERVER = '127.0.0.1';`,
      `$ZBX_SERVER_PORT = '${serverPort}';`,
      `$ZBX_SERVER_NAME = 'nicwatch test';`,
      `$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;`,
      '',
    ].join('\n'),
  );
  const installed = readFileSync(CONFIG_CLASS, 'utf8');
  const moved = installed.replace("'/etc/zabbix/zabbix.conf.php'", `'${configFile}'`);
  if (moved === installed) throw new Error(`${CONFIG_CLASS} no longer names its config file`);
  const preload = join(dir, 'CConfigFile.php');
  writeFileSync(preload, moved);
  const port = await freeTcpPort(20000, 60000);
  const php = start(
    ['php', '-d', `auto_prepend_file=${preload}`, '-S', `127.0.0.1:${port}`, '-t', FRONTEND_DIR],
    join(dir, 'php.log'),
  );
  processes.push(php);
  const apiUrl = `http://127.0.0.1:${port}/api_jsonrpc.php`;
  let auth: string | null = null;
  let id = 0;
  const api = async <T>(method: string, params: unknown): Promise<T> => {
    const body = { jsonrpc: '2.0', method, params, id: ++id, ...(auth ? { auth } : {}) };
    const response = await fetch(apiUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json-rpc' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let answer: { result?: T; error?: { message: string; data: string } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new Error(`${method}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (answer.error) throw new Error(`${method}: ${answer.error.message} ${answer.error.data}`);
    return answer.result as T;
  };
  await waitFor(
    'the Zabbix frontend to serve api_jsonrpc.php',
    async () => {
      if (php.exitCode !== null) throw new Error(`php -S exited: ${log(dir, 'php')}`);
      try {
        await api('apiinfo.version', {});
        return true;
      } catch (err) {
        if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return false;
        throw err;
      }
    },
    10_000,
  );
  auth = await api<string>('user.login', { username: 'Admin', password: 'zabbix' });
  return { apiUrl, api };
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Starts a long-running program with its output in `logFile`; `stopSignal` ends it cleanly. */
function start(argv: string[], logFile: string, stopSignal: NodeJS.Signals = 'SIGTERM'): Started {
  const [command, ...args] = argv as [string, ...string[]];
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    return Object.assign(child, { stopSignal });
  } finally {
    closeSync(fd);
  }
}

/** `stopSignal`, then SIGKILL after 10 s; resolves once it is gone. */
async function stopProcess(child: Started): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(child.stopSignal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a short command to its end; `stdinGzip` streams a gzip file's text to its stdin. */
function run(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; stdinGzip?: string } = {},
): Promise<RunResult> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: [options.stdinGzip ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    if (options.stdinGzip && child.stdin) {
      // A psql that stops early (ON_ERROR_STOP) closes its stdin: its exit code tells why.
      pipeline(createReadStream(options.stdinGzip), createGunzip(), child.stdin).catch(() => {});
    }
  });
}

function log(dir: string, name: string): string {
  const file = join(dir, `${name}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** A TCP port in [low, high] that nothing listens on on 127.0.0.1 right now. */
async function freeTcpPort(low: number, high: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port in ${low}-${high}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

/** The folder of PostgreSQL's server programs: beside initdb on PATH, else Debian's newest. */
function postgresBinDir(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (found) return dirname(realpathSync(found));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}
