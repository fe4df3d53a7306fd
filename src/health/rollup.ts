import type { Reason, Status } from '../model';

/** Worst first, as contract section 4 orders an overall status. */
const SEVERITY: Record<Status, number> = { CRITICAL: 3, WARNING: 2, UNKNOWN: 1, OK: 0 };

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'OK';
  for (const status of statuses) {
    if (SEVERITY[status] > SEVERITY[worst]) worst = status;
  }
  return worst;
}

/** A group's status is the worst of its reasons; with none but `all-legs-up` it is OK. */
export function statusOfReasons(reasons: readonly Reason[]): Status {
  return worstStatus(reasons.map((reason) => reason.status));
}
