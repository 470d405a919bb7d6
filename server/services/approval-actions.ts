/**
 * The destructive actions four-eyes guards, one entry per kind: how to read the action's input
 * back, what it would destroy (the preview the requester confirmed and the approver reviews), the
 * fingerprint of the estate it was judged on, and how to run it once approved. `prepare` runs at
 * the request and again at the approval: a different fingerprint then means the estate changed
 * and the approval is refused, so what runs is exactly what was reviewed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { InventoryCounts } from '../../db/stores/ports/inventory';
import type { PointDeletionImpact } from '../../db/stores/ports/restore-point-store';
import type { AccountDirectory } from '../auth/directory';
import type { DatabaseConfig } from '../config';
import type { ServiceContext } from '../context';
import type { ApprovalKind } from '../engine/approvals';
import { planFingerprint } from '../engine/fingerprint';
import { removalOf } from '../engine/import-removal';
import type { Inventory } from '../engine/inventory';
import type { RestoreMode } from '../engine/plan-types';
import { describePoint } from '../engine/point-plan';
import { describeSchedule } from '../engine/schedule';
import { replaceConfirmationInput } from '../schemas/inventory';
import { idInput } from '../schemas/inventory-queries';
import { jobIdInput } from '../schemas/jobs';
import { type StartRestoreInput, startRestoreInput } from '../schemas/wizard';
import { type AdminRightsPreview, changeAdminsAction } from './admin-rights';
import { turnOffFourEyesAction } from './approval-policy';
import { deleteBackupJob } from './backup-job-service';
import { type DisconnectPreview, disconnectAction } from './disconnect-action';
import { DomainError, goneSinceLoaded, pointNotFound } from './errors';
import { importInventoryOffLoop } from './import/import-thread';
import { assertReplaceConfirmed, previewReplace, type ReplaceConfirmation } from './import/replace-preview';
import { parseJsonText, validateInventory } from './import-service';
import type { RestoreReview } from './operations-service';
import { startReviewedRestore } from './operations-service';
import { parseInput } from './parse-input';
import { assertSameEstate, planBlockedError, planRestoreFor } from './plans';
import { describePointDeletion } from './restore-point-browser-service';
import { startPointDelete } from './restore-point-service';
import { type RetentionLoss, tightenRetentionAction } from './retention-change';

/** What an approved action runs with: the approver's service context over the same database. */
export interface ApprovalEnv {
  stores: Stores;
  service: ServiceContext;
  /** The database as the import thread opens it (SQLite file or PostgreSQL URL); null in memory. */
  importDatabase: DatabaseConfig | null;
  /** Users and credentials: what `change-admins` reads and changes. */
  accounts: AccountDirectory;
}

/** What is lost, as shown to the requester before they confirm and to the approver. */
export type ApprovalPreview =
  | {
      kind: 'restore';
      mode: RestoreMode;
      point: { id: string; vmId: string; vmName: string; createdAt: string };
      plan: RestoreReview;
    }
  | {
      kind: 'delete-restore-point';
      point: {
        id: string;
        vmId: string;
        vmName: string;
        createdAt: string;
        sizeBytes: number;
        method: string;
      };
      impact: PointDeletionImpact;
      /**
       * What else the delete does, as the requester's confirmation said: the other VMs whose
       * whole-volume revert it breaks, and what becomes of the array snapshot kept on the array
       * (null: not kept there). Absent on requests stored before they were recorded.
       */
      brokenVolumeReverts?: { restorePointId: string; vmName: string; createdAt: string }[];
      arraySnapshot?: { words: string; isDestroyed: boolean } | null;
    }
  | {
      kind: 'delete-job';
      job: { id: string; name: string; schedule: string | null; isEnabled: boolean; scope: string };
    }
  | {
      kind: 'tighten-retention';
      job: { id: string; name: string };
      /** The retention as saved and as the edit would save it ("Keep last 7 (Europe/Warsaw)"). */
      before: string;
      after: string;
      loss: RetentionLoss;
      /**
       * What else the edit changes (job-edit-changes.ts): approved, it is saved whole. Absent on a
       * request made before the console listed them.
       */
      otherChanges?: string[];
    }
  | {
      kind: 'turn-off-four-eyes';
      /** The kind four-eyes would no longer cover, and its label. */
      policy: { kind: ApprovalKind; label: string };
      /** Why, in the requester's words (recorded on the policy once approved). */
      reason: string;
    }
  | AdminRightsPreview
  | DisconnectPreview
  | {
      kind: 'replace-inventory';
      file: InventoryCounts;
      stored: InventoryCounts;
      /** VMs in the console that are not in the file: the replace deletes them (first 100 names). */
      removedVms: { count: number; names: string[] };
      /** Hosts the replace deletes, the jobs that lose VMs, the points left without their VM. */
      removedHosts?: { count: number; names: string[] };
      jobs?: { name: string; lost: string }[];
      orphanedPoints?: number;
      contentSha256: string;
    };

export interface PreparedAction {
  title: string;
  preview: ApprovalPreview;
  fingerprint: string;
}

export interface ApprovalAction {
  kind: ApprovalKind;
  /** The stored payload, validated again before use (a row edited by hand must not run). */
  parsePayload(payload: unknown): Record<string, unknown>;
  prepare(env: ApprovalEnv, payload: Record<string, unknown>): Promise<PreparedAction>;
  /** Runs the approved action; the result names what it started ({ operationId } …). */
  run(env: ApprovalEnv, payload: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A retry's request (retryOrRequestApproval) names the failed operation it retries, so the approved
 * run is recorded as its retry and the failed one stops asking for attention. Only the service sets
 * it: the procedures' own inputs drop unknown keys before a request is made from them.
 */
const retryOfInput = z.object({ retryOfId: z.string().min(1).max(200).optional() });

function withRetryOf(parsed: Record<string, unknown>, payload: unknown): Record<string, unknown> {
  const { retryOfId } = parseInput(retryOfInput, payload ?? {});
  return retryOfId ? { ...parsed, retryOfId } : parsed;
}

function retryOfIn(payload: Record<string, unknown>): { retryOfId?: string } {
  return typeof payload.retryOfId === 'string' ? { retryOfId: payload.retryOfId } : {};
}

function digest(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(value))));
}

/** By the request's mode: a staged restore asks as an in-place one when it copies back over the VM. */
const RESTORE_TITLES: Record<Exclude<RestoreMode, 'as-new'>, string> = {
  'in-place': 'In-place restore',
  'snapshot-revert': 'Snapshot revert',
  'volume-revert': 'Volume revert',
  staged: 'Staged restore copied back in place',
};

function restoreAction(kind: ApprovalKind): ApprovalAction {
  return {
    kind,
    parsePayload: (payload) =>
      withRetryOf(parseInput(startRestoreInput, payload) as unknown as Record<string, unknown>, payload),
    async prepare(env, payload) {
      const input = payload as unknown as StartRestoreInput;
      const request = parseInput(startRestoreInput, input).request;
      const planned = await planRestoreFor(env.stores, env.service, request);
      // The request must be the plan its requester reviewed; then the approver reviews the same.
      assertSameEstate(input.fingerprint, planned);
      if (!planned.plan.isRunnable) throw planBlockedError('restore', planned.plan.blockedReasons);
      const point = await env.stores.restorePoints.get(request.restorePointId);
      if (!point) throw pointNotFound();
      const subject = {
        id: point.id,
        vmId: point.vmId,
        vmName: point.vmName,
        createdAt: point.createdAt.toISOString(),
      };
      const what = planned.plan.confirmationText ? ` (${planned.plan.confirmationText})` : '';
      const { mode } = request;
      if (mode === 'as-new') throw new Error('a restore as a new VM asks for no approval');
      return {
        title: `${RESTORE_TITLES[mode]} of ${point.vmName} from ${describePoint(point)}${what}`,
        preview: {
          kind: 'restore',
          mode,
          point: subject,
          plan: { ...planned.plan, fingerprint: planned.fingerprint },
        },
        fingerprint: planned.fingerprint,
      };
    },
    async run(env, payload) {
      const started = await startReviewedRestore(
        env.stores,
        env.service,
        payload as unknown as StartRestoreInput,
        retryOfIn(payload),
      );
      return { operationId: started.operationId };
    },
  };
}

const deletePointAction: ApprovalAction = {
  kind: 'delete-restore-point',
  parsePayload: (payload) => withRetryOf(parseInput(idInput, payload), payload),
  async prepare(env, payload) {
    const { id } = parseInput(idInput, payload);
    const point = await env.stores.restorePoints.get(id);
    if (!point) throw pointNotFound();
    // The same reading as the delete's confirmation, so the approver reviews what the requester did.
    const { brokenVolumeReverts, arraySnapshot, arraySnapshotWords, ...impact } = await describePointDeletion(
      env.stores,
      id,
    );
    const subject = {
      id: point.id,
      vmId: point.vmId,
      vmName: point.vmName,
      createdAt: point.createdAt.toISOString(),
      sizeBytes: point.sizeBytes,
      method: point.method,
    };
    const beyond = {
      brokenVolumeReverts: brokenVolumeReverts.map((other) => ({
        restorePointId: other.restorePointId,
        vmName: other.vmName,
        createdAt: other.createdAt.toISOString(),
      })),
      arraySnapshot:
        arraySnapshot && arraySnapshotWords
          ? { words: arraySnapshotWords, isDestroyed: arraySnapshot.isDestroyed }
          : null,
    };
    return {
      title: `Delete ${describePoint(point)}`,
      preview: { kind: 'delete-restore-point', point: subject, impact, ...beyond },
      // Bound to what else it does too: breaking another revert, or destroying the array snapshot.
      fingerprint: digest([subject, point.heldDisksJson, point.expiresAt, impact, beyond]),
    };
  },
  async run(env, payload) {
    const { id } = parseInput(idInput, payload);
    const started = await startPointDelete(env.stores, env.service, id, retryOfIn(payload));
    return { operationId: started.operationId };
  },
};

const deleteJobAction: ApprovalAction = {
  kind: 'delete-job',
  parsePayload: (payload) => parseInput(jobIdInput, payload),
  async prepare(env, payload) {
    const { id } = parseInput(jobIdInput, payload);
    const job = await env.stores.jobs.get(id);
    if (!job) throw goneSinceLoaded('backup job', 'id');
    const scope = job.requestJson.scope as { kind?: string; vmIds?: string[] } | undefined;
    const subject = {
      id: job.id,
      name: job.name,
      schedule: job.cron ? describeSchedule(job.cron, job.timeZone, env.service.now()) : null,
      isEnabled: job.isEnabled,
      scope:
        scope?.kind === 'vms'
          ? `${scope.vmIds?.length ?? 0} VM${scope.vmIds?.length === 1 ? '' : 's'}`
          : scope?.kind === 'host-volume'
            ? 'a whole host volume'
            : scope?.kind === 'array-volume'
              ? 'a whole array volume'
              : 'a saved scope',
    };
    return {
      title: `Delete the backup job ${job.name}`,
      preview: { kind: 'delete-job', job: subject },
      // The job as saved: an edit after the request (schedule, scope) is another job to delete.
      fingerprint: digest([job.id, job.name, job.updatedAt, job.requestJson, job.cron, job.isEnabled]),
    };
  },
  async run(env, payload) {
    const { id } = parseInput(jobIdInput, payload);
    await deleteBackupJob(env.stores, id);
    return { jobId: id };
  },
};

function countsOf(inventory: Inventory): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, objects]) => [section, (objects as unknown[]).length]),
  ) as InventoryCounts;
}

function parseReplacePayload(payload: unknown): { content: string; confirmation?: ReplaceConfirmation } {
  const { content, confirmation } = (payload ?? {}) as { content?: unknown; confirmation?: unknown };
  if (typeof content !== 'string' || content.length === 0) {
    throw new DomainError('INVALID_INPUT', 'The inventory file is empty', [
      { path: 'content', message: 'The inventory file is empty' },
    ]);
  }
  if (confirmation === undefined) return { content };
  return { content, confirmation: parseInput(replaceConfirmationInput, confirmation) };
}

const replaceInventoryAction: ApprovalAction = {
  kind: 'replace-inventory',
  parsePayload: parseReplacePayload,
  async prepare(env, payload) {
    const { content, confirmation } = parseReplacePayload(payload);
    // A file with any problem is refused now, naming every field, as a direct import would be.
    const incoming = validateInventory(parseJsonText(content), null);
    // The whole estate: a replace is judged against all of it (it deletes what the file lacks).
    const stored = await env.stores.inventory.loadInventory();
    // The requester confirmed the removal they previewed; it must be the removal of the estate now.
    assertReplaceConfirmed(removalOf(stored, incoming), confirmation);
    const kept = new Set(incoming.vms.map((vm) => vm.id));
    const removed = stored.vms.filter((vm) => !kept.has(vm.id));
    const contentSha256 = digest(content);
    const whatGoes = await previewReplace(env.stores, incoming);
    return {
      title: `Replace the inventory (${incoming.vms.length} VMs in the file, ${stored.vms.length} in the console)`,
      preview: {
        kind: 'replace-inventory',
        file: countsOf(incoming),
        stored: countsOf(stored),
        removedVms: { count: removed.length, names: removed.slice(0, 100).map((vm) => vm.name) },
        removedHosts: whatGoes.removes.hosts,
        jobs: whatGoes.jobs.map((job) => ({
          name: job.name,
          lost: job.lostVolume ? `its volume ${job.lostVolume}` : job.lostVms.join(', '),
        })),
        orphanedPoints: whatGoes.restorePoints.count,
        contentSha256,
      },
      fingerprint: digest([planFingerprint(stored), contentSha256]),
    };
  },
  async run(env, payload) {
    const { content, confirmation } = parseReplacePayload(payload);
    const result = await importInventoryOffLoop(
      env,
      content,
      'replace',
      confirmation ? { confirmation } : {},
    );
    return { stored: result.stored, imported: result.imported };
  },
};

export const APPROVAL_ACTIONS: Record<ApprovalKind, ApprovalAction> = {
  'restore-in-place': restoreAction('restore-in-place'),
  'restore-snapshot-revert': restoreAction('restore-snapshot-revert'),
  'restore-volume-revert': restoreAction('restore-volume-revert'),
  'delete-restore-point': deletePointAction,
  'delete-job': deleteJobAction,
  disconnect: disconnectAction(digest),
  'tighten-retention': tightenRetentionAction(digest),
  'replace-inventory': replaceInventoryAction,
  'change-admins': changeAdminsAction(digest),
  'turn-off-four-eyes': turnOffFourEyesAction(digest),
};

export const ESTATE_CHANGED_SINCE_REQUEST = 'The estate changed since this request was made';

/** CONFLICT when the estate no longer gives the fingerprint the request was reviewed on. */
export function assertUnchanged(reviewed: string, current: string): void {
  if (reviewed !== current) throw estateChangedError();
}

export function estateChangedError(): DomainError {
  return new DomainError(
    'CONFLICT',
    `${ESTATE_CHANGED_SINCE_REQUEST}: what would run is no longer what was reviewed. Reject it; the requester can ask again`,
    [{ path: 'id', message: ESTATE_CHANGED_SINCE_REQUEST }],
  );
}
