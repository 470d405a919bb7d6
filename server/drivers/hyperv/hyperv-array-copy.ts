/**
 * Reading one VM's disks out of an array snapshot on its Hyper-V host (CONNECTORS.md §4): the
 * array has mapped a copy of the snapshot's LUNs to the host (ontap-exposure.ts); the host brings
 * the copies' disks online under a folder of its own (`mount-array-copy`), the VM's base VHDX
 * files are streamed from there through SFTP into the repository, and the disks go offline again
 * (`dismount-array-copy`) whatever happened, before the array unmaps them.
 *
 * The files read are the base VHDX under any checkpoint: for an array capture the guest was frozen
 * by a production checkpoint, so the base file on the snapshot is the state at the freeze, and the
 * AVHDX beside it (writes after the freeze) is left out.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { TransferOptions } from '../call';
import type { BackupRepository, CopyFromArrayRequest, CopyResult, DiskSource, ExposedLun } from '../roles';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId } from './hyperv-discovery';
import { listOf } from './hyperv-records';

const copyDrivesSchema = listOf(
  z.object({
    ControllerType: z.number().int(),
    ControllerNumber: z.number().int(),
    ControllerLocation: z.number().int(),
    Path: z.string(),
    CopyPath: z.string().nullable(),
    FileSize: z.number().nonnegative().nullable(),
  }),
);

/** Where the copies are mounted: one folder per restore point, so a retry finds its own. */
export const copyMountRoot = (restorePointId: string) =>
  `C:\\ProgramData\\Migawka\\array-copies\\${restorePointId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/** The VM's drives as the copies hold them: `CopyPath` is where each base VHDX is on a copy (null: on none). */
export function mountArrayCopy(
  client: HypervClient,
  vmGuid: string,
  mountRoot: string,
  luns: ExposedLun[],
  options: TransferOptions,
) {
  return client.run(
    'mount-array-copy',
    {
      vmId: vmGuid,
      mountRoot,
      luns: luns.map((lun) => ({
        source: lun.sourceNaaId.toUpperCase(),
        copy: lun.naaId.toUpperCase(),
        // A copy that is a target of its own (EqualLogic): the host logs in to it first.
        ...(lun.iscsi ? { portal: lun.iscsi.portal, target: lun.iscsi.target } : {}),
      })),
    },
    copyDrivesSchema,
    options,
  );
}

/**
 * Offline before the array unmaps: a disk pulled from under a mounted volume is a surprise removal
 * for Windows. On a deadline of its own, since a cancel has aborted the copy's signal; a failure
 * here is left to the array's unmap (the mount folder is found again by a retry).
 */
export async function dismountArrayCopy(
  client: HypervClient,
  mountRoot: string,
  luns: ExposedLun[],
): Promise<void> {
  const copies = luns.map((lun) => lun.naaId.toUpperCase());
  const targets = luns.flatMap((lun) => (lun.iscsi ? [lun.iscsi.target] : []));
  await client
    .run('dismount-array-copy', { mountRoot, copies, targets }, z.boolean(), {
      signal: AbortSignal.timeout(120_000),
      timeoutMs: 120_000,
    })
    .catch(() => undefined);
}

export async function copyFromArrayLuns(
  client: HypervClient,
  vmGuid: string,
  request: CopyFromArrayRequest,
  repository: BackupRepository,
  options: TransferOptions,
): Promise<CopyResult> {
  const mountRoot = copyMountRoot(request.restorePointId);
  try {
    const drives = await mountArrayCopy(client, vmGuid, mountRoot, request.luns, options);
    const disks: DiskSource[] = [];
    for (const diskId of request.diskIds) {
      const drive = drives.find((candidate) => diskInventoryId(vmGuid, candidate) === diskId);
      if (!drive?.CopyPath) {
        throw new DriverError(
          'not-found',
          `${client.label}: ${drive ? drive.Path : diskId} is on none of the LUNs the array snapshot ${request.snapshotId} holds`,
          { isRetryable: false },
        );
      }
      const from = drive.CopyPath;
      disks.push({
        diskId,
        bytes: drive.FileSize ?? 0,
        origin: { location: drive.Path, hostVolumeId: null, arrayVolumeId: null },
        read: (signal: AbortSignal) => client.readFile(from, signal),
      });
    }
    return await repository.store(
      { restorePointId: request.restorePointId, vmId: request.vmId, snapshotId: request.snapshotId, disks },
      options,
    );
  } finally {
    await dismountArrayCopy(client, mountRoot, request.luns);
  }
}
