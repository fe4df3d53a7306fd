/**
 * One poll of a server: every configured group's state, read through `extend` (or, for
 * `source: if-mib`, from the legs' IF-MIB status). A group that cannot be read is recorded with
 * its reason; only an agent that does not answer fails the whole poll.
 */
import { decodeGroupText, type TextKind } from '../bond/decode';
import type { DeviceConfig, GroupConfig } from '../config/schema';
import { DecodeError, SnmpError, describeError } from '../errors';
import type { GroupPoll, InterfaceState } from '../model';
import { readExtend } from '../snmp/extend';
import type { SnmpClient } from '../snmp/session';
import { groupFromInterfaces } from './members';

export async function pollServerGroups(
  client: SnmpClient,
  device: DeviceConfig,
  readInterfaces: () => Promise<InterfaceState[]>,
): Promise<GroupPoll[]> {
  const polls: GroupPoll[] = [];
  let interfaces: InterfaceState[] | null = null;
  for (const group of device.groups ?? []) {
    if (group.source === 'if-mib') {
      interfaces ??= await readInterfaces();
      polls.push({
        name: group.name,
        ok: true,
        error: null,
        group: groupFromInterfaces(group, interfaces),
      });
    } else {
      polls.push(await readGroupExtend(client, group));
    }
  }
  return polls;
}

async function readGroupExtend(client: SnmpClient, group: GroupConfig): Promise<GroupPoll> {
  const extend = group.extend ?? group.name;
  const failed = (error: string): GroupPoll => ({
    name: group.name,
    ok: false,
    error,
    group: null,
  });
  try {
    const output = await readExtend(client, extend);
    if (output.exitCode !== null && output.exitCode !== 0) {
      const said = output.text.trim().split('\n', 1)[0] ?? '';
      return failed(`extend ${extend} exited ${output.exitCode}${said ? `: ${said}` : ''}`);
    }
    const kind = group.kind === 'members' ? undefined : (group.kind as TextKind | undefined);
    const decoded = decodeGroupText(output.text, { kind, group: group.name });
    return { name: group.name, ok: true, error: null, group: decoded };
  } catch (err) {
    // An agent that stopped answering fails the device, not just this group.
    if (err instanceof SnmpError && err.failure !== 'no-such-object') throw err;
    if (err instanceof DecodeError || err instanceof SnmpError) return failed(err.message);
    return failed(describeError(err));
  }
}
