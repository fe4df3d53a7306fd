/** Reading a group's state through Net-SNMP's `extend` (NET-SNMP-EXTEND-MIB). */
import { SnmpError } from '../errors';
import { NS_EXTEND_OUTPUT_FULL, NS_EXTEND_RESULT, nameOfStringIndex, stringIndex } from './oids';
import { columnCells, textValue } from './table';
import type { SnmpClient, SnmpValue } from './session';

export interface ExtendOutput {
  name: string;
  text: string;
  exitCode: number | null;
}

/**
 * Output and exit status of one extend. An extend the agent does not have is an SnmpError
 * 'no-such-object' saying so in the words of snmpd.conf.
 */
export async function readExtend(client: SnmpClient, name: string): Promise<ExtendOutput> {
  const index = stringIndex(name);
  try {
    const [output, result] = await client.get([
      `${NS_EXTEND_OUTPUT_FULL}.${index}`,
      `${NS_EXTEND_RESULT}.${index}`,
    ]);
    return { name, text: textOf(output?.value ?? null), exitCode: numberOf(result?.value ?? null) };
  } catch (err) {
    if (err instanceof SnmpError && err.failure === 'no-such-object') {
      throw new SnmpError(
        'no-such-object',
        client.target,
        `${client.target} has no extend "${name}" (add "extend ${name} ..." to its snmpd.conf, in a view that includes NET-SNMP-EXTEND-MIB)`,
        { cause: err },
      );
    }
    throw err;
  }
}

function textOf(value: SnmpValue): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return value === null ? '' : String(value);
}

function numberOf(value: SnmpValue): number | null {
  return typeof value === 'number' ? value : null;
}

const EXTEND_FORMAT = 'NET-SNMP-EXTEND-MIB';

/** Every extend the agent serves, with its output and exit status (for discovery). */
export async function readAllExtends(client: SnmpClient): Promise<ExtendOutput[]> {
  const [outputs, results] = await Promise.all([
    client.walk(NS_EXTEND_OUTPUT_FULL),
    client.walk(NS_EXTEND_RESULT),
  ]);
  const codes = columnCells(results, NS_EXTEND_RESULT, EXTEND_FORMAT);
  return [...columnCells(outputs, NS_EXTEND_OUTPUT_FULL, EXTEND_FORMAT).values()].flatMap(
    (cell) => {
      const name = nameOfStringIndex(cell.index);
      if (name === null) return [];
      const code = codes.get(cell.index)?.value;
      return [
        {
          name,
          text: textValue(cell, EXTEND_FORMAT),
          exitCode: typeof code === 'number' ? code : null,
        },
      ];
    },
  );
}
