/**
 * ONTAP failures and how they become the driver's fault codes. ONTAP names a failure with a numeric
 * code (sent as a string of digits in `error.code`, an integer in a job's `code`); the English text
 * changes between releases, so the mapping matches the code (CONNECTORS.md §0 rule 3, §3.1, §7).
 * The one exception is "temporarily locked": ONTAP raises it under several codes, and NetApp's own
 * Ansible collection recognises it by its text, so the client does the same (ontap-client.ts).
 */
import { DriverError, type DriverFaultCode } from '../../engine/driver';

/** A failure the array answered with (an error envelope, or a failed job). */
export class OntapError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly target: string | null;
  /** What was asked ("POST /api/storage/volumes/…/snapshots"), for the log. */
  readonly call: string;

  constructor(init: {
    code: string;
    message: string;
    httpStatus: number;
    target?: string | null;
    call: string;
  }) {
    super(`${init.call}: ${init.message} (ONTAP code ${init.code})`);
    this.name = 'OntapError';
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.target = init.target ?? null;
    this.call = init.call;
  }
}

export function isOntapError(error: unknown, code?: string): error is OntapError {
  return error instanceof OntapError && (code === undefined || error.code === code);
}

/** Codes the connector acts on by name (not only maps): kept here so a test and the code agree. */
export const ONTAP_CODES = {
  alreadyExists: '1',
  invalidField: '2',
  notSupported: '3',
  notFound: '4',
  notAuthorized: '6',
  duplicateSnapshotName: '525059',
  snapshotLockedOrNotExpired: '1638555',
  cgCommitAfterFence: '53411925',
  cgStartFailed: '53411918',
  cgStartBusy: '53411921',
} as const;

interface FaultRule {
  fault: DriverFaultCode;
  isRetryable: boolean;
  explain: string;
}

const rule = (fault: DriverFaultCode, isRetryable: boolean, explain: string): FaultRule => ({
  fault,
  isRetryable,
  explain,
});

/**
 * One row per code. A refused account is not retryable (the same password cannot start working);
 * a missing object is not; a CG start the array refused because another snapshot of the group is
 * in flight is (it ends within seconds).
 */
export const ONTAP_FAULTS: Readonly<Record<string, FaultRule>> = {
  [ONTAP_CODES.alreadyExists]: rule('invalid-state', false, 'the object already exists'),
  [ONTAP_CODES.invalidField]: rule('invalid-state', false, 'the array refused a field of the request'),
  [ONTAP_CODES.notSupported]: rule(
    'connector-missing',
    false,
    'the array does not support this (consistency groups need ONTAP 9.10, two-phase snapshots 9.11)',
  ),
  [ONTAP_CODES.notFound]: rule('not-found', false, 'the array has no such object'),
  [ONTAP_CODES.notAuthorized]: rule(
    'host-unreachable',
    false,
    "the account's role may not run this command (see docs/connectors/ontap.md, roles)",
  ),
  [ONTAP_CODES.duplicateSnapshotName]: rule('invalid-state', false, 'a snapshot of that name already exists'),
  [ONTAP_CODES.snapshotLockedOrNotExpired]: rule(
    'invalid-state',
    false,
    'the snapshot is locked or has not expired yet (SnapLock / expiry time)',
  ),
  [ONTAP_CODES.cgCommitAfterFence]: rule(
    'snapshot-failed',
    true,
    'the commit came after the write fence ended: ONTAP aborted the consistency-group snapshot',
  ),
  [ONTAP_CODES.cgStartFailed]: rule('snapshot-failed', true, 'the array could not start the group snapshot'),
  [ONTAP_CODES.cgStartBusy]: rule(
    'snapshot-failed',
    true,
    'another snapshot of the consistency group is in progress',
  ),
};

/** The driver's view of an ONTAP failure: the fault the runner acts on, with the array's words kept. */
export function toDriverError(error: unknown, label: string): unknown {
  if (!(error instanceof OntapError)) return error;
  if (error.httpStatus === 401) {
    return new DriverError('host-unreachable', `${label} refused the login: wrong user name or password`, {
      isRetryable: false,
    });
  }
  const known = ONTAP_FAULTS[error.code];
  if (known) {
    return new DriverError(known.fault, `${label}: ${known.explain} — ${error.message}`, {
      isRetryable: known.isRetryable,
    });
  }
  const isServerSide = error.httpStatus >= 500;
  return new DriverError('snapshot-failed', `${label}: ${error.message}`, { isRetryable: isServerSide });
}
