/** Reading scalar objects from agents that disagree on where a scalar's instance lives. */
import { SnmpError } from '../errors';
import type { SnmpClient, Varbind } from './session';

/**
 * The values of scalar objects that exist; missing ones are left out, not errors. A scalar's
 * instance is `object.0` (RFC 2578 §7.7), but Net-SNMP's snmp-bridge-mib serves dot1dBase and
 * dot1dStp at the object OID itself; both are tried, the standard one first, one request each
 * when every object agrees, one object at a time only when they do not.
 */
export async function readScalars(
  client: SnmpClient,
  objects: readonly string[],
): Promise<Varbind[]> {
  for (const form of [(o: string) => `${o}.0`, (o: string) => o]) {
    const found = await getAll(client, objects.map(form));
    if (found) return found;
  }
  const found: Varbind[] = [];
  for (const object of objects) {
    const one = (await getAll(client, [`${object}.0`])) ?? (await getAll(client, [object]));
    if (one) found.push(...one);
  }
  return found;
}

/** All of them, or null when any is missing. */
async function getAll(client: SnmpClient, oids: string[]): Promise<Varbind[] | null> {
  try {
    return await client.get(oids);
  } catch (err) {
    if (
      err instanceof SnmpError &&
      (err.failure === 'no-such-object' || err.failure === 'error-status')
    ) {
      return null;
    }
    throw err;
  }
}
