/** What `nicwatch discover` asks one device: its system group, a switch poll and its extends. */
import { examineExtends, type DeviceAnswers } from './suggest';
import { pollSwitch } from '../poll/switch-poller';
import { readAllExtends } from '../snmp/extend';
import { SYS_DESCR, SYS_NAME } from '../snmp/oids';
import { readScalars } from '../snmp/scalars';
import { openSnmpClient, type SnmpTarget } from '../snmp/session';

/** The system group first: it is the request that tells an unreachable agent or bad credentials. */
export async function readDevice(target: SnmpTarget): Promise<DeviceAnswers> {
  const client = openSnmpClient(target);
  try {
    const system = await readScalars(client, [SYS_DESCR, SYS_NAME]);
    const [snapshot, outputs] = await Promise.all([pollSwitch(client), readAllExtends(client)]);
    const text = (object: string): string | null => {
      const found = system.find((vb) => vb.oid === `${object}.0` || vb.oid === object);
      return Buffer.isBuffer(found?.value) ? found.value.toString('utf8') : null;
    };
    return {
      address: target.host,
      sysName: text(SYS_NAME),
      sysDescr: text(SYS_DESCR),
      interfaces: snapshot.interfaces,
      switch: snapshot,
      extends: examineExtends(outputs),
    };
  } finally {
    client.close();
  }
}
