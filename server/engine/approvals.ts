/**
 * Four-eyes approval (issue 9 §3): the actions that destroy data become a request that a second
 * admin approves or rejects before it expires. Pure rules only — which actions need a request,
 * what state a request is in at a given instant, and who may decide it; the service
 * (server/services/approval-service.ts) loads, stores and runs.
 */
import { isCopyBackInPlace, type RestoreTarget, ROLE_LABELS, type Role, roleAtLeast } from './roles';
import type { OperationKind } from './statuses';

/**
 * Every destructive action kind, in the order the console lists them.
 *
 * `disconnect` (a Hyper-V host connection or a XenServer pool) stops every backup and restore of
 * the VMs on its hosts. It is asked for whatever the disconnect reads as stopping, not only when
 * it names VMs or jobs: that impact is read from the inventory, which lags the hosts (a connection
 * whose first sync has not run, or a pool not yet discovered, reads "no VM" yet is the only way to
 * the VMs on it), and an unknown impact is not assumed harmless. Disconnects are rare, so a second
 * admin costs little; an estate that rebuilds its connections often turns four-eyes off for the
 * kind (itself approved).
 */
export const APPROVAL_KINDS = [
  'restore-in-place',
  'restore-snapshot-revert',
  'restore-volume-revert',
  'delete-restore-point',
  'delete-job',
  'disconnect',
  'tighten-retention',
  'replace-inventory',
  'change-admins',
  'turn-off-four-eyes',
] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const APPROVAL_KIND_LABELS: Record<ApprovalKind, string> = {
  'restore-in-place': 'In-place restore',
  'restore-snapshot-revert': 'Snapshot revert',
  'restore-volume-revert': 'Volume revert',
  'delete-restore-point': 'Deleting a restore point',
  'delete-job': 'Deleting a backup job',
  disconnect: 'Disconnecting a Hyper-V host or XenServer pool',
  'tighten-retention': "Changing a job's retention so that its next run deletes points",
  'replace-inventory': 'Replacing the inventory',
  'change-admins':
    "Changing who is an admin (granting or taking the role, disabling an admin, an admin's password)",
  'turn-off-four-eyes': 'Turning four-eyes approval off for an action',
};

/**
 * pending → approved (the action was started; the request names what it started)
 *         → rejected (by an admin, with a comment)
 *         → expired  (nobody decided before `expiresAt`: rejected automatically)
 *         → failed   (approved, but the action was refused when it ran: the estate changed under it)
 */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'failed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export function isApprovalKind(value: unknown): value is ApprovalKind {
  return typeof value === 'string' && (APPROVAL_KINDS as readonly string[]).includes(value);
}

/**
 * The approval kind of a restore, or null when it writes only new VMs. A staged copy back in place
 * overwrites the VM as an in-place restore does (roles.ts isCopyBackInPlace): it is one.
 */
export function approvalKindOfRestore(target: RestoreTarget): ApprovalKind | null {
  if (isCopyBackInPlace(target)) return 'restore-in-place';
  switch (target.mode) {
    case 'in-place':
      return 'restore-in-place';
    case 'snapshot-revert':
      return 'restore-snapshot-revert';
    case 'volume-revert':
      return 'restore-volume-revert';
    default:
      return null;
  }
}

/**
 * The approval kind the retry of a failed operation asks for: a restore that overwrites what
 * exists, or a point's deletion, is that destructive action again; null when the retry destroys
 * nothing (a backup, a verify, a restore to a new VM) and runs at one click. The retries it names
 * are confirmed by a name typed afresh too: the estate, and so the blast radius, may have changed
 * since the first attempt, whose confirmation is never reused.
 */
export function approvalKindOfRetry(operation: {
  kind: OperationKind;
  request: Record<string, unknown>;
}): ApprovalKind | null {
  if (operation.kind === 'delete-point') return 'delete-restore-point';
  if (operation.kind !== 'restore') return null;
  const { mode, newVmName } = operation.request as Partial<RestoreTarget>;
  return mode ? approvalKindOfRestore({ mode, newVmName }) : null;
}

/**
 * Four-eyes is on for every kind unless an admin turned it off (a row saying so, written once a
 * second admin approved turning it off). Turning it off is always covered, whatever a row says.
 */
export function isApprovalRequired(
  kind: ApprovalKind,
  policies: readonly { kind: ApprovalKind; required: boolean }[],
): boolean {
  if (kind === 'turn-off-four-eyes') return true;
  return policies.find((policy) => policy.kind === kind)?.required ?? true;
}

export interface ApprovalTimes {
  status: ApprovalStatus;
  expiresAt: Date;
}

/** The status at `now`: a pending request whose expiry has come is expired, whatever is stored. */
export function approvalStatusAt(request: ApprovalTimes, now: Date): ApprovalStatus {
  if (request.status === 'pending' && now.getTime() >= request.expiresAt.getTime()) return 'expired';
  return request.status;
}

export function expiryOf(requestedAt: Date, expiryMs: number): Date {
  return new Date(requestedAt.getTime() + expiryMs);
}

/** The least role that may ask for each kind: the role of the procedure that asks for it. */
export const REQUESTER_ROLES: Record<ApprovalKind, Role> = {
  'restore-in-place': 'restore-operator',
  'restore-snapshot-revert': 'restore-operator',
  'restore-volume-revert': 'restore-operator',
  'delete-restore-point': 'admin',
  'delete-job': 'admin',
  disconnect: 'admin',
  // An operator edits jobs: the procedure that asks is the job edit's.
  'tighten-retention': 'operator',
  'replace-inventory': 'admin',
  'change-admins': 'admin',
  'turn-off-four-eyes': 'admin',
};

/** A change an admin makes to an account, as admin-rights.ts judges it. */
export type AccountChange =
  | { change: 'create'; role: Role }
  | { change: 'role'; from: Role | null; to: Role }
  | { change: 'disabled'; role: Role | null; from: boolean; to: boolean }
  | { change: 'password'; role: Role | null; isOwn: boolean };

/**
 * Whether a change decides who holds the admin role: an admin approves every other kind, so one
 * admin who could make a second admin alone (a new admin account, a promotion, another admin's
 * password) or remove the others could approve their own requests. Setting one's own password is
 * not: it gives nobody new a say.
 */
export function changesAdminRights(change: AccountChange): boolean {
  switch (change.change) {
    case 'create':
      return change.role === 'admin';
    case 'role':
      return change.from !== change.to && (change.from === 'admin' || change.to === 'admin');
    case 'disabled':
      return change.role === 'admin' && change.from !== change.to;
    case 'password':
      return change.role === 'admin' && !change.isOwn;
  }
}

/** The requester's account as it is now (null: it no longer exists). */
export interface RequesterStanding {
  role: Role | null;
  disabled: boolean;
}

export interface Decider {
  /** actorLabel() of the person deciding. */
  label: string;
  role: Role | null;
}

export type DecisionRefusal = { code: 'FORBIDDEN'; message: string } | { code: 'CONFLICT'; message: string };

/**
 * Why `decider` may not approve or reject `request` at `now`, or null when they may. Only an admin
 * decides; the requester never approves their own request (they may withdraw it by rejecting it);
 * only a pending request that has not expired can be decided; and it is approved only while its
 * requester (`requester`, their account now) is still enabled and holds the role the action needs:
 * four-eyes means two people who may each still do it.
 */
export function refuseDecision(
  request: ApprovalTimes & { requestedBy: string; kind: ApprovalKind },
  decider: Decider,
  decision: 'approve' | 'reject',
  now: Date,
  requester: RequesterStanding | null,
): DecisionRefusal | null {
  if (!decider.role || !roleAtLeast(decider.role, 'admin')) {
    return { code: 'FORBIDDEN', message: 'Only an admin decides an approval request' };
  }
  const status = approvalStatusAt(request, now);
  if (status === 'expired') {
    return {
      code: 'CONFLICT',
      message: `This request expired at ${request.expiresAt.toISOString()} and was rejected automatically; ask for it again`,
    };
  }
  if (status !== 'pending') return { code: 'CONFLICT', message: `This request is already ${status}` };
  if (decision === 'approve' && request.requestedBy === decider.label) {
    return {
      code: 'FORBIDDEN',
      message: 'You asked for this action: another admin must approve it (four-eyes)',
    };
  }
  if (decision === 'approve') return refuseRequester(REQUESTER_ROLES[request.kind], requester);
  return null;
}

function refuseRequester(needed: Role, requester: RequesterStanding | null): DecisionRefusal | null {
  const reject = 'reject it; someone who may can ask for it again';
  if (!requester) return { code: 'CONFLICT', message: `The requester's account no longer exists: ${reject}` };
  if (requester.disabled) {
    return { code: 'CONFLICT', message: `The requester's account was disabled since they asked: ${reject}` };
  }
  if (!requester.role || !roleAtLeast(requester.role, needed)) {
    return {
      code: 'CONFLICT',
      message: `The requester no longer has the ${ROLE_LABELS[needed]} role this action needs: ${reject}`,
    };
  }
  return null;
}
