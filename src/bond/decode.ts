/** One entry point for every group text nicwatch reads: by `kind`, or recognised from the text. */
import { DecodeError } from '../errors';
import type { GroupKind, RedundancyGroup } from '../model';
import { decodeIpmp, looksLikeIpmp } from './ipmp';
import { decodeProcBonding, looksLikeProcBonding } from './proc-bonding';
import { decodeTeamdState, looksLikeTeamdState } from './teamd';
import { clip } from './text';

export type TextKind = Exclude<GroupKind, 'members'>;

export interface DecodeOptions {
  /** Skip recognition and use this decoder. */
  kind?: TextKind;
  /** Which group to report when the text lists several (IPMP). */
  group?: string;
}

export function recogniseKind(text: string): TextKind | null {
  if (looksLikeProcBonding(text)) return 'linux-bond';
  if (looksLikeTeamdState(text)) return 'linux-team';
  if (looksLikeIpmp(text)) return 'ipmp';
  return null;
}

export function decodeGroupText(text: string, options: DecodeOptions = {}): RedundancyGroup {
  if (text.trim() === '') throw new DecodeError('group state', 'the text is empty');
  const kind = options.kind ?? recogniseKind(text);
  switch (kind) {
    case 'linux-bond':
      return decodeProcBonding(text);
    case 'linux-team':
      return decodeTeamdState(text);
    case 'ipmp':
      return decodeIpmp(text, options.group);
    default:
      throw new DecodeError(
        'group state',
        `not recognised: expected /proc/net/bonding text, teamdctl state (dump JSON or view), ` +
          `ipmpstat -i/-g output or Solaris ifconfig -a; first line: "${firstLine(text)}"`,
      );
  }
}

function firstLine(text: string): string {
  return clip(text.trim().split('\n', 1)[0] ?? '');
}
