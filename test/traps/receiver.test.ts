/**
 * The trap receiver against the real Net-SNMP senders (snmptrap, snmpinform), each sending from
 * its own loopback address (--clientaddr) as a separate device would.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snmp from 'net-snmp';
import pino from 'pino';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { DeviceConfig, UsmUserConfig } from '../../src/config/schema';
import type { TrapEvent } from '../../src/model';
import { startTrapReceiver, type TrapReceiver } from '../../src/traps/receiver';
import { REPO_ROOT } from '../helpers/cli';
import { waitFor } from '../helpers/wait';

const haveTools =
  spawnSync('sh', ['-c', 'command -v snmptrap && command -v snmpinform'], { stdio: 'ignore' })
    .status === 0;
if (!haveTools) console.log('receiver.test: snmptrap/snmpinform not installed: skipped');

const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const TOPOLOGY_CHANGE = '1.3.6.1.2.1.17.0.2';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
const SNMP_TRAP_ADDRESS = '1.3.6.1.6.3.18.1.3.0';
/** Where the receiver's address goes in a sender's arguments. */
const TARGET = '@RECEIVER@';

const DEVICES = [
  { name: 'sw-a', role: 'switch', address: '127.0.0.11' },
  { name: 'sw-b', role: 'switch', address: '127.0.0.12' },
  { name: 'srv1', role: 'server', address: '127.0.0.21' },
] as DeviceConfig[];

const AES_USER: UsmUserConfig = {
  name: 'nwtrap',
  level: 'authPriv',
  authProtocol: 'sha',
  authKey: 'authkey123',
  privProtocol: 'aes',
  privKey: 'privkey123',
};
const DES_USER: UsmUserConfig = {
  name: 'nwdes',
  level: 'authPriv',
  authProtocol: 'md5',
  authKey: 'authkey456',
  privProtocol: 'des',
  privKey: 'privkey456',
};
/** snmptrap's authoritative engine id: the receiver learns it from each trap. */
const SENDER_ENGINE = '0x8000000001020304';
const V3_AES = '-v3 -u nwtrap -l authPriv -a SHA -A authkey123 -x AES -X privkey123';
const V3_DES = '-v3 -u nwdes -l authPriv -a MD5 -A authkey456 -x DES -X privkey456';
const WRONG_AUTH = V3_AES.replace('authkey123', 'wrongauth123');
const WRONG_PRIV = V3_AES.replace('privkey123', 'wrongpriv123');
const UNKNOWN_USER = V3_AES.replace('nwtrap', 'mallory');

/** A sender's arguments written as its command line; `''` is an empty argument. */
function argv(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .map((arg) => (arg === "''" ? '' : arg));
}

interface Outcome {
  result: 'accepted' | 'rejected' | 'malformed';
  event?: TrapEvent;
  reason?: string;
  from?: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let stateDir = '';

/** A Net-SNMP command, without system config or MIBs, its state kept in a private folder. */
function runTool(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, MIBS: '', SNMPCONFPATH: stateDir, SNMP_PERSISTENT_DIR: stateDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!haveTools)('trap receiver with snmptrap and snmpinform', () => {
  let receiver: TrapReceiver;
  const outcomes: Outcome[] = [];
  const problems: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level >= 40) problems.push(line);
      },
    },
  );

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'nicwatch-traps-'));
    receiver = await startTrapReceiver({
      listen: '127.0.0.1:0',
      communities: ['public'],
      users: [AES_USER],
      devices: DEVICES,
      onTraps: (events) => events.forEach((event) => outcomes.push({ result: 'accepted', event })),
      onRejected: (reason, from) => outcomes.push({ result: 'rejected', reason, from }),
      onMalformed: (reason, from) => outcomes.push({ result: 'malformed', reason, from }),
      logger,
    });
  });

  afterAll(async () => {
    await receiver?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  /** Runs a sender and returns what the receiver made of it: exactly one outcome. */
  async function send(command: string, args: string[]): Promise<{ run: Run; outcome: Outcome }> {
    const before = outcomes.length;
    const run = await runTool(
      command,
      args.map((arg) => (arg === TARGET ? receiver.address : arg)),
    );
    await waitFor('an outcome at the receiver', () => outcomes.length > before, 3000);
    expect(outcomes.length - before, `got ${outcomes.length - before} outcomes, want 1`).toBe(1);
    return { run, outcome: outcomes[before] as Outcome };
  }

  it('reports the address it bound, with the port the system chose', () => {
    expect(receiver.address, `got ${receiver.address}`).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(receiver.address.endsWith(':0'), 'port 0 replaced by the real port').toBe(false);
  });

  const accepted: Array<{
    name: string;
    command: 'snmptrap' | 'snmpinform';
    args: string[];
    want: Partial<TrapEvent>;
    details: Record<string, unknown>;
  }> = [
    {
      name: 'v1 linkDown: device by agent-addr',
      command: 'snmptrap',
      args: argv(`-v1 -c public --clientaddr=127.0.0.12 ${TARGET}
        1.3.6.1.4.1.8072.3.2.10 127.0.0.11 2 0 '' ${IF_INDEX}.5 i 5`),
      want: { device: 'sw-a', type: 'link-down' },
      details: { version: '1', pduType: 'trap', ifIndex: 5, agentAddr: '127.0.0.11' },
    },
    {
      name: 'v2c linkUp with ifName: device by UDP source',
      command: 'snmptrap',
      args: argv(`-v2c -c public --clientaddr=127.0.0.12 ${TARGET} '' ${LINK_UP}
        ${IF_INDEX}.7 i 7 ${IF_OPER_STATUS}.7 i 1 ${IF_NAME}.7 s swp7`),
      want: { device: 'sw-b', type: 'link-up', interface: 'swp7' },
      details: { version: '2c', pduType: 'trap', ifIndex: 7, ifOperStatus: 'up' },
    },
    {
      name: 'v2c linkDown: device by snmpTrapAddress.0, not the source',
      command: 'snmptrap',
      args: argv(`-v2c -c public --clientaddr=127.0.0.12 ${TARGET} '' ${LINK_DOWN}
        ${IF_INDEX}.2 i 2 ${SNMP_TRAP_ADDRESS} a 127.0.0.21`),
      want: { device: 'srv1', type: 'link-down' },
      details: { ifIndex: 2 },
    },
    {
      name: 'v2c trap from an unconfigured address → unknown:<address>',
      command: 'snmptrap',
      args: argv(`-v2c -c public --clientaddr=127.0.0.99 ${TARGET} '' ${TOPOLOGY_CHANGE}`),
      want: { device: 'unknown:127.0.0.99', type: 'stp-topology-change' },
      details: {},
    },
    {
      name: 'v2c inform, acknowledged',
      command: 'snmpinform',
      args: argv(`-v2c -c public -t 2 -r 0 --clientaddr=127.0.0.11 ${TARGET} '' ${LINK_UP}
        ${IF_INDEX}.5 i 5`),
      want: { device: 'sw-a', type: 'link-up' },
      details: { version: '2c', pduType: 'inform', ifIndex: 5 },
    },
    {
      name: 'v3 authPriv SHA/AES trap (sender-authoritative engine id)',
      command: 'snmptrap',
      args: argv(`${V3_AES} -e ${SENDER_ENGINE} --clientaddr=127.0.0.21 ${TARGET} ''
        ${LINK_DOWN} ${IF_INDEX}.3 i 3`),
      want: { device: 'srv1', type: 'link-down' },
      details: { version: '3', pduType: 'trap', user: 'nwtrap', ifIndex: 3 },
    },
    {
      name: 'v3 authPriv SHA/AES inform (receiver-authoritative), acknowledged',
      command: 'snmpinform',
      args: argv(`${V3_AES} -t 2 -r 0 --clientaddr=127.0.0.11 ${TARGET} '' ${TOPOLOGY_CHANGE}`),
      want: { device: 'sw-a', type: 'stp-topology-change' },
      details: { version: '3', pduType: 'inform', user: 'nwtrap' },
    },
  ];

  it.each(accepted)('accepts $name', async ({ command, args, want, details }) => {
    const { run, outcome } = await send(command, args);
    expect(run.code, `got ${command} exit ${run.code} (${run.stderr.trim()}), want 0`).toBe(0);
    expect(outcome.result, `got ${outcome.result} (${outcome.reason}), want accepted`).toBe(
      'accepted',
    );
    const event = outcome.event as TrapEvent;
    expect(event, `got ${JSON.stringify(event)}`).toMatchObject({ source: 'trap', ...want });
    expect(event.details, `got details ${JSON.stringify(event.details)}`).toMatchObject(details);
    expect(event.details.trapId, 'trapId is <receiver id>:<counter>').toMatch(/^[0-9a-f]+:\d+$/);
  });

  it('gives every accepted trap its own trapId', () => {
    const ids = outcomes.flatMap((o) => (o.event ? [o.event.details.trapId] : []));
    expect(new Set(ids).size, `got ids ${ids.join(' ')}`).toBe(ids.length);
  });

  const rejected: Array<{
    name: string;
    command: 'snmptrap' | 'snmpinform';
    args: string[];
    reason: RegExp;
    /** The sender's own exit status: informs fail when nobody acknowledges. */
    exit: 'zero' | 'non-zero';
  }> = [
    {
      name: 'v2c trap with a wrong community',
      command: 'snmptrap',
      args: argv(`-v2c -c private ${TARGET} '' ${LINK_DOWN} ${IF_INDEX}.1 i 1`),
      reason: /unknown community/,
      exit: 'zero',
    },
    {
      name: 'v1 trap with a wrong community',
      command: 'snmptrap',
      args: argv(`-v1 -c private ${TARGET} 1.3.6.1.4.1.8072 127.0.0.11 2 0 ''`),
      reason: /unknown community/,
      exit: 'zero',
    },
    {
      name: 'v3 trap with a wrong auth key',
      command: 'snmptrap',
      args: argv(`${WRONG_AUTH} -e ${SENDER_ENGINE} ${TARGET} '' ${LINK_DOWN}`),
      reason: /authentication failed for user "nwtrap"/,
      exit: 'zero',
    },
    {
      name: 'v3 trap with a wrong privacy key',
      command: 'snmptrap',
      args: argv(`${WRONG_PRIV} -e ${SENDER_ENGINE} ${TARGET} '' ${LINK_DOWN}`),
      reason: /decryption failed|authentication failed/,
      exit: 'zero',
    },
    {
      name: 'v3 trap from an unknown user',
      command: 'snmptrap',
      args: argv(`${UNKNOWN_USER} -e ${SENDER_ENGINE} ${TARGET} '' ${LINK_DOWN}`),
      reason: /user not found.*mallory/,
      exit: 'zero',
    },
    {
      name: 'v3 inform with a wrong auth key (never acknowledged)',
      command: 'snmpinform',
      args: argv(`${WRONG_AUTH} -t 1 -r 0 ${TARGET} '' ${LINK_DOWN}`),
      reason: /authentication failed/,
      exit: 'non-zero',
    },
    {
      name: 'v3 inform from an unknown user (answered with a report)',
      command: 'snmpinform',
      args: argv(`${UNKNOWN_USER} -t 1 -r 0 ${TARGET} '' ${LINK_DOWN}`),
      reason: /unknown user name/,
      exit: 'non-zero',
    },
  ];

  it.each(rejected)('rejects $name', async ({ command, args, reason, exit }) => {
    const acceptedBefore = outcomes.filter((o) => o.result === 'accepted').length;
    const { run, outcome } = await send(command, args);
    const exited = run.code === 0 ? 'zero' : 'non-zero';
    expect(exited, `got ${command} exit ${run.code} (${run.stderr.trim()}), want ${exit}`).toBe(
      exit,
    );
    expect(outcome.result, `got ${outcome.result} (${outcome.reason}), want rejected`).toBe(
      'rejected',
    );
    expect(outcome.reason, `got reason "${outcome.reason}"`).toMatch(reason);
    expect(outcome.from, `got from ${outcome.from}`).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(outcome.reason, 'no community or key in the reason').not.toMatch(
      /private|wrongauth123|wrongpriv123|authkey123|privkey123/,
    );
    const acceptedAfter = outcomes.filter((o) => o.result === 'accepted').length;
    expect(acceptedAfter, 'nothing reached onTraps').toBe(acceptedBefore);
  });

  it('counts a datagram that is not SNMP as malformed and keeps serving', async () => {
    const before = outcomes.length;
    const socket = createSocket('udp4');
    const [host, port] = splitAddress(receiver.address);
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from('not snmp at all'), port, host, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    socket.close();
    await waitFor('the malformed outcome', () => outcomes.length > before, 3000);
    expect(outcomes[before]?.result, `got ${JSON.stringify(outcomes[before])}`).toBe('malformed');
    const { outcome } = await send('snmptrap', ['-v2c', '-c', 'public', TARGET, '', LINK_UP]);
    expect(outcome.result, 'a valid trap afterwards is accepted').toBe('accepted');
  });

  it('logged no warning or error for any of it', () => {
    expect(problems, `got log lines ${problems.join('\n')}`).toEqual([]);
  });
});

describe.skipIf(!haveTools)('SNMPv3 MD5/DES (child process with --openssl-legacy-provider)', () => {
  let child: ChildProcessWithoutNullStreams | null = null;
  const lines: Array<Record<string, unknown>> = [];

  // The receiver module through tsx, in a Node started as the nicwatch command is.
  const CHILD = `
    const { startTrapReceiver } = require(process.argv[1]);
    const pino = require('pino');
    const say = (o) => console.log(JSON.stringify(o));
    startTrapReceiver({
      listen: '127.0.0.1:0', communities: [], users: JSON.parse(process.argv[2]), devices: [],
      onTraps: (events) => say({ accepted: events[0] }),
      onRejected: (reason) => say({ rejected: reason }),
      onMalformed: (reason) => say({ malformed: reason }),
      logger: pino({ level: 'silent' }),
    }).then((r) => {
      say({ address: r.address });
      process.stdin.on('end', () => r.close());
      process.stdin.resume();
    });`;

  beforeAll(async () => {
    stateDir = stateDir || mkdtempSync(join(tmpdir(), 'nicwatch-traps-'));
    const module = join(REPO_ROOT, 'src', 'traps', 'receiver.ts');
    const args = ['--openssl-legacy-provider', '--import', 'tsx', '-e', CHILD, module];
    child = spawn(process.execPath, [...args, JSON.stringify([DES_USER])], { cwd: REPO_ROOT });
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
    });
    await waitFor('the child receiver', () => lines.some((l) => 'address' in l), 10_000);
  });

  afterAll(async () => {
    if (!child) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.stdin.end();
    const timer = setTimeout(() => child?.kill(), 3000);
    await exited;
    clearTimeout(timer);
  });

  const address = (): string => String(lines.find((l) => 'address' in l)?.address);

  it.each([
    { name: 'trap', command: 'snmptrap', extra: ['-e', SENDER_ENGINE] },
    { name: 'inform', command: 'snmpinform', extra: ['-t', '2', '-r', '0'] },
  ])('accepts a MD5/DES $name', async ({ command, extra }) => {
    const before = lines.length;
    const run = await runTool(command, [...argv(V3_DES), ...extra, address(), '', LINK_UP]);
    expect(run.code, `got ${command} exit ${run.code} (${run.stderr.trim()}), want 0`).toBe(0);
    await waitFor('the child outcome', () => lines.length > before, 3000);
    const got = lines[before] as { accepted?: TrapEvent };
    expect(got.accepted, `got ${JSON.stringify(got)}, want an accepted trap`).toMatchObject({
      type: 'link-up',
      details: { version: '3', user: 'nwdes' },
    });
  });

  it('rejects a MD5/DES trap with a wrong privacy key', async () => {
    const before = lines.length;
    const args = argv(`${V3_DES.replace('privkey456', 'wrongpriv456')} -e ${SENDER_ENGINE}`);
    await runTool('snmptrap', [...args, address(), '', LINK_UP]);
    await waitFor('the child outcome', () => lines.length > before, 3000);
    expect(lines[before], `got ${JSON.stringify(lines[before])}`).toHaveProperty('rejected');
  });
});

describe('what net-snmp alone would let through', () => {
  it('rejects a v3 noAuthNoPriv trap with an empty user name when no such user is configured', async () => {
    const outcomes: string[] = [];
    const receiver = await startTrapReceiver({
      listen: '127.0.0.1:0',
      communities: ['public'],
      users: [AES_USER],
      devices: [],
      onTraps: () => outcomes.push('accepted'),
      onRejected: (reason) => outcomes.push(`rejected: ${reason}`),
      onMalformed: (reason) => outcomes.push(`malformed: ${reason}`),
      logger: pino({ level: 'silent' }),
    });
    const port = Number(receiver.address.split(':')[1]);
    const anonymous = { name: '', level: snmp.SecurityLevel.noAuthNoPriv };
    const session = snmp.createV3Session('127.0.0.1', anonymous, {
      trapPort: port,
      engineID: '8000000001020304',
    } as snmp.SessionOptionsV3);
    try {
      await new Promise<void>((resolve, reject) =>
        session.trap(LINK_UP, [], (err: Error | null) => (err ? reject(err) : resolve())),
      );
      await waitFor('the outcome', () => outcomes.length > 0, 3000);
      expect(outcomes, `got ${outcomes.join(', ')}`).toEqual([
        'rejected: SNMPv3 user "" is not configured',
      ]);
    } finally {
      session.close();
      await receiver.close();
    }
  });
});

describe('start-up and shutdown', () => {
  const quiet = pino({ level: 'silent' });
  const options = {
    communities: ['public'],
    users: [],
    devices: [],
    onTraps: () => undefined,
    onRejected: () => undefined,
    onMalformed: () => undefined,
    logger: quiet,
  };

  it('a port in use rejects start-up with a message naming the address', async () => {
    const first = await startTrapReceiver({ ...options, listen: '127.0.0.1:0' });
    try {
      const err = await startTrapReceiver({ ...options, listen: first.address }).catch(
        (e: unknown) => e,
      );
      expect(err, `got ${String(err)}, want an Error`).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message, `got "${message}"`).toContain(first.address);
      expect(message, `got "${message}"`).toContain('EADDRINUSE');
    } finally {
      await first.close();
    }
  });

  it.skipIf(process.getuid?.() === 0)(
    'port 162 as non-root rejects start-up naming the address and the fix',
    async () => {
      const err = await startTrapReceiver({ ...options, listen: '127.0.0.1:162' }).catch(
        (e: unknown) => e,
      );
      expect(String(err), `got ${String(err)}`).toMatch(/127\.0\.0\.1:162.*EACCES/);
    },
  );

  it('an unusable listen address is refused before binding', async () => {
    const err = await startTrapReceiver({ ...options, listen: '127.0.0.1' }).catch((e) => e);
    expect(String(err), `got ${String(err)}`).toMatch(/listen address.*host:port/);
  });

  it('close() frees the port, and a second close() is harmless', async () => {
    const receiver = await startTrapReceiver({ ...options, listen: '127.0.0.1:0' });
    await receiver.close();
    await receiver.close();
    const again = await startTrapReceiver({ ...options, listen: receiver.address });
    expect(again.address, `got ${again.address}`).toBe(receiver.address);
    await again.close();
  });
});

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}
