/**
 * The simulated agents answer the product's own SNMP client as real agents would, and the client
 * copes with their one quirk: past its last object net-snmp's agent answers noSuchObject at the
 * OID asked instead of endOfMibView, which used to make a walk ask again until its timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedLab, type RunningLab } from '../../src/lab/lab';
import { DEMO_LAB } from '../../src/lab/spec';
import { IF_STACK_STATUS, LLDP_REM_TABLE } from '../../src/snmp/oids';
import { openSnmpClient, type SnmpClient } from '../../src/snmp/session';
import { pollSwitch } from '../../src/poll/switch-poller';
import { readExtend } from '../../src/snmp/extend';
import { waitFor } from '../helpers/wait';

describe('simulated SNMP agents', () => {
  let lab: RunningLab;
  const clients: SnmpClient[] = [];
  const client = (address: string): SnmpClient => {
    const c = openSnmpClient({
      host: address,
      port: lab.devices[0]?.port ?? 0,
      version: '2c',
      community: 'public',
      timeoutMs: 1000,
      retries: 0,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    lab = await startSimulatedLab({ ...DEMO_LAB, trapDelayMs: 0 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await lab?.stop();
  });

  it('serves every device over SNMP but the NETCONF switch (src/lab/netconf-switch.ts serves that)', () => {
    const names = lab.devices.map((d) => d.name);
    expect(names).toContain('srv-nc1');
    expect(names).not.toContain('sw-d');
    expect(names).toHaveLength(DEMO_LAB.switches.length - 1 + DEMO_LAB.servers.length);
  });

  it('a walk past the last object ends empty instead of timing out', async () => {
    const sw = client('127.0.10.2');
    await expect(sw.walk(IF_STACK_STATUS)).resolves.toEqual([]);
    await expect(sw.walk(LLDP_REM_TABLE)).resolves.toEqual([]);
  });

  it('a switch poll reads ports, STP states, edges and the designated root', async () => {
    const snapshot = await pollSwitch(client('127.0.10.3'));
    const swp11 = snapshot.interfaces.find((i) => i.name === 'swp11');
    expect(swp11?.operUp).toBe(true);
    const stp = snapshot.stpPorts ?? [];
    const byIf = (ifIndex: number | undefined) => stp.find((p) => p.ifIndex === ifIndex);
    expect(byIf(swp11?.ifIndex)?.edge).toBe(false);
    const swp48 = snapshot.interfaces.find((i) => i.name === 'swp48');
    expect(byIf(swp48?.ifIndex)?.state).toBe('blocking');
    expect(snapshot.stp?.designatedRoot).toBe('1000.020000100001');
  });

  it('a switch says it runs RSTP: dot1dStpProtocolSpecification ieee8021d(3), RSTP-MIB dot1dStpVersion rstp(2)', async () => {
    const got = await client('127.0.10.2').get(['1.3.6.1.2.1.17.2.1.0', '1.3.6.1.2.1.17.2.16.0']);
    expect(got).toEqual([
      { oid: '1.3.6.1.2.1.17.2.1.0', value: 3 },
      { oid: '1.3.6.1.2.1.17.2.16.0', value: 2 },
    ]);
  });

  it('a cut shows on the next read of both ends, and the bond text follows after its MII interval', async () => {
    lab.world.setLink('sw-a', 'swp9', false);
    const sw = await pollSwitch(client('127.0.10.2'));
    const swp9 = sw.interfaces.find((i) => i.name === 'swp9');
    expect(swp9).toMatchObject({ ifIndex: 9, operUp: false });
    expect(sw.stpPorts?.find((p) => p.ifIndex === 9)?.state).toBe('disabled');
    const server = client('127.0.20.9');
    expect((await readExtend(server, 'bond0')).text).toMatch(/Currently Active Slave: eth0/);
    await waitFor(
      'the bond to fail over',
      async () => /Currently Active Slave: eth1/.test((await readExtend(server, 'bond0')).text),
      2000,
    );
    expect((await readExtend(server, 'bond0')).exitCode).toBe(0);
    lab.world.setLink('sw-a', 'swp9', true);
  });
});
