/**
 * Solaris IPMP group state from whichever text the server gives: `ipmpstat -i` or `-g` (human, or
 * parsable `-P -o` with every field of the mode in ipmpstat's order), or, on Solaris 8–10,
 * `ifconfig -a`. The form is recognised from the first line; the decoders live in ipmpstat.ts and
 * ifconfig-ipmp.ts, and this front picks the group and fills the model.
 */
import { DecodeError } from '../errors';
import { newMonitoring, type RedundancyGroup } from '../model';
import { decodeIfconfigIpmp, isBlockHeader, looksLikeIfconfigIpmp } from './ifconfig-ipmp';
import { decodeIpmpstat, looksLikeIpmpstat, type IpmpGroupFound } from './ipmpstat';

const FORMAT = 'IPMP status text';

/** Cheap recognition for format auto-detection. */
export function looksLikeIpmp(text: string): boolean {
  return looksLikeIpmpstat(text) || looksLikeIfconfigIpmp(text);
}

/**
 * Decodes one IPMP group. When the text lists several, `groupHint` names the one to report (it
 * matches the group name or its IPMP interface name); without it, several groups are an error.
 */
export function decodeIpmp(text: string, groupHint?: string): RedundancyGroup {
  return toRedundancyGroup(pickGroup(decodeAnyForm(text), groupHint));
}

function decodeAnyForm(text: string): IpmpGroupFound[] {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '');
  if (first === undefined) {
    throw new DecodeError(FORMAT, 'empty input; expected ipmpstat -i/-g output or ifconfig -a');
  }
  // Every ifconfig -a starts with an interface line; anything else is left to ipmpstat's decoder,
  // which names the header or parsable shapes it expected.
  return isBlockHeader(first) ? decodeIfconfigIpmp(text) : decodeIpmpstat(text);
}

function pickGroup(groups: IpmpGroupFound[], hint: string | undefined): IpmpGroupFound {
  const present = groups.map((g) => g.name ?? '(anonymous)').join(', ');
  if (hint !== undefined) {
    const named = groups.find((g) => g.names.includes(hint));
    if (named === undefined) {
      throw new DecodeError(FORMAT, `no IPMP group "${hint}"; groups present: ${present}`);
    }
    return named;
  }
  const [only, another] = groups;
  if (only === undefined) throw new DecodeError(FORMAT, 'no IPMP group found');
  if (another !== undefined) {
    throw new DecodeError(FORMAT, `several IPMP groups (${present}); name the one to report`);
  }
  return only;
}

function toRedundancyGroup(found: IpmpGroupFound): RedundancyGroup {
  const active = found.legs.filter((leg) => leg.active);
  return {
    kind: 'ipmp',
    name: found.name,
    mode: 'ipmp',
    policy: 'multipath',
    // IPMP spreads traffic over every active interface; one leg is "the" active leg only when it
    // is the only one carrying traffic.
    activeLeg: active.length === 1 ? (active[0]?.interface ?? null) : null,
    legs: found.legs,
    monitoring: {
      ...newMonitoring(),
      detection: found.detection,
      probeFailureDetectionMs: found.probeFailureDetectionMs,
    },
    primary: null,
    primaryReselect: null,
    failOverMac: null,
    lacp: null,
    driverVersion: null,
  };
}
