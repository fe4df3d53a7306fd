/**
 * openconfig-lacp → each aggregate's members and their LACP state, as the switch sees them.
 * Pure: a reply's `<data>` in, members by interface name out; the switch decoder turns them into
 * `lagOf` (member ifIndex → aggregate ifIndex).
 */
import { childElements, leafReader, type XmlElement } from '../xml';

export const OC_LACP_NS = 'http://openconfig.net/yang/lacp';

const FORMAT = 'openconfig-lacp';
const leaves = leafReader(FORMAT);

const SYNCHRONIZATION = ['IN_SYNC', 'OUT_SYNC'] as const;
const MAC_ADDRESS = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** The partner MAC of a member that has heard no LACPDU (as /proc/net/bonding shows it too). */
const NO_PARTNER = '00:00:00:00:00:00';

/** lacp/interfaces/interface[name]/members/member[interface]/state */
export interface LacpMemberState {
  interface: string;
  synchronization: (typeof SYNCHRONIZATION)[number] | null;
  collecting: boolean | null;
  distributing: boolean | null;
  /** The partner's system MAC, lowercase with colons; all zeros: no LACP partner. */
  partnerId: string | null;
  /**
   * In sync, collecting and distributing, with a partner: the member carries the aggregate's
   * traffic. Null when the member reports no synchronization state.
   */
  negotiated: boolean | null;
}

export interface LacpAggregate {
  /** The aggregate interface (`ae0`, `Port-Channel1`). */
  name: string;
  members: LacpMemberState[];
}

/** LACP aggregates in a reply's data, in document order, or null when it holds no openconfig-lacp. */
export function decodeOpenconfigLacp(data: XmlElement): LacpAggregate[] | null {
  const lacp = leaves.element(data, 'lacp', OC_LACP_NS);
  if (!lacp) return null;
  const interfaces = leaves.element(lacp, 'interfaces');
  return (interfaces ? childElements(interfaces, 'interface') : []).map((entry) => {
    const container = leaves.element(entry, 'members');
    return {
      name: keyOf(entry, 'name'),
      members: (container ? childElements(container, 'member') : []).map(decodeMember),
    };
  });
}

/** A list entry's key leaf, or the same leaf in its config or state container. */
function keyOf(entry: XmlElement, key: string): string {
  const config = leaves.element(entry, 'config');
  const state = leaves.element(entry, 'state');
  const value =
    leaves.string(entry, key) ??
    (config ? leaves.string(config, key) : null) ??
    (state ? leaves.string(state, key) : null);
  if (value === null || value === '') throw leaves.error(entry, `an entry without its ${key}`);
  return value;
}

function decodeMember(entry: XmlElement): LacpMemberState {
  const state = leaves.element(entry, 'state');
  const synchronization = state
    ? leaves.enumeration(state, 'synchronization', SYNCHRONIZATION)
    : null;
  const collecting = state ? leaves.boolean(state, 'collecting') : null;
  const distributing = state ? leaves.boolean(state, 'distributing') : null;
  const partnerId = state ? partnerOf(state) : null;
  return {
    interface: keyOf(entry, 'interface'),
    synchronization,
    collecting,
    distributing,
    partnerId,
    negotiated:
      synchronization === null
        ? null
        : synchronization === 'IN_SYNC' &&
          partnerId !== NO_PARTNER &&
          collecting !== false &&
          distributing !== false,
  };
}

function partnerOf(state: XmlElement): string | null {
  const partner = leaves.string(state, 'partner-id')?.trim() ?? null;
  if (partner === null) return null;
  if (!MAC_ADDRESS.test(partner)) {
    throw leaves.error(state, `partner-id ${JSON.stringify(partner)} is not a MAC address`);
  }
  return partner.toLowerCase();
}
