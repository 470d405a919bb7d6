/**
 * Resilient Change Tracking ids of a VM's disks (docs/connectors/hyperv.md, "Change tracking ids"),
 * read by change-tracking.ps1 just before Migawka's checkpoint, so a later incremental can ask
 * Hyper-V what changed since. Why read, not made: Hyper-V keeps RCT ids only on reference points,
 * and only a *recovery* checkpoint converts to one (the conversion deletes it). A recovery
 * checkpoint is asked for a consistency level; it has no `ProductionOnly` switch that refuses
 * instead of falling back, which the job's consistency policy depends on. So the backup keeps its
 * production / standard checkpoint and records the ids of the reference points already there.
 * Any reference point made before the checkpoint is a safe base: what changed since it includes
 * what changed since the copy. Ids read after the checkpoint (a retried step) are not, and are
 * recorded unknown.
 */
import { z } from 'zod';
import type { DiskChangeTracking } from '../../engine/types';
import type { CallOptions } from '../call';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId } from './hyperv-discovery';
import { listOf } from './hyperv-records';

const strings = listOf(z.string());

export const changeTrackingSchema = z.object({
  CheckpointExists: z.boolean(),
  /** The WMI error id when the host has no reference-point class (before Windows Server 2016). */
  MissingClass: z.string().nullable(),
  ReferencePoints: listOf(
    z.object({
      InstanceID: z.string(),
      ReferencePointType: z.number().int(),
      VirtualDiskIdentifiers: strings,
      ResilientChangeTrackingIdentifiers: strings,
    }),
  ),
  Disks: listOf(z.object({ InstanceID: z.string(), HostResource: strings })),
  Drives: listOf(
    z.object({
      ControllerType: z.number().int(),
      ControllerNumber: z.number().int(),
      ControllerLocation: z.number().int(),
      Path: z.string(),
    }),
  ),
});
export type ChangeTrackingRecord = z.infer<typeof changeTrackingSchema>;

/** ReferencePointType 2: based on RCT (1 is Hyper-V Replica's log, which has no RCT ids). */
const RCT_BASED = 2;

export const CHANGE_TRACKING_REASONS = {
  retried: 'read after the checkpoint was already taken (a retried step), so no id is a safe base for it',
  noClass: "this host's Hyper-V keeps no reference points (Windows Server 2016 or later is needed)",
  noPoint:
    'the VM has no reference point: Hyper-V gives change tracking ids only once a backup product turns a recovery checkpoint into one (Migawka takes none)',
  notCovered:
    'no reference point covers this disk (change tracking needs a VHDX on a VM of configuration version 8.0 or later)',
} as const;

const samePath = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Each drive's RCT ids, in the order Hyper-V lists its reference points; unknown with a reason otherwise. */
export function changeTrackingOfDisks(vmGuid: string, record: ChangeTrackingRecord): DiskChangeTracking[] {
  const unknown = (reason: string) =>
    record.Drives.map((drive) => ({ diskId: diskInventoryId(vmGuid, drive), ids: [], reason }));
  if (record.CheckpointExists) return unknown(CHANGE_TRACKING_REASONS.retried);
  if (record.MissingClass) return unknown(CHANGE_TRACKING_REASONS.noClass);
  const points = record.ReferencePoints.filter((point) => point.ReferencePointType === RCT_BASED);
  if (points.length === 0) return unknown(CHANGE_TRACKING_REASONS.noPoint);
  return record.Drives.map((drive) => {
    const instanceIds = record.Disks.filter((disk) =>
      disk.HostResource.some((file) => samePath(file, drive.Path)),
    ).map((disk) => disk.InstanceID.toLowerCase());
    const ids = points.flatMap((point) => {
      const index = point.VirtualDiskIdentifiers.findIndex((id) => instanceIds.includes(id.toLowerCase()));
      const id = index >= 0 ? point.ResilientChangeTrackingIdentifiers[index] : undefined;
      return id ? [id] : [];
    });
    return {
      diskId: diskInventoryId(vmGuid, drive),
      ids,
      reason: ids.length > 0 ? null : CHANGE_TRACKING_REASONS.notCovered,
    };
  });
}

/**
 * Reads the ids before a checkpoint. Never fails the backup: a read that fails is recorded as
 * unknown for every disk the caller asked about, with what went wrong.
 */
export async function readChangeTracking(
  client: HypervClient,
  vmGuid: string,
  checkpointName: string,
  diskIds: string[],
  options: CallOptions,
): Promise<DiskChangeTracking[]> {
  try {
    const record = await client.run(
      'change-tracking',
      { vmId: vmGuid, checkpointName },
      changeTrackingSchema,
      options,
    );
    const wanted = new Set(diskIds);
    return changeTrackingOfDisks(vmGuid, record).filter((disk) => wanted.has(disk.diskId));
  } catch (error) {
    if (options.signal.aborted) throw error;
    const reason = `could not be read: ${(error as Error).message}`;
    return diskIds.map((diskId) => ({ diskId, ids: [], reason }));
  }
}
