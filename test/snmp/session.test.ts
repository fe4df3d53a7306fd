/**
 * src/snmp/session.ts (and readExtend) against a real Net-SNMP snmpd: every SNMP version and v3
 * security level, walks compared with `snmpbulkwalk`, extend output, and the SnmpError of each
 * failure as snmpd really produces it.
 *
 * What Net-SNMP 5.9.3's snmpd here accepts in `createUser`: auth MD5, SHA, SHA-224, SHA-256,
 * SHA-384, SHA-512; privacy DES, AES (AES-128), and — its libnetsnmp is built with both key
 * extensions — AES-192/AES-256 (Blumenthal) and AES-192-C/AES-256-C (Reeder, "Cisco"). The
 * net-snmp npm package (3.29) offers only des, aes, aes256b and aes256r, so AES-192 cannot be
 * reached through session.ts and is not tested; aes256b matches snmpd's AES-256 and aes256r its
 * AES-256-C. They are tested with SHA-1 and MD5 keys, which are shorter than 256 bits, so the key
 * extension really runs (with SHA-256 or longer both variants give the same key).
 */
import { execFile } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnmpError, type SnmpFailure } from '../../src/errors';
import { readExtend } from '../../src/snmp/extend';
import { NS_EXTEND_OUTPUT_FULL, SYS_UP_TIME, stringIndex } from '../../src/snmp/oids';
import {
  openSnmpClient,
  type AuthProtocol,
  type PrivProtocol,
  type SnmpClient,
  type SnmpTarget,
  type SnmpUser,
  type SnmpValue,
  type Varbind,
} from '../../src/snmp/session';
import { REPO_ROOT } from '../helpers/cli';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd';
import { freeUdpPort } from '../helpers/wait';

const run = promisify(execFile);

const AUTH_KEY = 'authpass123';
const PRIV_KEY = 'privpass123';
const SYSTEM = '1.3.6.1.2.1.1';
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2';
const IF_TYPE = '1.3.6.1.2.1.2.2.1.3';
const IF_HC_IN_OCTETS = '1.3.6.1.2.1.31.1.1.1.6';
/** SNMPv2-MIB snmpInASNParseErrs.0 */
const SNMP_IN_ASN_PARSE_ERRS = '1.3.6.1.2.1.11.6.0';
const SESSION_JS = join(REPO_ROOT, 'dist', 'snmp', 'session.js');

/** nsExtendOutputFull of an extend. */
const extendOutput = (name: string): string => `${NS_EXTEND_OUTPUT_FULL}.${stringIndex(name)}`;

/** snmpd drops exactly one trailing newline from an extend's output (and nothing else). */
const asSnmpdServes = (text: string): string => text.replace(/\n$/, '');

const BOND0_TEXT = 'Ethernet Channel Bonding Driver\nBonding Mode: active-backup\n';

// ---------------------------------------------------------------------------------------------
// SNMPv3 users: one per security level × protocol, each with its snmpd.conf lines.

const AUTH_PROTOCOLS: Array<[AuthProtocol, string]> = [
  ['md5', 'MD5'],
  ['sha', 'SHA'],
  ['sha224', 'SHA-224'],
  ['sha256', 'SHA-256'],
  ['sha384', 'SHA-384'],
  ['sha512', 'SHA-512'],
];

interface V3Case {
  name: string;
  user: SnmpUser;
  conf: string[];
}

function v3Case(auth?: [AuthProtocol, string], priv?: [PrivProtocol, string]): V3Case {
  if (!auth) {
    return {
      name: 'v3 noAuthNoPriv',
      user: { name: 'nwnoauth', level: 'noAuthNoPriv' },
      conf: ['createUser nwnoauth', 'rouser nwnoauth noauth'],
    };
  }
  const [authProtocol, authConf] = auth;
  if (!priv) {
    const name = `nwauth${authProtocol}`;
    return {
      name: `v3 authNoPriv ${authConf}`,
      user: { name, level: 'authNoPriv', authProtocol, authKey: AUTH_KEY },
      conf: [`createUser ${name} ${authConf} ${AUTH_KEY}`, `rouser ${name} auth`],
    };
  }
  const [privProtocol, privConf] = priv;
  const name = `nwpriv${authProtocol}${privProtocol}`;
  return {
    name: `v3 authPriv ${authConf} ${privConf} (${privProtocol})`,
    user: {
      name,
      level: 'authPriv',
      authProtocol,
      authKey: AUTH_KEY,
      privProtocol,
      privKey: PRIV_KEY,
    },
    conf: [
      `createUser ${name} ${authConf} ${AUTH_KEY} ${privConf} ${PRIV_KEY}`,
      `rouser ${name} priv`,
    ],
  };
}

const SHA1: [AuthProtocol, string] = ['sha', 'SHA'];
const MD5: [AuthProtocol, string] = ['md5', 'MD5'];
const SHA512: [AuthProtocol, string] = ['sha512', 'SHA-512'];

const V3_CASES: V3Case[] = [
  v3Case(),
  ...AUTH_PROTOCOLS.map((auth) => v3Case(auth)),
  ...AUTH_PROTOCOLS.map((auth) => v3Case(auth, ['aes', 'AES'])),
  v3Case(SHA1, ['aes256b', 'AES-256']),
  v3Case(MD5, ['aes256b', 'AES-256']),
  v3Case(SHA1, ['aes256r', 'AES-256-C']),
  v3Case(MD5, ['aes256r', 'AES-256-C']),
];

/** DES needs OpenSSL's legacy provider: run in a child `node --openssl-legacy-provider`. */
const DES_CASES: V3Case[] = [
  v3Case(MD5, ['des', 'DES']),
  v3Case(SHA1, ['des', 'DES']),
  v3Case(SHA512, ['des', 'DES']),
];

const SHA_AES = V3_CASES.find((c) => c.user.name === 'nwprivshaaes') as V3Case;
const SHA_AES256B = V3_CASES.find((c) => c.user.name === 'nwprivshaaes256b') as V3Case;
const SHA384_AUTH = V3_CASES.find((c) => c.user.name === 'nwauthsha384') as V3Case;

// ---------------------------------------------------------------------------------------------
// Extends for readExtend.

interface ExtendCase {
  name: string;
  extend: string;
  /** What the extend's command prints (a file it cats)… */
  text?: string;
  /** …or a command line. */
  command?: string;
  wantText: string;
  wantExitCode: number;
}

const BONDING_FIXTURE = readFileSync(
  join(REPO_ROOT, 'test', 'fixtures', 'bonding', 'active-backup-mii-both-up.txt'),
  'utf8',
);
const LONG_TEXT = Array.from({ length: 200 }, (_, i) => `line ${i} of a long status file\n`).join(
  '',
);

const EXTEND_CASES: ExtendCase[] = [
  {
    name: 'a /proc/net/bonding file: several lines, trailing newline dropped',
    extend: 'bondfile',
    text: BONDING_FIXTURE,
    wantText: asSnmpdServes(BONDING_FIXTURE),
    wantExitCode: 0,
  },
  {
    name: 'no trailing newline: unchanged',
    extend: 'nonewline',
    text: 'line one\nline two',
    wantText: 'line one\nline two',
    wantExitCode: 0,
  },
  {
    name: 'several trailing newlines: only the last is dropped',
    extend: 'blanks',
    text: 'x\n\n\n',
    wantText: 'x\n\n',
    wantExitCode: 0,
  },
  { name: 'empty output', extend: 'empty', text: '', wantText: '', wantExitCode: 0 },
  {
    name: 'leading blanks, tab, CR LF and UTF-8 kept',
    extend: 'bytes',
    text: '  lead\ttab\r\nü—é\n',
    wantText: '  lead\ttab\r\nü—é',
    wantExitCode: 0,
  },
  {
    name: 'output larger than one UDP datagram on Ethernet (~6 KB)',
    extend: 'long',
    text: LONG_TEXT,
    wantText: asSnmpdServes(LONG_TEXT),
    wantExitCode: 0,
  },
  {
    name: 'failing command: its output and exit code 3',
    extend: 'failing',
    command: `/bin/sh -c 'echo partial output; exit 3'`,
    wantText: 'partial output',
    wantExitCode: 3,
  },
  {
    name: 'command that fails silently: exit code 1',
    extend: 'false',
    command: '/bin/false',
    wantText: '',
    wantExitCode: 1,
  },
];

// ---------------------------------------------------------------------------------------------
// Net-SNMP's own tools as the reference.

/** Prints a value the way a failure message should show it. */
function show(value: SnmpValue | undefined): string {
  if (Buffer.isBuffer(value)) return `Buffer(${JSON.stringify(value.toString('latin1'))})`;
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value);
}

function showRows(rows: Varbind[]): string {
  return `[${rows.map((vb) => `${vb.oid}=${show(vb.value)}`).join(', ')}]`;
}

/**
 * Varbinds from Net-SNMP tool output printed with `-On -Oe -Ox`: numeric OIDs, numeric enums,
 * every OCTET STRING as hex (a long one continues on the next lines).
 */
function parseToolOutput(text: string): Varbind[] {
  const rows: Array<{ oid: string; text: string }> = [];
  for (const line of text.split('\n')) {
    const start = /^\.(\d[\d.]*) = (.*)$/.exec(line);
    const last = rows[rows.length - 1];
    if (start) {
      rows.push({ oid: start[1] as string, text: start[2] as string });
    } else if (last && last.text.startsWith('Hex-STRING:') && /^([0-9A-F]{2} ?)+$/.test(line)) {
      last.text += ` ${line}`;
    } else if (line !== '' && !/^(End of MIB|No more variables)/.test(line)) {
      throw new Error(`Net-SNMP tool output line not understood: ${line}`);
    }
  }
  // noSuchObject/noSuchInstance/endOfMibView exceptions, printed where a value would be
  return rows
    .filter((row) => !/^(No Such |No more variables)/.test(row.text))
    .map((row) => ({ oid: row.oid, value: parseToolValue(row.text) }));
}

function parseToolValue(text: string): SnmpValue {
  if (text === '""') return Buffer.alloc(0);
  const [, type, raw = ''] = /^([\w-]+): (.*)$/s.exec(text) ?? [];
  switch (type) {
    case 'Hex-STRING':
      return Buffer.from(raw.replace(/\s+/g, ''), 'hex');
    case 'OID':
      return raw.replace(/^\./, '');
    case 'INTEGER':
    case 'Gauge32':
    case 'Counter32':
      return Number(raw);
    case 'Timeticks':
      return Number(/^\((\d+)\)/.exec(raw)?.[1]);
    case 'Counter64':
      return BigInt(raw);
    case 'IpAddress':
      return raw;
    default:
      throw new Error(`Net-SNMP tool value not understood: ${text}`);
  }
}

const TOOL_OPTIONS = ['-On', '-Oe', '-Ox', '-M', '/dev/null', '-t', '2', '-r', '0'];
const TOOL_ENV = { env: { ...process.env, MIBS: '' } };

// ---------------------------------------------------------------------------------------------

describe.skipIf(!haveSnmpd())('SNMP session against a real snmpd', () => {
  let snmpd: Snmpd;
  /** A UDP port nothing listens on. */
  let deadPort: number;

  const agent = (): string => `127.0.0.1:${snmpd.port}`;

  const targetOf = (overrides: Partial<SnmpTarget>): SnmpTarget => ({
    host: '127.0.0.1',
    port: snmpd.port,
    version: '2c',
    community: 'public',
    timeoutMs: 2000,
    retries: 0,
    ...overrides,
  });

  async function withClient<T>(
    overrides: Partial<SnmpTarget>,
    use: (client: SnmpClient) => Promise<T>,
  ): Promise<T> {
    const client = openSnmpClient(targetOf(overrides));
    try {
      return await use(client);
    } finally {
      client.close();
    }
  }

  async function referenceWalk(oid: string, community = 'public'): Promise<Varbind[]> {
    const args = ['-v2c', '-c', community, ...TOOL_OPTIONS, agent(), oid];
    const { stdout } = await run('snmpbulkwalk', args, TOOL_ENV);
    return parseToolOutput(stdout);
  }

  async function referenceGet(oid: string): Promise<SnmpValue> {
    const args = ['-v2c', '-c', 'public', ...TOOL_OPTIONS, agent(), oid];
    const { stdout } = await run('snmpget', args, TOOL_ENV);
    const [row] = parseToolOutput(stdout);
    if (!row) throw new Error(`snmpget ${oid} printed no value: ${stdout}`);
    return row.value;
  }

  beforeAll(async () => {
    deadPort = await freeUdpPort();
    const extendTexts: Record<string, string> = { bond0: BOND0_TEXT };
    const commands: Record<string, string> = {};
    for (const c of EXTEND_CASES) {
      if (c.command === undefined) extendTexts[c.extend] = c.text ?? '';
      else commands[c.extend] = c.command;
    }
    snmpd = await startSnmpd({
      extends: extendTexts,
      commands,
      lines: [
        // a community that sees only the system group: a walk of it runs into the end of the view
        `rocommunity narrow 127.0.0.1 .${SYSTEM}`,
        ...[...V3_CASES, ...DES_CASES].flatMap((c) => c.conf),
      ],
    });
  });
  afterAll(async () => snmpd?.stop());

  describe('get sysUpTime.0 and an extend over every version and security level', () => {
    const cases: Array<{ name: string; target: () => Partial<SnmpTarget> }> = [
      { name: 'v1', target: () => ({ version: '1' }) },
      { name: 'v2c', target: () => ({ version: '2c' }) },
      ...V3_CASES.map((c) => ({
        name: c.name,
        target: () => ({ version: '3' as const, user: c.user }),
      })),
    ];

    it.each(cases)('$name', async ({ target }) => {
      const got = await withClient(target(), (client) =>
        client.get([SYS_UP_TIME, extendOutput('bond0')]),
      );
      const gotOids = got.map((vb) => vb.oid);
      const wantOids = [SYS_UP_TIME, extendOutput('bond0')];
      expect(gotOids, `got oids ${gotOids}, want ${wantOids}`).toEqual(wantOids);
      const [upTime, output] = got;
      expect(typeof upTime?.value, `got sysUpTime ${show(upTime?.value)}, want a number`).toBe(
        'number',
      );
      const want = Buffer.from(asSnmpdServes(BOND0_TEXT));
      expect(output?.value, `got extend output ${show(output?.value)}, want ${show(want)}`).toEqual(
        want,
      );
    });
  });

  describe('DES privacy', () => {
    /** Whether this process can run DES at all (it can when started with the legacy provider). */
    const desAvailable = ((): boolean => {
      try {
        createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
        return true;
      } catch {
        return false;
      }
    })();

    it.skipIf(desAvailable)(
      'without --openssl-legacy-provider: an SnmpError saying to start Node.js with it',
      async () => {
        const des = DES_CASES[0] as V3Case;
        const err = await withClient({ version: '3', user: des.user }, (client) =>
          client.get([SYS_UP_TIME]),
        ).catch((e: unknown) => e);
        expect(err, `got ${String(err)}, want an SnmpError`).toBeInstanceOf(SnmpError);
        const { failure, target, message } = err as SnmpError;
        expect(failure, `got failure ${failure}, want authentication`).toBe('authentication');
        expect(target, `got target ${target}, want ${agent()}`).toBe(agent());
        expect(message, `got "${message}", want it to name the flag`).toContain(
          '--openssl-legacy-provider',
        );
        expect(message, `got "${message}", want it to name ${agent()}`).toContain(agent());
      },
    );

    // The built module in a child started as the nicwatch command is (npm test builds first).
    const CHILD = `
      const { openSnmpClient } = require(process.argv[1]);
      const client = openSnmpClient(JSON.parse(process.argv[2]));
      client.get(JSON.parse(process.argv[3])).then(
        (vbs) => console.log(JSON.stringify(vbs.map((vb) =>
          Buffer.isBuffer(vb.value) ? { buffer: vb.value.toString('utf8') } : vb.value))),
        (err) => console.log(JSON.stringify({ error: err.failure, message: err.message })),
      ).finally(() => client.close());`;

    it.each(DES_CASES)('$name with --openssl-legacy-provider (child process)', async ({ user }) => {
      if (!existsSync(SESSION_JS)) throw new Error(`${SESSION_JS} is missing: run npm run build`);
      const target = targetOf({ version: '3', user });
      const oids = [SYS_UP_TIME, extendOutput('bond0')];
      const { stdout } = await run(process.execPath, [
        '--openssl-legacy-provider',
        '-e',
        CHILD,
        SESSION_JS,
        JSON.stringify(target),
        JSON.stringify(oids),
      ]);
      const got: unknown = JSON.parse(stdout);
      const want = [expect.any(Number), { buffer: asSnmpdServes(BOND0_TEXT) }];
      expect(got, `got ${stdout.trim()}, want [sysUpTime, {buffer: bond0 text}]`).toEqual(want);
    });
  });

  describe('walk returns what snmpbulkwalk -v2c -On -Oe returns', () => {
    const cases: Array<{
      name: string;
      oid: string;
      target: () => Partial<SnmpTarget>;
      community?: string;
      /** The subtree has no objects at all. */
      empty?: boolean;
    }> = [
      { name: 'v2c GETBULK IF-MIB ifDescr', oid: IF_DESCR, target: () => ({ version: '2c' }) },
      { name: 'v1 GETNEXT IF-MIB ifDescr', oid: IF_DESCR, target: () => ({ version: '1' }) },
      // ~37 objects: more than one GETBULK of 25 repetitions
      { name: 'v2c GETBULK system, several requests', oid: SYSTEM, target: () => ({}) },
      { name: 'v1 GETNEXT system', oid: SYSTEM, target: () => ({ version: '1' }) },
      {
        name: 'v3 authPriv GETBULK system',
        oid: SYSTEM,
        target: () => ({ version: '3', user: SHA_AES.user }),
      },
      {
        name: 'v2c GETBULK extend outputs (multi-line OCTET STRINGs)',
        oid: NS_EXTEND_OUTPUT_FULL,
        target: () => ({}),
      },
      {
        name: 'v2c system at the end of the MIB view (endOfMibView)',
        oid: SYSTEM,
        community: 'narrow',
        target: () => ({ community: 'narrow' }),
      },
      {
        name: 'v1 system at the end of the MIB view (noSuchName)',
        oid: SYSTEM,
        community: 'narrow',
        target: () => ({ version: '1', community: 'narrow' }),
      },
      {
        name: 'v2c subtree with nothing in it',
        oid: `${SYSTEM}.99`,
        target: () => ({}),
        empty: true,
      },
    ];

    it.each(cases)('$name', async ({ oid, target, community, empty }) => {
      const want = await referenceWalk(oid, community);
      expect(
        want.length > 0,
        `got ${want.length} rows from snmpbulkwalk, want ${empty ? 'none' : 'some'}`,
      ).toBe(!empty);
      const got = await withClient(target(), (client) => client.walk(oid));
      const outside = got.filter((vb) => !vb.oid.startsWith(`${oid}.`));
      expect(outside, `got rows outside ${oid}: ${showRows(outside)}, want none`).toEqual([]);
      // sysUpTime.0 ticks between the two walks: only its order is compared
      const upTimeOf = (rows: Varbind[]): SnmpValue | undefined =>
        rows.find((vb) => vb.oid === SYS_UP_TIME)?.value;
      const [gotUp, wantUp] = [upTimeOf(got), upTimeOf(want)];
      expect(
        Number(gotUp ?? 0) >= Number(wantUp ?? 0),
        `got sysUpTime ${show(gotUp)}, want >= ${show(wantUp)} (read earlier)`,
      ).toBe(true);
      const steady = (rows: Varbind[]): Varbind[] =>
        rows.map((vb) => (vb.oid === SYS_UP_TIME ? { ...vb, value: null } : vb));
      expect(steady(got), `got ${showRows(got)}, want ${showRows(want)}`).toEqual(steady(want));
    });
  });

  describe('value types', () => {
    let loIfIndex = 0;
    beforeAll(async () => {
      const rows = await withClient({}, (client) => client.walk(IF_DESCR));
      const lo = rows.find((vb) => Buffer.isBuffer(vb.value) && vb.value.toString() === 'lo');
      if (!lo) throw new Error(`no ifDescr "lo" in ${showRows(rows)}`);
      loIfIndex = Number(lo.oid.split('.').pop());
    });

    const cases: Array<{
      name: string;
      oid: () => string;
      type: 'Buffer' | 'string' | 'number' | 'bigint';
      /** Counters move between reads: want before <= got <= after instead of equality. */
      grows?: boolean;
    }> = [
      { name: 'OCTET STRING sysDescr.0 as Buffer', oid: () => SYS_DESCR, type: 'Buffer' },
      { name: 'OBJECT IDENTIFIER sysObjectID.0 as text', oid: () => SYS_OBJECT_ID, type: 'string' },
      {
        name: 'INTEGER ifType of lo as number',
        oid: () => `${IF_TYPE}.${loIfIndex}`,
        type: 'number',
      },
      {
        name: 'TimeTicks sysUpTime.0 as number',
        oid: () => SYS_UP_TIME,
        type: 'number',
        grows: true,
      },
      {
        name: 'Counter64 ifHCInOctets of lo as bigint',
        oid: () => `${IF_HC_IN_OCTETS}.${loIfIndex}`,
        type: 'bigint',
        grows: true,
      },
    ];

    const typeOf = (value: SnmpValue | undefined): string =>
      Buffer.isBuffer(value) ? 'Buffer' : typeof value;

    it.each(cases)('$name', async ({ oid, type, grows }) => {
      const before = await referenceGet(oid());
      const [vb] = await withClient({}, (client) => client.get([oid()]));
      const got = vb?.value;
      expect(typeOf(got), `got ${show(got)} (${typeOf(got)}), want a ${type}`).toBe(type);
      if (!grows) {
        expect(got, `got ${show(got)}, want ${show(before)} as snmpget reads it`).toEqual(before);
        return;
      }
      const after = await referenceGet(oid());
      expect(
        (got as number | bigint) >= (before as number | bigint) &&
          (got as number | bigint) <= (after as number | bigint),
        `got ${show(got)}, want between ${show(before)} and ${show(after)} (snmpget before and after)`,
      ).toBe(true);
    });

    it('Counter64 column walk: bigint on every row', async () => {
      const rows = await withClient({}, (client) => client.walk(IF_HC_IN_OCTETS));
      const notBigint = rows.filter((vb) => typeof vb.value !== 'bigint');
      expect(rows.length, `got ${rows.length} rows, want at least 1`).toBeGreaterThan(0);
      expect(notBigint, `got non-bigint rows ${showRows(notBigint)}, want none`).toEqual([]);
    });
  });

  describe('readExtend', () => {
    it.each(EXTEND_CASES)('$name', async ({ extend, wantText, wantExitCode }) => {
      const got = await withClient({}, (client) => readExtend(client, extend));
      expect(
        got.text,
        `got text ${JSON.stringify(got.text)}, want ${JSON.stringify(wantText)}`,
      ).toBe(wantText);
      expect(got.exitCode, `got exit code ${got.exitCode}, want ${wantExitCode}`).toBe(
        wantExitCode,
      );
      expect(got.name, `got name ${got.name}, want ${extend}`).toBe(extend);
    });

    const missing: Array<{ name: string; target: () => Partial<SnmpTarget> }> = [
      { name: 'v1 (noSuchName error-status)', target: () => ({ version: '1' }) },
      { name: 'v2c (noSuchInstance varbind)', target: () => ({ version: '2c' }) },
      { name: 'v3 authPriv', target: () => ({ version: '3', user: SHA_AES.user }) },
    ];

    it.each(missing)(
      'missing extend over $name: no-such-object naming snmpd.conf',
      async ({ target }) => {
        const err = await withClient(target(), (client) => readExtend(client, 'nothere')).catch(
          (e: unknown) => e,
        );
        expect(err, `got ${String(err)}, want an SnmpError`).toBeInstanceOf(SnmpError);
        const { failure, message } = err as SnmpError;
        expect(failure, `got failure ${failure}, want no-such-object`).toBe('no-such-object');
        const want = `${agent()} has no extend "nothere" (add "extend nothere ..." to its snmpd.conf, in a view that includes NET-SNMP-EXTEND-MIB)`;
        expect(message, `got "${message}", want "${want}"`).toBe(want);
      },
    );
  });

  describe('typed errors', () => {
    const TIMEOUT_MS = 200;
    const RETRIES = 1;
    /** Scheduling slack on top of timeoutMs × (retries + 1). */
    const MARGIN_MS = 300;

    const cases: Array<{
      name: string;
      target: () => Partial<SnmpTarget>;
      oid?: string;
      failure: SnmpFailure;
      message: RegExp;
      /** The agent named in the error: snmpd's, or the dead port's. */
      dead?: boolean;
    }> = [
      {
        name: 'v2c wrong community: snmpd does not answer',
        target: () => ({ community: 'wrong' }),
        failure: 'timeout',
        message:
          /^no answer from \S+ within 0\.4 s \(agent down, port closed, or wrong community\)$/,
      },
      {
        name: 'v1 wrong community: snmpd does not answer',
        target: () => ({ version: '1', community: 'wrong' }),
        failure: 'timeout',
        message: /^no answer from \S+ within 0\.4 s/,
      },
      {
        name: 'v2c nothing listening on the port',
        target: () => ({ port: deadPort }),
        dead: true,
        failure: 'timeout',
        message: /^no answer from \S+ within 0\.4 s/,
      },
      {
        name: 'v3 nothing listening on the port (engine discovery times out)',
        target: () => ({ port: deadPort, version: '3', user: SHA_AES.user }),
        dead: true,
        failure: 'timeout',
        message:
          /^no answer from \S+ within 0\.4 s \(agent down, port closed, or wrong v3 privacy key\)$/,
      },
      {
        name: 'v3 wrong auth key: snmpd reports usmStatsWrongDigests',
        target: () => ({ version: '3', user: { ...SHA_AES.user, authKey: 'wrongpass123' } }),
        failure: 'authentication',
        message: /rejected SNMPv3 user: Wrong Digest/,
      },
      {
        name: 'v3 wrong auth protocol (SHA for a SHA-384 user): Wrong Digest',
        target: () => ({ version: '3', user: { ...SHA384_AUTH.user, authProtocol: 'sha' } }),
        failure: 'authentication',
        message: /rejected SNMPv3 user: Wrong Digest/,
      },
      {
        name: 'v3 unknown user: snmpd reports usmStatsUnknownUserNames',
        target: () => ({ version: '3', user: { ...SHA_AES.user, name: 'nobody' } }),
        failure: 'authentication',
        message: /rejected SNMPv3 user: Unknown User Name/,
      },
      {
        name: 'v3 wrong privacy key: snmpd cannot parse the decrypted PDU and drops it',
        target: () => ({ version: '3', user: { ...SHA_AES.user, privKey: 'wrongpriv123' } }),
        failure: 'timeout',
        message: /within 0\.4 s \(agent down, port closed, or wrong v3 privacy key\)$/,
      },
      {
        name: 'v3 AES-256 Reeder key for a Blumenthal user: dropped like a wrong key',
        target: () => ({ version: '3', user: { ...SHA_AES256B.user, privProtocol: 'aes256r' } }),
        failure: 'timeout',
        message: /wrong v3 privacy key/,
      },
      {
        // snmpd answers authorizationError(16): an access problem the operator fixes like a key
        name: 'v3 security level below the rouser level: authorizationError',
        target: () => ({
          version: '3',
          user: { ...SHA_AES.user, level: 'authNoPriv', privProtocol: undefined },
        }),
        failure: 'authentication',
        message: /refused access \(authorizationError\): the user's security level or view/,
      },
      {
        name: 'v2c get of a non-existent OID',
        target: () => ({}),
        oid: '1.3.6.1.2.1.1.99.0',
        failure: 'no-such-object',
        message: /has no object 1\.3\.6\.1\.2\.1\.1\.99\.0$/,
      },
      {
        name: 'v1 get of a non-existent OID (noSuchName error-status)',
        target: () => ({ version: '1' }),
        oid: '1.3.6.1.2.1.1.99.0',
        failure: 'no-such-object',
        message: /has no object 1\.3\.6\.1\.2\.1\.1\.99\.0$/,
      },
      {
        name: 'v3 get of a non-existent instance',
        target: () => ({ version: '3', user: SHA_AES.user }),
        oid: `${SYS_UP_TIME}.1`,
        failure: 'no-such-object',
        message: /has no object 1\.3\.6\.1\.2\.1\.1\.3\.0\.1$/,
      },
    ];

    it.each(cases)('$name', async ({ target, oid, failure, message, dead }) => {
      const overrides = { timeoutMs: TIMEOUT_MS, retries: RETRIES, ...target() };
      const started = Date.now();
      const err = await withClient(overrides, (client) => client.get([oid ?? SYS_UP_TIME])).catch(
        (e: unknown) => e,
      );
      const elapsedMs = Date.now() - started;
      expect(err, `got ${String(err)}, want an SnmpError`).toBeInstanceOf(SnmpError);
      const got = err as SnmpError;
      const name = `127.0.0.1:${dead ? deadPort : snmpd.port}`;
      expect(got.failure, `got failure ${got.failure} (${got.message}), want ${failure}`).toBe(
        failure,
      );
      expect(got.target, `got target ${got.target}, want ${name}`).toBe(name);
      expect(got.message, `got "${got.message}", want it to name ${name}`).toContain(name);
      expect(got.message, `got "${got.message}", want ${message}`).toMatch(message);
      const budgetMs = TIMEOUT_MS * (RETRIES + 1);
      expect(
        elapsedMs,
        `got ${elapsedMs} ms, want <= ${budgetMs} + ${MARGIN_MS} ms`,
      ).toBeLessThanOrEqual(budgetMs + MARGIN_MS);
      if (failure === 'timeout') {
        expect(
          elapsedMs,
          `got ${elapsedMs} ms, want the whole ${budgetMs} ms`,
        ).toBeGreaterThanOrEqual(budgetMs - 5);
      }
    });

    it('v3 wrong privacy key: snmpd counts each attempt in snmpInASNParseErrs', async () => {
      const parseErrors = (): Promise<number> =>
        withClient({}, async (client) =>
          Number((await client.get([SNMP_IN_ASN_PARSE_ERRS]))[0]?.value),
        );
      const before = await parseErrors();
      const user = { ...SHA_AES.user, privKey: 'wrongpriv123' };
      await withClient({ version: '3', user, timeoutMs: TIMEOUT_MS, retries: RETRIES }, (client) =>
        client.get([SYS_UP_TIME]),
      ).catch(() => undefined);
      const got = (await parseErrors()) - before;
      expect(got, `got ${got} more snmpInASNParseErrs, want ${RETRIES + 1}`).toBe(RETRIES + 1);
    });
  });

  describe('close', () => {
    const cases: Array<{ name: string; use: boolean }> = [
      { name: 'after a request', use: true },
      { name: 'without any request', use: false },
    ];

    it.each(cases)(
      'can be called twice $name; a later request is a transport error',
      async ({ use }) => {
        const client = openSnmpClient(targetOf({}));
        if (use) await client.get([SYS_UP_TIME]);
        client.close();
        expect(
          () => client.close(),
          'got a throw from the second close(), want none',
        ).not.toThrow();
        const err = await client.get([SYS_UP_TIME]).catch((e: unknown) => e);
        const failure = err instanceof SnmpError ? err.failure : String(err);
        expect(failure, `got ${failure} from get() after close(), want transport`).toBe(
          'transport',
        );
      },
    );
  });
});
