/**
 * The network-namespace lab itself, checked through real SNMP: three kernel-STP switches in a
 * triangle (one port blocks) and a server with a NIC on each access switch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNetns, NETNS_SKIP_REASON, startLab, type Lab } from '../helpers/netns-lab';
import { waitFor } from '../helpers/wait';

const STP_PORT_STATE = '1.3.6.1.2.1.17.2.15.1.3';
const BASE_PORT_IFINDEX = '1.3.6.1.2.1.17.1.4.1.2';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';
const IF_OPER_STATUS = '1.3.6.1.2.1.2.2.1.8';
const EXTEND_OUTPUT_FULL = '1.3.6.1.4.1.8072.1.3.2.3.1.2';

const BOND_UP = 'Bonding Mode: fault-tolerance (active-backup)\nMII Status: up\n';
const BOND_DOWN = 'Bonding Mode: fault-tolerance (active-backup)\nMII Status: down\n';

/** `name` as an OID string index: length, then the ASCII codes. */
const oidString = (name: string): string =>
  [name.length, ...[...name].map((char) => char.charCodeAt(0))].join('.');

interface Snmp {
  ok: boolean;
  stderr: string;
  /** OID suffix under the walked OID → value text (quotes of STRINGs removed). */
  rows: Map<string, string>;
}

function snmp(tool: 'snmpbulkwalk' | 'snmpget', address: string, oid: string): Promise<Snmp> {
  return new Promise((resolve) => {
    const child = spawn(
      tool,
      ['-v2c', '-c', 'public', '-On', '-M', '/dev/null', '-t', '1', '-r', '0', address, oid],
      { env: { ...process.env, MIBS: '' }, timeout: 10_000 },
    );
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (status) => {
      const rows = new Map<string, string>();
      let current: string | undefined;
      // a STRING may span lines: each row starts with ".<oid> = "
      for (const line of out.split('\n')) {
        const row = /^\.([\d.]+) = (.*)$/.exec(line);
        if (row) {
          const [, full = '', value = ''] = row;
          current =
            full === oid ? '' : full.startsWith(`${oid}.`) ? full.slice(oid.length + 1) : undefined;
          if (current !== undefined) rows.set(current, value);
        } else if (current !== undefined) {
          rows.set(current, `${rows.get(current)}\n${line}`);
        }
      }
      for (const [key, value] of rows) {
        rows.set(
          key,
          value
            .trimEnd()
            .replace(/^[A-Za-z0-9-]+: /, '')
            .replace(/^"([\s\S]*)"$/, '$1'),
        );
      }
      resolve({ ok: status === 0, stderr, rows });
    });
  });
}

const walk = (address: string, oid: string): Promise<Snmp> => snmp('snmpbulkwalk', address, oid);

describe.skipIf(!canUseNetns())(
  `netns lab${NETNS_SKIP_REASON && ` (${NETNS_SKIP_REASON})`}`,
  () => {
    let lab: Lab;

    beforeAll(async () => {
      const started = Date.now();
      lab = await startLab({
        switches: [
          { name: 'sw-root', priority: 4096 },
          { name: 'sw-a', priority: 32768 },
          { name: 'sw-b', priority: 32768 },
        ],
        links: [
          { a: 'sw-root', b: 'sw-a' },
          { a: 'sw-root', b: 'sw-b' },
          { a: 'sw-a', b: 'sw-b' },
        ],
        servers: [
          {
            name: 'srv1',
            nics: [
              { name: 'eth0', switch: 'sw-a', port: 'swp1' },
              { name: 'eth1', switch: 'sw-b', port: 'swp1' },
            ],
            extends: { bond0: BOND_UP },
          },
        ],
        ifTableCacheSeconds: 1,
      });
      console.log(
        `startLab took ${Date.now() - started} ms (${JSON.stringify(lab.timings)}), prefix ${lab.prefix}`,
      );
    });
    afterAll(async () => lab?.stop());

    it('blocks exactly one inter-switch port, seen through BRIDGE-MIB and the kernel alike', async () => {
      const blocking: string[] = [];
      for (const sw of ['sw-root', 'sw-a', 'sw-b']) {
        const address = lab.switchAddress(sw);
        const [states, ifIndexes, names] = await Promise.all([
          walk(address, STP_PORT_STATE),
          walk(address, BASE_PORT_IFINDEX),
          walk(address, IF_NAME),
        ]);
        expect(states.rows.size, `${sw} bridge ports`).toBe(
          Object.keys(lab.bridgePortStates(sw)).length,
        );
        for (const [port, state] of states.rows) {
          expect(['2', '5'], `${sw} port ${port} state`).toContain(state); // blocking or forwarding
          const name = names.rows.get(ifIndexes.rows.get(port) ?? '') ?? `port ${port}`;
          if (state === '2') blocking.push(`${sw} ${name}`);
        }
      }
      expect(blocking).toHaveLength(1);
      expect(blocking[0]).toMatch(/^sw-\S+ to-sw-/);

      const kernel = Object.entries(lab.stpView()).flatMap(([sw, { ports }]) =>
        Object.entries(ports)
          .filter(([, state]) => state === 'blocking')
          .map(([port]) => `${sw} ${port}`),
      );
      expect(kernel).toEqual(blocking);
      expect(lab.converged(lab.stpView())).toBe(true);
    });

    it("serves the server's extend text and a changed text within 2 s", async () => {
      const oid = `${EXTEND_OUTPUT_FULL}.${oidString('bond0')}`;
      const read = async (): Promise<string | undefined> =>
        (await snmp('snmpget', lab.serverAddress('srv1'), oid)).rows.get('');
      expect(await read()).toBe(BOND_UP.trimEnd());

      lab.setExtend('srv1', 'bond0', BOND_DOWN);
      const changed = Date.now();
      await waitFor(
        'changed extend text',
        async () => (await read()) === BOND_DOWN.trimEnd(),
        2000,
      );
      console.log(`extend change visible after ${Date.now() - changed} ms`);
    });

    it("drops sw-b swp1's ifOperStatus when srv1 eth1's cable is cut, and brings it back", async () => {
      const address = lab.switchAddress('sw-b');
      const oid = `${IF_OPER_STATUS}.${lab.ifIndex('sw-b', 'swp1')}`;
      const oper = async (): Promise<string | undefined> =>
        (await snmp('snmpget', address, oid)).rows.get('');
      expect(await oper()).toBe('1');

      const cut = Date.now();
      lab.cutCable('srv1', 'eth1');
      await waitFor('sw-b swp1 down(2)', async () => (await oper()) === '2', 5000);
      expect(lab.bridgePortStates('sw-b').swp1).toBe('disabled');
      const down = Date.now() - cut;

      lab.mendCable('srv1', 'eth1');
      const mended = Date.now();
      await waitFor('sw-b swp1 up(1)', async () => (await oper()) === '1', 5000);
      console.log(`ifOperStatus down after ${down} ms, up again after ${Date.now() - mended} ms`);
      const view = await lab.waitForStp((v) => v['sw-b']?.ports.swp1 === 'forwarding', 10_000);
      expect(lab.converged(view)).toBe(true);
    });

    it("times out while sw-a's snmpd is stopped and answers once it is started again", async () => {
      const address = lab.switchAddress('sw-a');
      await lab.stopAgent('sw-a');
      const silent = await snmp('snmpget', address, '1.3.6.1.2.1.1.3.0');
      expect(silent.ok).toBe(false);
      expect(silent.stderr).toMatch(/Timeout/);

      const started = Date.now();
      await lab.startAgent('sw-a');
      console.log(`sw-a snmpd and BRIDGE-MIB back after ${Date.now() - started} ms`);
      expect((await snmp('snmpget', address, '1.3.6.1.2.1.1.3.0')).ok).toBe(true);
      expect((await walk(address, STP_PORT_STATE)).rows.size).toBe(3);
    });

    it('leaves no namespace and no process behind after stop()', async () => {
      const pids = lab.pids();
      expect(pids.length).toBeGreaterThanOrEqual(8); // 4 snmpd + 3 subagents + the restarted snmpd
      await lab.stop();
      const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      expect(namespaces.split('\n').filter((line) => line.startsWith(lab.prefix))).toEqual([]);
      const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
      expect(links).not.toContain(`m${lab.prefix.slice(2)}`);
      const living = pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(living).toEqual([]);
    });
  },
);
