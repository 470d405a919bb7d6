/**
 * Durable operations, schedules and restore points on PostgreSQL: the same tables, exported names
 * and row types as db/schema-operations.ts (see ./schema.ts). Times are timestamptz with
 * millisecond precision (a JS Date round-trips exactly); the read models below are kept by
 * triggers as in SQLite (migrations-pg/0001_protection_triggers.sql).
 *
 * What follows is the SQLite module's description, which holds here too:
 *
 * The runner's whole state lives here so that a restart can resume or clean up: an operation
 * row with its plan and lease, one row per plan step (stable `key`, status, attempts, bytes, the
 * driver's result), append-only logs and events, and the lock rows that keep conflicting
 * operations apart. Times are stored as epoch milliseconds (`timestamp_ms`), so cursor
 * pagination compares plain integers.
 *
 * Restore points are browsed in the millions (issue 4): every list filter has a composite index
 * ending in (created_at, id), the cursor order.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  json,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { StepKind } from '../../server/engine/plan-types';
import type { MissedRunPolicy } from '../../server/engine/schedule';
import type {
  ApplicationState,
  LogLevel,
  OperationKind,
  OperationStatus,
  StepStatus,
  VerificationVerdict,
} from '../../server/engine/statuses';
import type {
  BackupMethod,
  CaptureState,
  Consistency,
  DiskChangeTracking,
  PointLocationKind,
} from '../../server/engine/types';

/** Millisecond timestamps with a time zone, read as Date (the SQLite schema's `timestamp_ms`). */
const TIME = { withTimezone: true, mode: 'date', precision: 3 } as const;

export const backupJobs = pgTable(
  'backup_jobs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** nameKeyOf(name) (server/engine/name-keys.ts): unique, so names differing only in case clash. */
    nameKey: text('name_key').unique(),
    /** The BackupRequest the job enqueues on every run (validated by server/schemas/operations.ts). */
    requestJson: json('request_json').$type<Record<string, unknown>>().notNull(),
    /** Null: no schedule, the job runs only when started by hand. */
    cron: text('cron'),
    /** Time zone of the schedule and of the GFS retention periods (UTC for unscheduled jobs). */
    timeZone: text('time_zone').notNull(),
    missedRunPolicy: text('missed_run_policy').$type<MissedRunPolicy>().notNull(),
    /** GFS retention: keep last N plus daily/weekly/monthly. */
    retentionJson: json('retention_json').$type<Record<string, unknown>>().notNull(),
    rpoHours: doublePrecision('rpo_hours').notNull(),
    isEnabled: boolean('is_enabled').notNull(),
    lastScheduledAt: timestamp('last_scheduled_at', TIME),
    nextRunAt: timestamp('next_run_at', TIME),
    createdAt: timestamp('created_at', TIME).notNull(),
    updatedAt: timestamp('updated_at', TIME).notNull(),
    /** actorLabel() of who created / last changed the job (server/context.ts). */
    createdBy: text('created_by').notNull().default('system'),
    updatedBy: text('updated_by').notNull().default('system'),
  },
  (t) => [
    index('backup_jobs_name_idx').on(t.name),
    index('backup_jobs_due_idx').on(t.isEnabled, t.nextRunAt),
  ],
);

export const operations = pgTable(
  'operations',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<OperationKind>().notNull(),
    status: text('status').$type<OperationStatus>().notNull(),
    /** Why a queued operation is not running yet ("locked by op-12 on vm:sql01", "host limit 2 reached"). */
    waitingReason: text('waiting_reason'),
    /** Short human label for lists ("Backup sql01 (Hyper-V VSS)"). */
    title: text('title').notNull(),
    jobId: text('job_id').references(() => backupJobs.id, { onDelete: 'set null' }),
    /** The operation this one retries (retry-failed), if any. */
    retryOfId: text('retry_of_id'),
    createdAt: timestamp('created_at', TIME).notNull(),
    startedAt: timestamp('started_at', TIME),
    finishedAt: timestamp('finished_at', TIME),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', TIME),
    /** How many times a worker took the operation over (1 = never interrupted). */
    attempt: integer('attempt').notNull().default(0),
    /**
     * Set when the operation can no longer succeed (a step failed, cancel, lost worker): the final
     * status it takes once its owed cleanup steps have run.
     */
    endingAs: text('ending_as').$type<'failed' | 'cancelled' | 'interrupted'>(),
    error: text('error'),
    /** Why a finished operation succeeded with warnings, in words, one per warned step; [] otherwise. */
    warningsJson: json('warnings_json').$type<string[]>().notNull().default([]),
    /** actorLabel() of who started the operation ('scheduler' for scheduled runs). */
    requestedBy: text('requested_by').notNull().default('system'),
    /** actorLabel() of who asked to cancel it, if anyone did. */
    cancelledBy: text('cancelled_by'),
  },
  (t) => [
    index('operations_created_idx').on(t.createdAt, t.id),
    index('operations_status_created_idx').on(t.status, t.createdAt, t.id),
    index('operations_kind_created_idx').on(t.kind, t.createdAt, t.id),
    index('operations_job_created_idx').on(t.jobId, t.createdAt),
    index('operations_lease_idx').on(t.status, t.leaseExpiresAt),
    // The claim's order among the active operations (oldest started first): a claim walks it and
    // stops at the first free one, instead of reading every running operation to sort them (~2 ms
    // a claim with 1,850 running, issue 13). Partial: leases and queued operations never touch it.
    index('operations_claim_order_idx').on(t.startedAt, t.id).where(sql`status in ('running', 'cancelling')`),
  ],
);

/**
 * An operation's plan and request: written once at enqueue, never changed, read by id when a step
 * or a page needs them. Apart from `operations` because that row changes on every claim, heartbeat
 * and completion (lease, status), and an UPDATE rewrites the whole row: with the plan inside (16 KB
 * for a one-VM backup, hundreds of KB for a volume's) every lease change wrote it to the WAL again.
 */
export const operationPayloads = pgTable('operation_payloads', {
  operationId: text('operation_id')
    .primaryKey()
    .references(() => operations.id, { onDelete: 'cascade' }),
  planJson: json('plan_json').$type<Record<string, unknown>>().notNull(),
  requestJson: json('request_json').$type<Record<string, unknown>>().notNull(),
});

/** The VMs an operation touches, so a VM page can list its operations without parsing plans. */
export const operationVms = pgTable(
  'operation_vms',
  {
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    vmId: text('vm_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.operationId, t.vmId] }), index('operation_vms_vm_idx').on(t.vmId)],
);

export const operationSteps = pgTable(
  'operation_steps',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind').$type<StepKind>().notNull(),
    title: text('title').notNull(),
    vmId: text('vm_id'),
    hostVolumeId: text('host_volume_id'),
    arrayVolumeId: text('array_volume_id'),
    /** Key of the step whose side effect this cleanup step undoes. */
    undoes: text('undoes'),
    isCleanup: boolean('is_cleanup').notNull(),
    paramsJson: json('params_json').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<StepStatus>().notNull(),
    startedAt: timestamp('started_at', TIME),
    finishedAt: timestamp('finished_at', TIME),
    bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
    bytesTotal: bigint('bytes_total', { mode: 'number' }),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', TIME),
    error: text('error'),
    /** What the step left short of its plan, in words: a degraded step's reason, a left-out disk. */
    warning: text('warning'),
    faultCode: text('fault_code'),
    /** What the driver returned (snapshot id, files, achieved consistency): later steps read it. */
    resultJson: json('result_json').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('operation_steps_op_key_uq').on(t.operationId, t.key),
    index('operation_steps_op_seq_idx').on(t.operationId, t.seq),
  ],
);

export const stepLogs = pgTable(
  'step_logs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    stepId: bigint('step_id', { mode: 'number' })
      .notNull()
      .references(() => operationSteps.id, { onDelete: 'cascade' }),
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    at: timestamp('at', TIME).notNull(),
    level: text('level').$type<LogLevel>().notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('step_logs_op_idx').on(t.operationId, t.id), index('step_logs_step_idx').on(t.stepId, t.id)],
);

/** Append-only; the autoincrement id is the SSE event id a reconnecting client resumes from. */
export const operationEvents = pgTable(
  'operation_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payloadJson: json('payload_json').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', TIME).notNull(),
  },
  (t) => [index('operation_events_op_idx').on(t.operationId, t.id)],
);

/**
 * One row per locked object ("vm:sql01", "host-volume:hv1-d"). Inserted in the transaction that
 * starts an operation and deleted in the one that finishes it, so no lock outlives its operation;
 * the primary key makes a double grant impossible even if two workers race.
 */
/** Live workers and what each takes: see db/schema-operations.ts. */
export const workers = pgTable('workers', {
  id: text('id').primaryKey(),
  hostIdsJson: json('host_ids_json').$type<string[]>(),
  arrayIdsJson: json('array_ids_json').$type<string[]>(),
  seenAt: timestamp('seen_at', TIME).notNull(),
  expiresAt: timestamp('expires_at', TIME).notNull(),
});

export const locks = pgTable(
  'locks',
  {
    key: text('key').primaryKey(),
    operationId: text('operation_id')
      .notNull()
      .references(() => operations.id, { onDelete: 'cascade' }),
    acquiredAt: timestamp('acquired_at', TIME).notNull(),
  },
  (t) => [index('locks_op_idx').on(t.operationId)],
);

export const restorePoints = pgTable(
  'restore_points',
  {
    id: text('id').primaryKey(),
    vmId: text('vm_id').notNull(),
    vmName: text('vm_name').notNull(),
    hostId: text('host_id'),
    operationId: text('operation_id').references(() => operations.id, { onDelete: 'set null' }),
    jobId: text('job_id').references(() => backupJobs.id, { onDelete: 'set null' }),
    method: text('method').$type<BackupMethod>().notNull(),
    consistency: text('consistency').$type<Consistency>().notNull(),
    /** Why the point has the consistency it has ("fallback: freeze timed out after 60 s"). */
    consistencyReason: text('consistency_reason'),
    captureState: text('capture_state').$type<CaptureState>().notNull(),
    /** Measured, not labelled: the lab's application log/data check on the captured files. */
    applicationState: text('application_state').$type<ApplicationState>(),
    createdAt: timestamp('created_at', TIME).notNull(),
    hostVolumeId: text('host_volume_id'),
    arrayVolumeId: text('array_volume_id'),
    /** Snapshot the point was copied from: points sharing it were captured together (one volume). */
    snapshotId: text('snapshot_id'),
    heldDisksJson: json('held_disks_json').$type<string[]>().notNull(),
    missingDisksJson: json('missing_disks_json').$type<string[]>().notNull(),
    /** RCT ids per captured disk (Hyper-V); null when the method records none. */
    changeTrackingJson: json('change_tracking_json').$type<DiskChangeTracking[]>(),
    /** Does not hold every disk of its VM (isPartialPoint, written by the catalog step). */
    isPartial: boolean('is_partial').notNull().default(false),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    expiresAt: timestamp('expires_at', TIME),
    repositoryPath: text('repository_path').notNull(),
    lastVerifiedAt: timestamp('last_verified_at', TIME),
    lastVerdict: text('last_verdict').$type<VerificationVerdict>(),
    /**
     * Where the point's data is: `repository` (copied, hashed files) or `pool-snapshot` (a snapshot
     * VM kept on its XenServer pool, catalogued by the pool sync; no files in the repository).
     */
    locationKind: text('location_kind').$type<PointLocationKind>().notNull().default('repository'),
    /** pool-snapshot: the snapshot VM's inventory-style id (`xen:<uuid>`). */
    locationRef: text('location_ref'),
    /** pool-snapshot: the snapshot's name on the pool ("sql01 before patch"). */
    locationName: text('location_name'),
    /** Its data vanished outside Migawka (a pool snapshot destroyed on the pool): no longer restorable. */
    goneSince: timestamp('gone_since', TIME),
    goneReason: text('gone_reason'),
    /**
     * pool-snapshot: a memory checkpoint (`VM.checkpoint`): the snapshot also holds the VM's RAM (its
     * suspend VDI), so a revert brings the VM back running as it was; its disks alone are crash-consistent.
     */
    includesMemory: boolean('includes_memory').notNull().default(false),
    /**
     * pool-snapshot: what the operator should know about a point still restorable, in words (the
     * snapshot's VM was deleted on the pool and xapi kept the snapshot); null when nothing.
     */
    locationNote: text('location_note'),
  },
  (t) => [
    // A resumed catalog step re-inserts with ON CONFLICT DO NOTHING: never a duplicate point.
    uniqueIndex('restore_points_op_vm_uq').on(t.operationId, t.vmId),
    index('restore_points_created_idx').on(t.createdAt, t.id),
    index('restore_points_vm_created_idx').on(t.vmId, t.createdAt, t.id),
    index('restore_points_host_created_idx').on(t.hostId, t.createdAt, t.id),
    index('restore_points_method_created_idx').on(t.method, t.createdAt, t.id),
    index('restore_points_consistency_created_idx').on(t.consistency, t.createdAt, t.id),
    index('restore_points_job_created_idx').on(t.jobId, t.createdAt, t.id),
    index('restore_points_host_volume_created_idx').on(t.hostVolumeId, t.createdAt),
    index('restore_points_array_volume_created_idx').on(t.arrayVolumeId, t.createdAt),
    index('restore_points_expires_idx').on(t.expiresAt),
    index('restore_points_snapshot_idx').on(t.snapshotId),
  ],
);

export const restorePointFiles = pgTable(
  'restore_point_files',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    pointId: text('point_id')
      .notNull()
      .references(() => restorePoints.id, { onDelete: 'cascade' }),
    diskId: text('disk_id').notNull(),
    /** Relative to the repository root. */
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('restore_point_files_point_disk_uq').on(t.pointId, t.diskId)],
);

export const pointVerifications = pgTable(
  'point_verifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    pointId: text('point_id')
      .notNull()
      .references(() => restorePoints.id, { onDelete: 'cascade' }),
    at: timestamp('at', TIME).notNull(),
    verdict: text('verdict').$type<VerificationVerdict>().notNull(),
    detailsJson: json('details_json').$type<Record<string, unknown>>().notNull(),
    /** actorLabel() of who asked for the verification. */
    requestedBy: text('requested_by').notNull().default('system'),
  },
  (t) => [index('point_verifications_point_idx').on(t.pointId, t.at)],
);

/*
 * Read models of the protection overview (issue 4 §4), kept by SQLite triggers on restore_points
 * (migration 0005_protection_read_models). A trigger runs inside the statement that changes the
 * point, so every writer (the runner's catalog step, retention prune, delete, verification, the
 * large seed, a job deletion setting job_id to null) keeps them exact without knowing they exist.
 * At a million points the overview reads these small tables instead of the catalogue.
 */

/** How many points were taken per UTC day and consistency (the 14-day activity chart). */
export const restorePointDailyCounts = pgTable(
  'restore_point_daily_counts',
  {
    /** UTC day as days since the epoch: created_at / 86,400,000. */
    day: integer('day').notNull(),
    consistency: text('consistency').$type<Consistency>().notNull(),
    points: integer('points').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.consistency] })],
);

/**
 * The VMs a job has catalogued points of (a VM captured together with the ones the job asked for
 * counts as covered by it), with how many, so the last point's deletion removes the pair.
 */
export const restorePointJobVms = pgTable(
  'restore_point_job_vms',
  {
    jobId: text('job_id').notNull(),
    vmId: text('vm_id').notNull(),
    points: integer('points').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.vmId] })],
);

/**
 * The VMs each 'vms'-scope backup job names (its request's scope.vmIds), whether the job is
 * enabled or not, kept exact by triggers on backup_jobs (migration 0032) so the protection
 * statement finds a VM's jobs by index instead of parsing every job's list on every call.
 */
export const backupJobVms = pgTable(
  'backup_job_vms',
  {
    jobId: text('job_id').notNull(),
    vmId: text('vm_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.vmId] }), index('backup_job_vms_vm_idx').on(t.vmId, t.jobId)],
);

/**
 * Per VM, its newest good point (never verified, or verified intact), ties broken by id as in
 * the point browser: `order by created_at desc, id desc limit 1`.
 */
export const vmLatestGoodPoints = pgTable('vm_latest_good_points', {
  vmId: text('vm_id').primaryKey(),
  pointId: text('point_id').notNull(),
  createdAt: timestamp('created_at', TIME).notNull(),
});

/** Every inventory import (file or CLI): who loaded what, when, and how it changed the inventory. */
export const inventoryImports = pgTable(
  'inventory_imports',
  {
    id: text('id').primaryKey(),
    createdAt: timestamp('created_at', TIME).notNull(),
    /** actorLabel() of who imported. */
    requestedBy: text('requested_by').notNull(),
    mode: text('mode').$type<'replace' | 'merge'>().notNull(),
    /** Rows written per inventory section. */
    countsJson: json('counts_json').$type<Record<string, number>>().notNull(),
  },
  (t) => [index('inventory_imports_created_idx').on(t.createdAt)],
);
