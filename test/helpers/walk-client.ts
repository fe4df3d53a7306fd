/**
 * An SnmpClient that answers from captured walks (a map-backed fake, as snmp_exporter's scraper
 * mock): what a real agent would say for GET and GETBULK walks over those rows, so the poll →
 * decode path runs without sockets. The real client is covered by the tests against snmpd.
 */
import { SnmpError } from '../../src/errors';
import type { SnmpClient, Varbind } from '../../src/snmp/session';

export function walkClient(rows: Varbind[], target = 'capture:161'): SnmpClient {
  const byOid = new Map(rows.map((row) => [row.oid, row]));
  return {
    target,
    async get(oids) {
      return oids.map((oid) => {
        const row = byOid.get(oid);
        if (!row) throw new SnmpError('no-such-object', target, `${target} has no object ${oid}`);
        return row;
      });
    },
    async walk(oid) {
      return rows.filter((row) => row.oid.startsWith(`${oid}.`));
    },
    close() {},
  };
}

/** A client for a server whose snmpd serves these extends (name → text, exit status 0). */
export function extendClient(
  extendsByName: Record<string, string>,
  target = 'capture:161',
): SnmpClient {
  const rows: Varbind[] = [{ oid: '1.3.6.1.2.1.1.3.0', value: 4200 }];
  for (const [name, text] of Object.entries(extendsByName)) {
    const index = [name.length, ...Buffer.from(name)].join('.');
    rows.push({
      oid: `1.3.6.1.4.1.8072.1.3.2.3.1.2.${index}`,
      value: Buffer.from(text.replace(/\n$/, '')),
    });
    rows.push({ oid: `1.3.6.1.4.1.8072.1.3.2.3.1.4.${index}`, value: 0 });
  }
  return walkClient(rows, target);
}

/** A client whose agent never answers. */
export function silentClient(target = 'capture:161'): SnmpClient {
  const fail = async (): Promise<never> => {
    throw new SnmpError(
      'timeout',
      target,
      `no answer from ${target} within 2 s (agent down, port closed, or wrong community)`,
    );
  };
  return { target, get: fail, walk: fail, close() {} };
}
