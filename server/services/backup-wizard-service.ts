/**
 * The backup wizard's server side: a review of the plan (findings keyed so each warning can be
 * acknowledged on its own) and the two ways to finish (run once now, or save a scheduled job),
 * both refused until every warning of a freshly computed plan is acknowledged.
 *
 * A plan is made once: the review returns it with the fingerprint of the estate it was made from,
 * and Create brings the fingerprint back. If the estate changed since, Create is refused (CONFLICT)
 * so a warning the operator never saw cannot ride on an earlier acknowledgement; otherwise the
 * same estate gives the same plan, and that plan is the one checked and enqueued.
 */
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { BackupPlan } from '../engine/plan-types';
import type { Finding, Severity } from '../engine/types';
import type { UpdateBackupJobInput } from '../schemas/jobs';
import { type BackupRequest, type BackupRequestInput, backupRequestInput } from '../schemas/operations';
import {
  type CreateBackupJobInput,
  createBackupJobInput,
  type StartBackupInput,
  startBackupInput,
  type UpdateReviewedBackupJobInput,
  updateReviewedBackupJobInput,
  warningKeyOf,
} from '../schemas/wizard';
import {
  type BackupJobView,
  createBackupJob,
  requireJobAsLoaded,
  updateBackupJob,
} from './backup-job-service';
import { DomainError } from './errors';
import { assertMayWriteGuestScripts } from './guest-script-rights';
import { enqueueBackup, type StartedOperation } from './operations-service';
import { parseInput } from './parse-input';
import { assertSameEstate, type FingerprintedPlan, planBackupFor } from './plans';

export interface KeyedFinding extends Finding {
  key: string;
}

export interface BackupReview {
  plan: BackupPlan;
  /** What the plan was made from; Create brings it back and is refused if the estate changed since. */
  fingerprint: string;
  /** The plan's findings, each once (by key), blockers first, then warnings, then info. */
  findings: KeyedFinding[];
  /** Keys of the warnings that must each be acknowledged before Create. */
  warningKeys: string[];
  counts: Record<Severity, number>;
}

const SEVERITY_ORDER: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

export function reviewPlan({ plan, fingerprint }: FingerprintedPlan<BackupPlan>): BackupReview {
  const byKey = new Map<string, KeyedFinding>();
  for (const finding of plan.findings) {
    const key = `${finding.severity}|${warningKeyOf(finding)}`;
    if (!byKey.has(key)) byKey.set(key, { ...finding, key: warningKeyOf(finding) });
  }
  const findings = [...byKey.values()].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  const counts: Record<Severity, number> = { blocker: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return {
    plan,
    fingerprint,
    findings,
    warningKeys: findings.filter((finding) => finding.severity === 'warning').map((finding) => finding.key),
    counts,
  };
}

/** Dry run for the review step: nothing written. */
export async function reviewBackup(
  stores: Stores,
  ctx: ServiceContext,
  input: BackupRequestInput,
): Promise<BackupReview> {
  return reviewPlan(await planBackupFor(stores, ctx, parseInput(backupRequestInput, input)));
}

/**
 * Refuses (PRECONDITION_FAILED, one field error per warning) unless every warning of the plan is
 * acknowledged; blockers are refused by the start itself with the engine's reasons.
 */
export function assertWarningsAcknowledged(review: BackupReview, acknowledged: readonly string[]): void {
  if (review.counts.blocker > 0) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `The backup cannot run: ${review.plan.blockedReasons.join('; ')}`,
      review.plan.blockedReasons.map((message) => ({ path: 'scope', message })),
    );
  }
  const given = new Set(acknowledged);
  const missing = review.findings.filter(
    (finding) => finding.severity === 'warning' && !given.has(finding.key),
  );
  if (missing.length === 0) return;
  throw new DomainError(
    'PRECONDITION_FAILED',
    `Acknowledge every warning before creating: ${missing.length} not acknowledged (${missing
      .map((finding) => finding.ruleId)
      .join(', ')})`,
    missing.map((finding) => ({
      path: `acknowledgedWarnings.${finding.key}`,
      message: `Not acknowledged: ${finding.message}`,
    })),
  );
}

/**
 * The reviewed plan, made once more from the same estate: refused with CONFLICT when the estate
 * changed since the review (the wizard then shows the new review), and unless every warning of
 * that plan is acknowledged.
 */
async function reviewedPlan(
  stores: Stores,
  ctx: ServiceContext,
  request: BackupRequest,
  reviewed: { fingerprint: string; acknowledgedWarnings: readonly string[] },
): Promise<BackupPlan> {
  const planned = await planBackupFor(stores, ctx, request);
  assertSameEstate(reviewed.fingerprint, planned);
  assertWarningsAcknowledged(reviewPlan(planned), reviewed.acknowledgedWarnings);
  return planned.plan;
}

/** Runs the reviewed backup once, now (no job, so no retention: the points stay until deleted). */
export async function startReviewedBackup(
  stores: Stores,
  ctx: ServiceContext,
  input: StartBackupInput,
): Promise<StartedOperation> {
  const { request, ...reviewed } = parseInput(startBackupInput, input);
  assertMayWriteGuestScripts(ctx, request.scripts);
  return enqueueBackup(stores, ctx, request, await reviewedPlan(stores, ctx, request, reviewed));
}

/** Saves the reviewed request as a backup job; its schedule starts it. */
export async function createReviewedBackupJob(
  stores: Stores,
  ctx: ServiceContext,
  input: CreateBackupJobInput,
): Promise<BackupJobView> {
  const { job, ...reviewed } = parseInput(createBackupJobInput, input);
  await reviewedPlan(stores, ctx, job.request, reviewed);
  return createBackupJob(stores, ctx, job);
}

/**
 * Saves an edited job after the same review as a new one: the job must exist unchanged since the
 * wizard loaded it (checked first: an operator who must reopen the job need not fix anything
 * else before), the plan of its new request must be the one reviewed, and each of that plan's
 * warnings acknowledged; nothing is changed otherwise.
 */
export async function updateReviewedBackupJob(
  stores: Stores,
  ctx: ServiceContext,
  input: UpdateReviewedBackupJobInput,
): Promise<BackupJobView> {
  return updateBackupJob(stores, ctx, await reviewedJobEdit(stores, ctx, input));
}

/** The edit of updateReviewedBackupJob once its review holds, ready to save (or to ask approval for). */
export async function reviewedJobEdit(
  stores: Stores,
  ctx: ServiceContext,
  input: UpdateReviewedBackupJobInput,
): Promise<UpdateBackupJobInput> {
  const { id, job, loadedUpdatedAt, ...reviewed } = parseInput(updateReviewedBackupJobInput, input);
  await requireJobAsLoaded(stores, id, loadedUpdatedAt);
  await reviewedPlan(stores, ctx, job.request, reviewed);
  return { id, job, loadedUpdatedAt };
}
