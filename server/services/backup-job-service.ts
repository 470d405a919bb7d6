/**
 * Backup jobs: a saved BackupRequest with a cron schedule (time zone aware), a missed-run
 * policy, GFS retention (applied by the run's last step) and an RPO. The scheduler tick
 * (scheduled-runs.ts, called by the worker) starts due runs; a job is claimed by a conditional
 * update first, so two processes ticking at once never start the same run twice.
 */
import type { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { JobLastOperation, JobRecord } from '../../db/stores/ports/job-store';
import { actorLabel, type ServiceContext } from '../context';
import { backupSeeds } from '../engine/neighbourhood';
import { describeSchedule, nextRuns } from '../engine/schedule';
import type { RetentionPolicy } from '../engine/step-params';
import {
  type AddVmsToJobInput,
  addVmsToJobInput,
  type UpdateBackupJobInput,
  updateBackupJobInput,
} from '../schemas/jobs';
import { type BackupJobInput, type BackupRequest, backupJobInput } from '../schemas/operations';
import { assertUniqueJobName, JobChangedMeanwhile, JobSavedSinceLoaded } from './backup-job-conflicts';
import { DomainError, deletedMeanwhile, goneSinceLoaded } from './errors';
import { assertMayWriteGuestScripts } from './guest-script-rights';
import { type StartedOperation, startBackup } from './operations-service';
import { parseInput } from './parse-input';
import { assertBackupRunnable, jobContextOf, lastKnownVmNames } from './plans';
import { assertTypedName } from './typed-confirmation';

type JobRow = JobRecord;

export interface BackupJobView {
  id: string;
  name: string;
  request: BackupRequest;
  schedule: { cron: string; timeZone: string; description: string } | null;
  timeZone: string;
  missedRunPolicy: JobRow['missedRunPolicy'];
  retention: RetentionPolicy;
  rpoHours: number;
  isEnabled: boolean;
  lastScheduledAt: Date | null;
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** actorLabel() of who created / last changed the job. */
  createdBy: string;
  updatedBy: string;
  /** Its newest run, with why it failed or warned in words. */
  lastOperation: JobLastOperation | null;
  /**
   * VMs of the job's scope no longer in the inventory (an import removed them), named as their
   * newest restore point recorded them; null when every VM of the scope is there.
   */
  missingVms: { names: string[]; message: string } | null;
}

type LastOperation = BackupJobView['lastOperation'];

function viewOf(
  row: JobRow,
  now: Date,
  last: LastOperation,
  missingVms: BackupJobView['missingVms'],
): BackupJobView {
  return {
    id: row.id,
    name: row.name,
    request: row.requestJson as unknown as BackupRequest,
    schedule: row.cron
      ? { cron: row.cron, timeZone: row.timeZone, description: describeSchedule(row.cron, row.timeZone, now) }
      : null,
    timeZone: row.timeZone,
    missedRunPolicy: row.missedRunPolicy,
    retention: row.retentionJson as unknown as RetentionPolicy,
    rpoHours: row.rpoHours,
    isEnabled: row.isEnabled,
    lastScheduledAt: row.lastScheduledAt,
    nextRunAt: row.nextRunAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    lastOperation: last,
    missingVms,
  };
}

async function viewsOf(stores: Stores, rows: JobRow[], now: Date): Promise<BackupJobView[]> {
  const last = await stores.jobs.lastOperations(rows.map((row) => row.id));
  const missing = await missingScopeVms(stores, rows);
  return rows.map((row) => viewOf(row, now, last.get(row.id) ?? null, missing.get(row.id) ?? null));
}

/** Per job, the VMs of its scope the inventory no longer has (by name), in words. */
async function missingScopeVms(
  stores: Stores,
  rows: JobRow[],
): Promise<Map<string, NonNullable<BackupJobView['missingVms']>>> {
  const scopes = new Map<string, string[]>();
  for (const row of rows) {
    const { scope } = row.requestJson as unknown as BackupRequest;
    if (scope?.kind === 'vms') scopes.set(row.id, scope.vmIds);
  }
  const wanted = [...new Set([...scopes.values()].flat())];
  const existing = await stores.inventory.namesOfVms(wanted);
  const gone = wanted.filter((id) => !existing.has(id));
  const result = new Map<string, NonNullable<BackupJobView['missingVms']>>();
  if (gone.length === 0) return result;
  const lastKnownName = await lastKnownVmNames(stores, gone);
  for (const [jobId, vmIds] of scopes) {
    const names = vmIds
      .filter((id) => !existing.has(id))
      .map((id) => lastKnownName.get(id) ?? `a VM whose name was not kept (id ${id})`);
    if (names.length === 0) continue;
    const count =
      names.length === 1 ? "1 VM of this job's scope is" : `${names.length} VMs of this job's scope are`;
    result.set(jobId, {
      names,
      message: `${count} no longer in the inventory: ${names.join(', ')}. Its runs are blocked until the job's scope is edited to drop ${names.length === 1 ? 'it' : 'them'}.`,
    });
  }
  return result;
}

async function viewOfOne(stores: Stores, row: JobRow, now: Date): Promise<BackupJobView> {
  return (await viewsOf(stores, [row], now))[0] as BackupJobView;
}

function nextRunOf(cron: string | null, timeZone: string, isEnabled: boolean, from: Date): Date | null {
  if (!cron || !isEnabled) return null;
  return nextRuns(cron, timeZone, from, 1)[0] ?? null;
}

/**
 * What a save's next run time counts from: `now` when the save restarts the schedule, else the
 * scheduler's checkpoint. Counting from `now` would hide a run that came due since the checkpoint
 * and was not started yet (a save at 02:00:05, before the scheduler's tick; a save while the
 * workers are down): that run would neither start nor be caught up until the next one.
 */
function keptCheckpoint(existing: JobRow, isRestarted: boolean, now: Date): Date {
  return isRestarted ? now : (existing.lastScheduledAt ?? now);
}

async function requireJob(stores: Stores, id: string): Promise<JobRow> {
  const row = await stores.jobs.get(id);
  if (!row) throw goneSinceLoaded('backup job', 'id');
  return row;
}

/**
 * The VM list's bulk "Add to job": the VMs join the job's list (those already in it are left as
 * they are) and the job is re-reviewed exactly as an edit is (a VM that would block the run is
 * refused, nothing saved). A job that backs up a whole volume covers its VMs already: refused.
 * Another change saved between the read and the write (another operator adding VMs) is not
 * overwritten: the VMs are added again to the job as it is then.
 */
export async function addVmsToJob(
  stores: Stores,
  ctx: ServiceContext,
  input: AddVmsToJobInput,
): Promise<BackupJobView & { addedVmIds: string[] }> {
  const { id, vmIds } = parseInput(addVmsToJobInput, input);
  for (let attempt = 1; ; attempt++) {
    const read = await requireJob(stores, id);
    const request = read.requestJson as unknown as BackupRequest;
    const { scope } = request;
    if (scope.kind !== 'vms') {
      throw new DomainError(
        'CONFLICT',
        `Backup job "${read.name}" backs up a whole volume, not a list of VMs: add VMs to a job that lists them`,
        [{ path: 'id', message: 'This job backs up a whole volume' }],
      );
    }
    const addedVmIds = [...new Set(vmIds)].filter((vmId) => !scope.vmIds.includes(vmId));
    if (addedVmIds.length === 0) return { ...(await viewOfOne(stores, read, ctx.now())), addedVmIds };
    const edit: BackupJobInput = {
      name: read.name,
      request: { ...request, scope: { kind: 'vms', vmIds: [...scope.vmIds, ...addedVmIds] } },
      schedule: read.cron ? { cron: read.cron, timeZone: read.timeZone } : null,
      missedRunPolicy: read.missedRunPolicy,
      retention: read.retentionJson as unknown as RetentionPolicy,
      rpoHours: read.rpoHours,
      isEnabled: read.isEnabled,
    };
    try {
      return { ...(await saveEdit(stores, ctx, id, edit, { read })), addedVmIds };
    } catch (error) {
      if (!(error instanceof JobChangedMeanwhile) || attempt === ADD_VMS_ATTEMPTS) throw error;
    }
  }
}

/** How many times "Add to job" reads the job again when another change was saved meanwhile. */
const ADD_VMS_ATTEMPTS = 3;

/**
 * The job, unless it is gone (NOT_FOUND) or was saved since the operator's form loaded it at
 * `loadedUpdatedAt` (CONFLICT, JobSavedSinceLoaded).
 */
export async function requireJobAsLoaded(stores: Stores, id: string, loadedUpdatedAt: Date): Promise<JobRow> {
  const row = await requireJob(stores, id);
  if (row.updatedAt.getTime() !== loadedUpdatedAt.getTime()) throw new JobSavedSinceLoaded(row.name);
  return row;
}

/**
 * What an edit was worked out from, so that a save made since is never overwritten: the job as
 * the caller read it ("Add to job", which reads it again on JobChangedMeanwhile), or the
 * `updatedAt` the operator's form loaded it at (their edit took minutes; JobSavedSinceLoaded).
 */
type EditBasis = { read: JobRow } | { loadedUpdatedAt: Date };

/** Why a job read as `read` was not written: it is gone, or another change was saved since. */
async function notWritten(stores: Stores, read: JobRow, basis: EditBasis = { read }): Promise<DomainError> {
  if (!(await stores.jobs.get(read.id))) return deletedMeanwhile('Backup job', read.name);
  return 'loadedUpdatedAt' in basis ? new JobSavedSinceLoaded(read.name) : new JobChangedMeanwhile(read.name);
}

/** The columns a create or an edit writes from the operator's job (validated by backupJobInput). */
function savedColumns(job: z.output<typeof backupJobInput>, timeZone: string) {
  return {
    name: job.name,
    requestJson: job.request as unknown as Record<string, unknown>,
    cron: job.schedule?.cron ?? null,
    timeZone,
    missedRunPolicy: job.missedRunPolicy,
    retentionJson: job.retention as unknown as Record<string, unknown>,
    rpoHours: job.rpoHours,
    isEnabled: job.isEnabled,
  };
}

export async function createBackupJob(
  stores: Stores,
  ctx: ServiceContext,
  input: BackupJobInput,
): Promise<BackupJobView> {
  const job = parseInput(backupJobInput, input);
  assertMayWriteGuestScripts(ctx, job.request.scripts);
  const now = ctx.now();
  await assertUniqueJobName(stores, job.name, null);
  await assertBackupRunnable(stores, ctx, job.request);
  const timeZone = job.schedule?.timeZone ?? 'UTC';
  const actor = actorLabel(ctx.actor);
  const row = await stores.jobs.create({
    id: `job-${ctx.newId()}`,
    ...savedColumns(job, timeZone),
    // The schedule starts now: runs before creation are not "missed".
    lastScheduledAt: now,
    nextRunAt: nextRunOf(job.schedule?.cron ?? null, timeZone, job.isEnabled, now),
    createdAt: now,
    updatedAt: now,
    createdBy: actor,
    updatedBy: actor,
  });
  return viewOfOne(stores, row, now);
}

/**
 * An operator's edit of a job, saved only if nobody saved the job since their form loaded it
 * (`loadedUpdatedAt`); otherwise CONFLICT and nothing is saved.
 */
export async function updateBackupJob(
  stores: Stores,
  ctx: ServiceContext,
  input: UpdateBackupJobInput,
): Promise<BackupJobView> {
  const { id, job, loadedUpdatedAt } = parseInput(updateBackupJobInput, input);
  return saveEdit(stores, ctx, id, job, { loadedUpdatedAt });
}

/**
 * The edit as it would be saved, refused as the save refuses it: a name another job has, a scope
 * that cannot run, guest scripts the editor may not write. An edit sent for a second admin's
 * approval is checked first the same way, as its requester (the approval runs as the approver).
 */
export async function assertJobEditSavable(
  stores: Stores,
  ctx: ServiceContext,
  existing: JobRecord,
  input: BackupJobInput,
): Promise<z.output<typeof backupJobInput>> {
  const job = parseInput(backupJobInput, input);
  assertMayWriteGuestScripts(
    ctx,
    job.request.scripts,
    (existing.requestJson as unknown as BackupRequest).scripts,
  );
  await assertUniqueJobName(stores, job.name, existing.id);
  await assertBackupRunnable(stores, ctx, job.request);
  return job;
}

/**
 * Writes an edit worked out from `basis`. The store writes only while the job's `updatedAt` is
 * still the one the edit was worked out from, so a save landing between this read and the write
 * is not overwritten either.
 */
async function saveEdit(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  input: BackupJobInput,
  basis: EditBasis,
): Promise<BackupJobView> {
  const existing = 'read' in basis ? basis.read : await requireJobAsLoaded(stores, id, basis.loadedUpdatedAt);
  const job = await assertJobEditSavable(stores, ctx, existing, input);
  const now = ctx.now();
  const timeZone = job.schedule?.timeZone ?? 'UTC';
  const isScheduleChanged = existing.cron !== (job.schedule?.cron ?? null) || existing.timeZone !== timeZone;
  const isRestarted = isScheduleChanged || (!existing.isEnabled && job.isEnabled);
  const row = await stores.jobs.update(
    id,
    {
      ...savedColumns(job, timeZone),
      // A new schedule starts now; past times of the old one are not missed runs of the new one.
      // Otherwise the scheduler's last run stays as it wrote it (it may have claimed one since the read).
      ...(isRestarted ? { lastScheduledAt: now } : {}),
      nextRunAt: nextRunOf(
        job.schedule?.cron ?? null,
        timeZone,
        job.isEnabled,
        keptCheckpoint(existing, isRestarted, now),
      ),
      updatedAt: now,
      updatedBy: actorLabel(ctx.actor),
    },
    existing.updatedAt,
  );
  if (!row) throw await notWritten(stores, existing, basis);
  return viewOfOne(stores, row, now);
}

export async function setBackupJobEnabled(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  isEnabled: boolean,
): Promise<BackupJobView> {
  const existing = await requireJob(stores, id);
  const now = ctx.now();
  const isRestarted = isEnabled && !existing.isEnabled;
  const row = await stores.jobs.update(
    id,
    {
      isEnabled,
      // Re-enabling starts the schedule afresh: the disabled period is not "missed".
      ...(isRestarted ? { lastScheduledAt: now } : {}),
      nextRunAt: nextRunOf(
        existing.cron,
        existing.timeZone,
        isEnabled,
        keptCheckpoint(existing, isRestarted, now),
      ),
      updatedAt: now,
      updatedBy: actorLabel(ctx.actor),
    },
    existing.updatedAt,
  );
  if (!row) throw await notWritten(stores, existing);
  return viewOfOne(stores, row, now);
}

/**
 * Deletes the job; what it was called, for the audit trail and the toast. Its past operations and
 * restore points stay (their job id becomes null).
 */
export async function deleteBackupJob(stores: Stores, id: string): Promise<{ id: string; name: string }> {
  const { name } = await requireJob(stores, id);
  if (!(await stores.jobs.delete(id))) throw deletedMeanwhile('Backup job', name);
  return { id, name };
}

/** A job's delete is confirmed by its name typed (typed-confirmation.ts). */
export async function assertJobDeleteConfirmed(
  stores: Stores,
  input: { id: string; confirmation: string },
): Promise<void> {
  assertTypedName(input.confirmation, (await requireJob(stores, input.id)).name, "the job's name");
}

export async function listBackupJobs(stores: Stores, ctx: ServiceContext): Promise<BackupJobView[]> {
  return viewsOf(stores, await stores.jobs.list(), ctx.now());
}

export async function getBackupJob(stores: Stores, ctx: ServiceContext, id: string): Promise<BackupJobView> {
  return viewOfOne(stores, await requireJob(stores, id), ctx.now());
}

/**
 * One job with the names of what its scope names (`scopeNames`: id → name; a host volume as
 * "D: on hv-01", so four hosts' D: are told apart), for its page and the wizard that edits it.
 * An object the inventory no longer has is left out (the page says so by `missingVms`).
 */
export async function getBackupJobWithNames(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
): Promise<BackupJobView & { scopeNames: Record<string, string> }> {
  const job = await getBackupJob(stores, ctx, id);
  const seeds = backupSeeds(job.request.scope);
  const neighbourhood = await stores.inventory.loadNeighbourhood(seeds.vmIds, seeds.also);
  const hostNames = new Map(neighbourhood.hosts.map((host) => [host.id, host.name]));
  const named = new Set([
    ...seeds.vmIds,
    ...(seeds.also.hostVolumeIds ?? []),
    ...(seeds.also.arrayVolumeIds ?? []),
  ]);
  const scopeNames: Record<string, string> = {};
  for (const vm of neighbourhood.vms) if (named.has(vm.id)) scopeNames[vm.id] = vm.name;
  for (const volume of neighbourhood.hostVolumes) {
    if (named.has(volume.id))
      scopeNames[volume.id] = `${volume.name} on ${hostNames.get(volume.hostId) ?? 'an unknown host'}`;
  }
  for (const volume of neighbourhood.arrayVolumes)
    if (named.has(volume.id)) scopeNames[volume.id] = volume.name;
  // A VM gone from the inventory keeps the name it was last known by, marked as gone: the edit
  // wizard's chips and cards read these (and the job page asks to drop it).
  const gone = seeds.vmIds.filter((vmId) => scopeNames[vmId] === undefined);
  for (const [vmId, name] of await lastKnownVmNames(stores, gone)) scopeNames[vmId] = `${name} (gone)`;
  return { ...job, scopeNames };
}

/** Runs the job now, outside its schedule (retention applies as for a scheduled run). */
export async function runBackupJobNow(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
): Promise<StartedOperation> {
  const job = await requireJob(stores, id);
  return startBackup(stores, ctx, job.requestJson as never, {
    job: jobContextOf(job),
    // Told apart from the scheduled runs in the job's history and the operations list.
    title: `Backup job ${job.name} (run manually)`,
  });
}
