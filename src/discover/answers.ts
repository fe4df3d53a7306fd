/** What `nicwatch discover` read from one agent, as suggest.ts and comments.ts take it. */
import type { InterfaceState, RedundancyGroup, SwitchSnapshot } from '../model';

/** What one extend turned out to hold. */
export interface ExtendFinding {
  extend: string;
  /** The groups its text decodes to: one, or one per group of an IPMP text that lists several. */
  groups: RedundancyGroup[];
  /** Why it suggests nothing (or not everything): not a group text, a decode error, a failure. */
  problem: string | null;
}

/** Everything discover read from one agent. */
export interface DeviceAnswers {
  /** The address discover was given; it becomes the entry's `address`. */
  address: string;
  sysName: string | null;
  sysDescr: string | null;
  interfaces: InterfaceState[];
  switch: Pick<SwitchSnapshot, 'stp' | 'stpPorts' | 'lldp'>;
  extends: ExtendFinding[];
}
