/**
 * Four-eyes approval (issue 9 §3). A destructive action (approval-actions.ts) asked for while its
 * kind needs approval is not run: it becomes a request, with the preview its requester confirmed
 * and the fingerprint of the estate then. Another admin approves it — it then runs exactly that,
 * or is refused if the estate changed — or rejects it with a comment, before it expires (the
 * expiry is evaluated with the service clock: an expired request is rejected automatically and
 * recorded so). Requests, expiries and policy changes are recorded in the audit trail here;
 * approvals and rejections by the mutation middleware, with their comment.
 */
import type { ApprovalRequestRecord, Page } from '../../db/stores/ports';
import { actorLabel, SYSTEM_ACTOR } from '../context';
import {
  APPROVAL_KIND_LABELS,
  type ApprovalKind,
  type ApprovalStatus,
  approvalKindOfRetry,
  approvalStatusAt,
  expiryOf,
  isApprovalRequired,
  REQUESTER_ROLES,
  type RequesterStanding,
  refuseDecision,
} from '../engine/approvals';
import { isRole, ROLE_LABELS, roleAtLeast } from '../engine/roles';
import { accountIdOf } from './actor-names';
import {
  APPROVAL_ACTIONS,
  type ApprovalEnv,
  type ApprovalPreview,
  assertUnchanged,
  ESTATE_CHANGED_SINCE_REQUEST,
  estateChangedError,
} from './approval-actions';
import { type ApprovalPolicyView, assertMayTurnOff, writeApprovalPolicy } from './approval-policy';
import { type RequestOrigin, recordAudit } from './audit-service';
import { DomainError, isDomainError, notOnRecord } from './errors';
import type { StartedOperation } from './operations-service';
import { confirmedRetryApprovalPayload, retryFailed } from './retry-service';

export type { ApprovalEnv, ApprovalPreview } from './approval-actions';

/**
 * The request context an approval needs: where it came from, how long a request lives, and the
 * accounts (a request is approved only while its requester may still ask for it).
 */
export interface ApprovalContext extends ApprovalEnv {
  origin: RequestOrigin;
  approvalExpiryMs: number;
}

export interface ApprovalRequestView {
  id: string;
  kind: ApprovalKind;
  kindLabel: string;
  /** As of the service clock: a pending request past its expiry reads `expired`. */
  status: ApprovalStatus;
  title: string;
  preview: ApprovalPreview;
  requestedBy: string;
  requestedByName: string;
  requestedByRole: string | null;
  requestedAt: Date;
  expiresAt: Date;
  decidedByName: string | null;
  decidedAt: Date | null;
  comment: string | null;
  result: Record<string, unknown> | null;
  error: string | null;
  /**
   * Approved, yet nothing records what the action started (or that it was refused) a minute after
   * the approval (START_RECORD_GRACE_MS): the server stopped between the approval and the start,
   * or could not note what started. Whether it ran is not known here.
   */
  isStartUnrecorded: boolean;
  /** The viewer asked for it. */
  isOwn: boolean;
  /** Why the viewer may not approve / reject it now (null: they may), so no button is dead. */
  approveRefusal: string | null;
  rejectRefusal: string | null;
}

/** What a guarded mutation answers when it did not run but became a request. */
export interface ApprovalRequested {
  approvalRequest: ApprovalRequestView;
}

export function isApprovalRequested(value: unknown): value is ApprovalRequested {
  return typeof value === 'object' && value !== null && 'approvalRequest' in value;
}

function deciderOf(env: ApprovalEnv) {
  const { actor } = env.service;
  const role = actor.kind === 'user' ? actor.role : null;
  return { label: actorLabel(actor), role: isRole(role) ? role : null };
}

/** A requester that is not a user (accountIdOf) has no account to look up. */
async function requesterStanding(
  env: ApprovalContext,
  requestedBy: string,
): Promise<RequesterStanding | null> {
  const accountId = accountIdOf(requestedBy);
  if (accountId === null) return null;
  const user = await env.accounts.findUserById(accountId);
  return user ? { role: user.role, disabled: user.disabled } : null;
}

/** The views of `records`, each requester's account read once. */
async function viewsOf(
  env: ApprovalContext,
  records: ApprovalRequestRecord[],
): Promise<ApprovalRequestView[]> {
  const standings = new Map<string, Promise<RequesterStanding | null>>();
  return Promise.all(
    records.map(async (record) => {
      let standing = standings.get(record.requestedBy);
      if (!standing) {
        standing = requesterStanding(env, record.requestedBy);
        standings.set(record.requestedBy, standing);
      }
      return viewOf(env, record, await standing);
    }),
  );
}

async function viewOfOne(env: ApprovalContext, record: ApprovalRequestRecord): Promise<ApprovalRequestView> {
  return viewOf(env, record, await requesterStanding(env, record.requestedBy));
}

/** An approval runs its action at once (approveRequest); a minute without a record of it is news. */
const START_RECORD_GRACE_MS = 60_000;

function viewOf(
  env: ApprovalEnv,
  record: ApprovalRequestRecord,
  requester: RequesterStanding | null,
): ApprovalRequestView {
  const now = env.service.now();
  const decider = deciderOf(env);
  return {
    id: record.id,
    kind: record.kind,
    kindLabel: APPROVAL_KIND_LABELS[record.kind],
    status: approvalStatusAt(record, now),
    title: record.title,
    preview: record.previewJson as unknown as ApprovalPreview,
    requestedBy: record.requestedBy,
    requestedByName: record.requestedByName,
    requestedByRole: record.requestedByRole,
    requestedAt: record.requestedAt,
    expiresAt: record.expiresAt,
    decidedByName: record.decidedByName,
    decidedAt: record.decidedAt,
    comment: record.comment,
    result: record.resultJson,
    error: record.error,
    isStartUnrecorded:
      record.status === 'approved' &&
      record.resultJson === null &&
      record.error === null &&
      record.decidedAt !== null &&
      now.getTime() - record.decidedAt.getTime() >= START_RECORD_GRACE_MS,
    isOwn: record.requestedBy === decider.label,
    approveRefusal: refuseDecision(record, decider, 'approve', now, requester)?.message ?? null,
    rejectRefusal: refuseDecision(record, decider, 'reject', now, requester)?.message ?? null,
  };
}

// -------------------------------------------------------------------------------- policy

export { type ApprovalPolicyView, listApprovalPolicies } from './approval-policy';

export async function isApprovalRequiredFor(env: Pick<ApprovalEnv, 'stores'>, kind: ApprovalKind) {
  return isApprovalRequired(kind, await env.stores.approvals.policies());
}

/**
 * Turns four-eyes on for one kind at once, or asks to turn it off: a request a second admin
 * approves (approval-policy.ts says why). Already off, a new reason is written at once.
 */
export async function setApprovalPolicy(
  env: ApprovalContext,
  input: { kind: ApprovalKind; required: boolean; reason?: string | null },
): Promise<ApprovalPolicyView | ApprovalRequested> {
  if (!input.required) {
    assertMayTurnOff(input.kind);
    if (await isApprovalRequiredFor(env, input.kind)) {
      return requestApproval(env, 'turn-off-four-eyes', { kind: input.kind, reason: input.reason });
    }
  }
  return writeApprovalPolicy(env, input);
}

// -------------------------------------------------------------------------------- requests

/**
 * The gate of every destructive action: runs `direct` when four-eyes is off for `kind`, otherwise
 * checks the action as its approval would (refusing now what could never run) and records a request.
 */
export async function runOrRequestApproval<T>(
  env: ApprovalContext,
  kind: ApprovalKind,
  payload: unknown,
  direct: () => Promise<T>,
): Promise<T | ApprovalRequested> {
  if (!(await isApprovalRequiredFor(env, kind))) return direct();
  return requestApproval(env, kind, payload);
}

export async function requestApproval(
  env: ApprovalContext,
  kind: ApprovalKind,
  rawPayload: unknown,
): Promise<ApprovalRequested> {
  const action = APPROVAL_ACTIONS[kind];
  const payload = action.parsePayload(rawPayload);
  const prepared = await action.prepare(env, payload);
  const { actor } = env.service;
  const now = env.service.now();
  const record = await env.stores.approvals.create({
    id: `ar-${env.service.newId()}`,
    kind,
    title: prepared.title,
    payloadJson: payload,
    previewJson: prepared.preview as unknown as Record<string, unknown>,
    fingerprint: prepared.fingerprint,
    requestedBy: actorLabel(actor),
    requestedByName: actor.name,
    requestedByRole: actor.kind === 'user' ? actor.role : null,
    requestedAt: now,
    expiresAt: expiryOf(now, env.approvalExpiryMs),
  });
  await recordAudit(env.stores, env.service, {
    action: 'approvals.request',
    objects: [{ kind: 'approval', id: record.id, name: record.title }],
    input: { kind },
    outcome: 'succeeded',
    message: `Waiting for a second admin until ${record.expiresAt.toISOString()}`,
    origin: env.origin,
  });
  return { approvalRequest: await viewOfOne(env, record) };
}

/** Rejects, as of the service clock, every pending request whose expiry has come (recorded, by the system). */
export async function expireDueRequests(env: ApprovalContext): Promise<number> {
  const expired = await env.stores.approvals.expireDue(env.service.now());
  for (const record of expired) {
    await recordAudit(env.stores, env.service, {
      action: 'approvals.expire',
      actor: SYSTEM_ACTOR,
      objects: [{ kind: 'approval', id: record.id, name: record.title }],
      outcome: 'succeeded',
      message: `Nobody decided before ${record.expiresAt.toISOString()}: rejected automatically (requested by ${record.requestedByName})`,
    });
  }
  return expired.length;
}

export async function listApprovalRequests(
  env: ApprovalContext,
  input: { status?: ApprovalStatus; limit: number; cursor: string | null },
): Promise<Page<ApprovalRequestView>> {
  await expireDueRequests(env);
  const page = await env.stores.approvals.list(
    { status: input.status },
    { limit: input.limit, cursor: input.cursor },
  );
  return { ...page, items: await viewsOf(env, page.items) };
}

export async function getApprovalRequest(env: ApprovalContext, id: string): Promise<ApprovalRequestView> {
  await expireDueRequests(env);
  return viewOfOne(env, await requireRequest(env, id));
}

export async function countPendingApprovals(env: ApprovalContext): Promise<number> {
  await expireDueRequests(env);
  return env.stores.approvals.countPending(env.service.now());
}

async function requireRequest(env: ApprovalEnv, id: string): Promise<ApprovalRequestRecord> {
  const record = await env.stores.approvals.get(id);
  // Requests are never deleted: decided and expired ones stay on record.
  if (!record) throw notOnRecord('approval request', 'id');
  return record;
}

async function assertMayDecide(
  env: ApprovalContext,
  record: ApprovalRequestRecord,
  decision: 'approve' | 'reject',
): Promise<void> {
  const requester = await requesterStanding(env, record.requestedBy);
  const refusal = refuseDecision(record, deciderOf(env), decision, env.service.now(), requester);
  if (refusal) throw new DomainError(refusal.code, refusal.message);
}

const ALREADY_DECIDED = 'Another admin decided this request first';

/**
 * Approves and runs the reviewed action. Refused (nothing changes, the request stays pending)
 * when the approver may not decide it or the estate no longer gives the reviewed fingerprint; the
 * decision is a compare-and-set, so two approvers start the action once. If the action is refused
 * when it runs, the request ends `failed` with the reason.
 */
export async function approveRequest(
  env: ApprovalContext,
  input: { id: string; comment?: string | null },
): Promise<ApprovalRequestView> {
  await expireDueRequests(env);
  const record = await requireRequest(env, input.id);
  await assertMayDecide(env, record, 'approve');
  const action = APPROVAL_ACTIONS[record.kind];
  const payload = action.parsePayload(record.payloadJson);
  let current: { fingerprint: string };
  try {
    current = await action.prepare(env, payload);
  } catch (error) {
    if (isDomainError(error) && error.code === 'CONFLICT') throw estateChangedError();
    // What it acts on was deleted since it was asked for: named by the request, not by that id.
    if (isDomainError(error) && error.code === 'NOT_FOUND') {
      throw new DomainError(
        'CONFLICT',
        `"${record.title}" cannot run: what it acts on was deleted since it was requested. Reject it`,
        [{ path: 'id', message: 'what it acts on was deleted since it was requested' }],
      );
    }
    throw error;
  }
  assertUnchanged(record.fingerprint, current.fingerprint);
  const { actor } = env.service;
  const decided = await env.stores.approvals.decide(record.id, {
    status: 'approved',
    by: actorLabel(actor),
    byName: actor.name,
    at: env.service.now(),
    comment: input.comment?.trim() || null,
  });
  if (!decided) throw new DomainError('CONFLICT', ALREADY_DECIDED);
  let result: Record<string, unknown>;
  try {
    result = await action.run(env, payload);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await env.stores.approvals.recordOutcome(record.id, { status: 'failed', error: message });
    throw error;
  }
  return viewOfOne(env, await recordStarted(env, decided, result));
}

/**
 * Notes what the approved action started. It has run by now, so failing to note it (a busy
 * database) must not read as a refusal: the request stays approved and the approver is told what
 * started; the log keeps what could not be written.
 */
async function recordStarted(
  env: ApprovalContext,
  decided: ApprovalRequestRecord,
  result: Record<string, unknown>,
): Promise<ApprovalRequestRecord> {
  try {
    return await env.stores.approvals.recordOutcome(decided.id, { status: 'approved', result });
  } catch (error) {
    env.service.log.error(
      { err: error, approvalId: decided.id, result },
      'approved action started, but what it started could not be recorded on its request',
    );
    return { ...decided, resultJson: result };
  }
}

/** Rejects with the approver's comment (required: the requester reads why). */
export async function rejectRequest(
  env: ApprovalContext,
  input: { id: string; comment: string },
): Promise<ApprovalRequestView> {
  await expireDueRequests(env);
  const record = await requireRequest(env, input.id);
  await assertMayDecide(env, record, 'reject');
  const { actor } = env.service;
  const decided = await env.stores.approvals.decide(record.id, {
    status: 'rejected',
    by: actorLabel(actor),
    byName: actor.name,
    at: env.service.now(),
    comment: input.comment.trim(),
  });
  if (!decided) throw new DomainError('CONFLICT', ALREADY_DECIDED);
  return viewOfOne(env, decided);
}

/**
 * "Retry what failed" of an operation that destroys data (a failed in-place restore, revert or
 * point deletion) is the same destructive action again: it needs the role the action needs, the
 * name typed afresh (retry-service.ts), and a second admin's approval like the first time. Anything
 * else is retried at once.
 */
export async function retryOrRequestApproval(
  env: ApprovalContext,
  input: { id: string; confirmation?: string },
): Promise<StartedOperation | ApprovalRequested> {
  const operation = await env.stores.operations.get(input.id);
  const retry = () => retryFailed(env.stores, env.service, input.id, input.confirmation);
  if (!operation || !['failed', 'interrupted', 'cancelled'].includes(operation.status)) return retry();
  const kind = approvalKindOfRetry({ kind: operation.kind, request: operation.requestJson });
  if (!kind) return retry();
  const needed = REQUESTER_ROLES[kind];
  const { actor } = env.service;
  if (actor.kind !== 'user' || !roleAtLeast(actor.role, needed)) {
    throw new DomainError('FORBIDDEN', `Retrying this operation needs the ${ROLE_LABELS[needed]} role`);
  }
  if (!(await isApprovalRequiredFor(env, kind))) return retry();
  // Confirmed now as the retry itself would be: a request never carries the first attempt's name.
  // A restore's is planned as the estate gives it now: that is the plan the approver reviews.
  const payload = await confirmedRetryApprovalPayload(env.stores, env.service, operation, input.confirmation);
  return requestApproval(env, kind, payload);
}

export { ESTATE_CHANGED_SINCE_REQUEST };
