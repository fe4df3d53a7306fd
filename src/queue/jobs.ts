/** The queues and the shapes of their jobs, shared by whoever adds and whoever processes. */
import type { StateEvent, TrapEvent } from '../model';

/** Device polls: a repeatable job per device, and verifying polls a trap asks for. */
export const POLL_QUEUE = 'poll';

export interface PollJob {
  device: string;
  /** Poll now even during back-off (a trap asked to verify). */
  force?: boolean;
  /** How many times a forced poll found another poll of the device running and waited for it. */
  lockWaits?: number;
}

/** Everything the correlator works on. */
export const EVENTS_QUEUE = 'events';

export type EventsJob =
  /** A batch of accepted traps, not yet in the event stream. */
  | { kind: 'traps'; traps: TrapEvent[] }
  /** The events one poll stored. */
  | { kind: 'polled'; events: StateEvent[] }
  /** The end of an incident's correlation window (a delayed job). */
  | { kind: 'window'; group: string; incident: string };
